"""python manage.py apply_retention [--dry-run] [--limit N]: the daily retention job, by hand."""

from django.core.management.base import BaseCommand

from privacy import retention


class Command(BaseCommand):
    help = "Applique la durée de conservation : archivage, puis anonymisation (docs/privacy.md)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="rapport de ce qui serait fait, sans rien changer",
        )
        parser.add_argument("--limit", type=int, help="nombre maximal de ménages par étape")

    def handle(self, *args, dry_run, limit, **options):
        report = retention.run(dry_run=dry_run, limit=limit)
        prefix = "Simulation (rien n'est modifié) — " if dry_run else ""
        self.stdout.write(
            f"{prefix}{len(report.archived)} ménage(s) archivé(s), "
            f"{len(report.announced)} anonymisation(s) annoncée(s), "
            f"{len(report.anonymised)} ménage(s) anonymisé(s), {len(report.errors)} erreur(s)."
        )
        for entry in report.archived:
            self.stdout.write(
                f"  archivage : {entry['reference']} (dernier contact {entry['last_contact']})"
            )
        for entry in report.announced:
            self.stdout.write(
                f"  anonymisation annoncée : {entry['reference']} à partir du {entry['due_on']}"
            )
        for entry in report.anonymised:
            self.stdout.write(f"  anonymisation : {entry['reference']}")
        for entry in report.errors:
            self.stdout.write(f"  erreur : {entry['reference']} — {entry['error']}")
