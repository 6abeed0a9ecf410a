"""`manage.py check_pipeline`: every household against the pipeline's invariants.

Prints each violation with the household's reference; exit status 1 when there is any.
The number of queries does not grow with the number of households (reporting/integrity.py).
"""

import sys

from django.core.management.base import BaseCommand

from reporting.integrity import violations


class Command(BaseCommand):
    help = "Vérifie que le statut de chaque ménage concorde avec son dossier (parcours)."

    def handle(self, *args, **options):
        count = 0
        households = set()
        for reference, message in violations():
            count += 1
            households.add(reference)
            self.stdout.write(f"{reference} : {message}")
        if count:
            self.stderr.write(
                f"{count} incohérence(s) dans {len(households)} dossier(s) du parcours."
            )
            sys.exit(1)
        self.stdout.write("Parcours cohérent : aucune incohérence.")
