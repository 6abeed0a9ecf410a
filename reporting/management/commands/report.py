"""`python manage.py report --year 2025 --format pdf --output bilan-2025.pdf` (docs/reporting.md)."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reporting import bilans
from reporting.exports import FORMATS, export
from reporting.forms import check_year
from reporting.models import PublishedBilan
from reporting.suppression import suppress


class Command(BaseCommand):
    help = "Écrit le bilan annuel du dispositif (PDF, XLSX, CSV ou JSON)."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True, help="Année du bilan.")
        parser.add_argument("--format", choices=sorted(FORMATS), required=True)
        parser.add_argument("--output", help="Fichier à écrire (par défaut : la sortie standard).")
        parser.add_argument(
            "--bilan-version",
            type=int,
            dest="bilan_version",
            help="Une version approuvée par le comité (par défaut : les chiffres du jour).",
        )
        parser.add_argument(
            "--ccas",
            action="store_true",
            help="Sans masquage des petits effectifs (usage interne au CCAS uniquement).",
        )

    def handle(self, *args, year, format, output=None, bilan_version=None, ccas=False, **options):
        problem = check_year(year)
        if problem:
            raise CommandError(problem)
        if bilan_version is not None:
            published = PublishedBilan.objects.filter(year=year, version=bilan_version).first()
            if published is None:
                raise CommandError(f"Le bilan {year} n'a pas de version {bilan_version}.")
            figures = bilans.frozen(published)
        else:
            figures = bilans.live(year)
        if not ccas:
            figures = suppress(figures)
        content = export(figures, format)  # built whole before anything is written
        if output:
            Path(output).write_bytes(content)
            self.stderr.write(f"Bilan {year} écrit dans {output}.")
        else:
            sys.stdout.buffer.write(content)
            sys.stdout.flush()
