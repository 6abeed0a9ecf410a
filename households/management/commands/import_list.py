"""python manage.py import_list --source codesi FILE [--dry-run] [--json]

Exit status 0 when the file was read (even with rejected rows), 1 with one French error when
it is not a table (binary, empty, required columns missing); nothing is written then.
"""

import json as jsonlib
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from caen_accompagnement.uploads import MAX_IMPORT_BYTES, import_too_large_message
from households.enums import Source
from households.imports.plan import analyse, confirm
from households.imports.reading import ImportFileError


class Command(BaseCommand):
    help = "Importe une liste prioritaire (CSV ou XLSX) dans les ménages."

    def add_arguments(self, parser):
        parser.add_argument("--source", required=True, choices=[s.value for s in Source])
        parser.add_argument("file", help="fichier CSV ou XLSX")
        parser.add_argument(
            "--dry-run", action="store_true", help="montre ce qui serait fait, sans rien écrire"
        )
        parser.add_argument("--json", action="store_true", help="bilan en un objet JSON")
        parser.add_argument(
            "--user", help="adresse e-mail de l'agent au nom duquel l'import est tracé"
        )

    def handle(self, *args, source, file, dry_run, json, user, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"Fichier introuvable : {file}")
        if path.stat().st_size > MAX_IMPORT_BYTES:  # the web import's limit, before reading
            raise CommandError(import_too_large_message(path.name))
        by = None
        if user:
            from django.contrib.auth import get_user_model

            by = get_user_model().objects.filter(email__iexact=user).first()
            if by is None:
                raise CommandError(f"Aucun utilisateur avec l'adresse {user}.")
        content = path.read_bytes()
        try:
            # By chunks (memory flat in the file's size); the writing in one transaction.
            if dry_run:
                tally = analyse(content, path.name, source)
            else:
                tally = confirm(content, path.name, source, by=by)
        except ImportFileError as exc:
            raise CommandError(str(exc)) from None
        summary = tally.summary()
        flagged = summary.pop("flagged")
        if json:
            self.stdout.write(_dumps(summary))
            return
        prefix = "Simulation (rien n'est écrit) — " if dry_run else ""
        self.stdout.write(
            f"{prefix}Liste {Source(source).label}, fichier {path.name} ({tally.description}) : "
            f"{summary['created']} créé(s), {summary['merged']} rattaché(s), "
            f"{summary['updated']} mis à jour, {summary['unchanged']} inchangé(s), "
            f"{len(summary['rejected'])} rejeté(s)."
        )
        if flagged:
            self.stdout.write(f"{flagged} doublon(s) possible(s) signalé(s) pour vérification.")
        for rejected in summary["rejected"]:
            for message in rejected["errors"]:
                self.stdout.write(f"  {message}")


def _dumps(data):
    return jsonlib.dumps(data, ensure_ascii=False)
