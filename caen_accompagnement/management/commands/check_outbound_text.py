"""List the stored texts read outside the CCAS that fail the outbound check (households/outbound.py).

    python manage.py check_outbound_text

One line per text to rephrase: model, primary key, field, household reference when there is one,
and the words found. Nothing is rewritten: the manager corrects each text (docs/access.md,
"Texte libre qui sort du CCAS"). Texts are read by chunks; one name query per chunk.
"""

from django.apps import apps
from django.core.management.base import BaseCommand

from households import outbound

# Every free-text field typed at the CCAS and read outside it (the table of docs/access.md),
# with the rows concerned: (model, field, filter, path to the household).
CHANNELS = [
    ("coordination.AgendaItem", "title", {"kind": "manual"}, None),
    ("coordination.Decision", "reason", {}, "item__household"),
    ("coordination.Decision", "cap_override_reason", {}, "item__household"),
    ("coordination.Minutes", "correction", {}, None),
    ("coordination.Adjustment", "title", {}, None),
    ("diagnostics.Diagnostic", "capacity_reason", {}, "household"),
    ("accompaniments.Signal", "description", {"kind": "adhesion_loss"}, "household"),
    ("accompaniments.Signal", "acknowledgement_note", {}, "household"),
    ("households.ReferentAssignment", "reason", {}, "household"),
    ("households.StatusChange", "reason", {}, "household"),
    ("households.StatusChange", "decision", {}, "household"),
    ("households.Household", "observations", {}, ""),
    ("households.Household", "accommodation", {}, ""),
]
CHUNK = 2000


def failing_rows(chunk=CHUNK):
    """Yield (model label, pk, field, household pk or None, findings) for each failing text."""
    for label, field, filters, household_path in CHANNELS:
        model = apps.get_model(label)
        household = "pk" if household_path == "" else household_path and f"{household_path}_id"
        columns = ["pk", field] + ([household] if household else [])
        rows = model.objects.filter(**filters).exclude(**{field: ""}).order_by("pk")
        last = None
        while True:
            page = rows.filter(pk__gt=last) if last is not None else rows
            batch = list(page.values_list(*columns)[:chunk])
            if not batch:
                break
            last = batch[-1][0]
            texts = {row[0]: row[1] for row in batch}
            found = outbound.findings_of(texts)  # one name query for the chunk
            for row in batch:
                if row[0] in found:
                    yield label, row[0], field, row[2] if household else None, found[row[0]]


def describe(findings):
    groups = {}
    for finding in findings:
        groups.setdefault(finding.family_label, []).append(f"« {finding.words} »")
    return " ; ".join(f"{', '.join(words)} ({family})" for family, words in groups.items())


class Command(BaseCommand):
    help = (
        "Liste les textes lus hors du CCAS qui nomment une personne du dispositif ou contiennent "
        "une donnée sensible (modèle, identifiant, champ, mots) ; ne modifie rien."
    )

    def handle(self, *args, **options):
        Household = apps.get_model("households.Household")
        rows = list(failing_rows())
        references = {
            h.pk: h.reference
            for h in Household.objects.filter(pk__in={row[3] for row in rows if row[3]}).only(
                "pk", "created_at"
            )
        }
        self.stdout.write("modèle\tidentifiant\tchamp\tdossier\tmots à reformuler")
        for label, pk, field, household_pk, findings in rows:
            reference = references.get(household_pk, "—")
            self.stdout.write(f"{label}\t{pk}\t{field}\t{reference}\t{describe(findings)}")
        count = len(rows)
        self.stdout.write(
            f"{count} texte{'s' if count > 1 else ''} à reformuler"
            if count
            else "Aucun texte à reformuler."
        )
