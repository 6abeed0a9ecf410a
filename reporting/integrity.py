"""The pipeline's invariants: a household's status agrees with its records (docs/pipeline.md).

`violations()` reads every household once, with what each invariant needs annotated on the
same row (a fixed number of queries, whatever the number of households), and yields
(household reference, French message) for each broken invariant. `manage.py check_pipeline`
prints them.
"""

from django.db.models import Count, Exists, F, OuterRef, Q, Subquery

from accompaniments.enums import EXIT_OF_CLOSURE, AccompanimentStatus
from accompaniments.models import Accompaniment
from coordination.enums import ItemKind, Outcome
from coordination.models import AgendaItem, Decision
from diagnostics.models import Diagnostic, DiagnosticStatus
from households.enums import Status
from households.models import Household, StatusChange
from housing.models import AgreementDocument, DocumentKind, DocumentStatus

# Statuses reached once the cellule has chosen the diagnostic level.
LEVELLED = {
    Status.DIAGNOSTIC,
    Status.AWAITING_ADMISSION,
    Status.ADMITTED,
    Status.NOT_ADMITTED,
    Status.ACCOMPANIED,
    Status.POST_AUTONOMY,
}


def annotated_households():
    """Every household with the facts the invariants read, in one query."""
    active = Accompaniment.objects.filter(
        household=OuterRef("pk"), status=AccompanimentStatus.ACTIVE
    )
    # The active accompaniment started after both documents were signed (or by a manager's
    # written derogation, `gate_override_reason`).
    signed_before_start = [
        Exists(
            AgreementDocument.objects.filter(
                household=OuterRef("household"),
                kind=kind,
                status=DocumentStatus.SIGNED,
                signed_on__lte=OuterRef("start"),
            )
        )
        for kind in (DocumentKind.CONVENTION, DocumentKind.CONTRACT)
    ]
    gated = active.filter(~Q(gate_override_reason="") | Q(*signed_before_start))
    closed_to_autonomy = Accompaniment.objects.filter(
        household=OuterRef("pk"), status=AccompanimentStatus.CLOSED
    ).exclude(closure_reason__in=list(EXIT_OF_CLOSURE))
    decisions = Decision.objects.filter(item__household=OuterRef("pk"))
    coming_level_item = AgendaItem.objects.filter(
        household=OuterRef("pk"),
        kind=ItemKind.LEVEL,
        decision__isnull=True,
        meeting__minutes_approved_at__isnull=True,
    )
    last_change = StatusChange.objects.filter(household=OuterRef("pk")).order_by("-at", "-pk")
    return (
        Household.objects.order_by("pk")
        .annotate(
            n_active=Subquery(active.values("household").annotate(n=Count("pk")).values("n")[:1]),
            active_gated=Exists(gated),
            has_closed_to_autonomy=Exists(closed_to_autonomy),
            level_decided=Exists(decisions.filter(outcome=Outcome.LEVEL)),
            admission_decided=Exists(
                decisions.filter(outcome__in=[Outcome.ADMITTED, Outcome.NOT_ADMITTED])
            ),
            on_level_agenda=Exists(coming_level_item),
            # The meeting stored on its decisions (for /cellule/'s counts) is their item's.
            decision_off_its_meeting=Exists(decisions.exclude(meeting=F("item__meeting"))),
            has_transmitted=Exists(
                Diagnostic.objects.filter(household=OuterRef("pk")).exclude(
                    status=DiagnosticStatus.DRAFT
                )
            ),
            # The last visit and contact stored on its accompaniments (for /mon-suivi/'s
            # cadence) are those of their contacts.
            stale_last_contacts=Exists(
                Accompaniment.objects.filter(household=OuterRef("pk")).stale_last_contacts()
            ),
            # The next survey's date stored on its accompaniments (for /mon-suivi/'s panel)
            # is the one their closure and surveys give.
            stale_next_survey=Exists(
                Accompaniment.objects.filter(household=OuterRef("pk")).stale_next_surveys()
            ),
            last_status=Subquery(last_change.values("to_status")[:1]),
            last_status_at=Subquery(last_change.values("at")[:1]),
        )
        .only(
            "pk",
            "created_at",
            "status",
            "status_changed_at",
            "exit_reason",
            "diagnostic_level",
            "diagnostic_level_provisional",
        )
    )


def check(household):
    """The French messages of every invariant `household` (annotated) breaks."""
    return [
        *_history_problems(household),
        *_accompaniment_problems(household),
        *_level_problems(household),
        *_decision_problems(household),
        *(
            ["décision rattachée à une autre réunion que celle de son point d'ordre du jour"]
            if household.decision_off_its_meeting
            else []
        ),
    ]


def _history_problems(household):
    """The status agrees with the last row of its history, date included."""
    if household.last_status is None:
        return ["aucun historique de statut"]
    if household.last_status != household.status:
        return [
            f"le statut « {Status(household.status).label} » n'est pas le dernier de son "
            f"historique (« {Status(household.last_status).label} »)"
        ]
    if household.last_status_at != household.status_changed_at:
        return ["la date du statut diffère de celle de son historique"]
    return []


def _accompaniment_problems(household):
    """Accompanied ⇔ one active accompaniment started after both documents were signed;
    post-autonomy ⇒ an accompaniment closed for autonomy or rehousing; the last visit and
    contact stored on each accompaniment are the latest of its contacts, and its next survey's
    date the one its closure and surveys give."""
    status, n_active = household.status, household.n_active or 0
    problems = []
    if status == Status.ACCOMPANIED:
        if n_active != 1:
            problems.append(f"accompagné avec {n_active} accompagnement(s) en cours au lieu d'un")
        elif not household.active_gated:
            problems.append(
                "accompagnement commencé avant la signature de la convention tripartite et du "
                "contrat d'accompagnement (sans dérogation)"
            )
    elif n_active and status != Status.AWAITING_ADMISSION:
        label = Status(status).label
        problems.append(f"accompagnement en cours alors que le statut est « {label} »")
    if status == Status.POST_AUTONOMY and not household.has_closed_to_autonomy:
        problems.append("suivi post-autonomie sans accompagnement clôturé (autonomie, relogement)")
    if household.stale_last_contacts:
        problems.append(
            "dernière visite ou dernier contact enregistré sur l'accompagnement différent de "
            "ceux de ses contacts"
        )
    if household.stale_next_survey:
        problems.append(
            "date de la prochaine enquête post-autonomie enregistrée sur l'accompagnement "
            "différente de celle que donnent sa clôture et ses enquêtes"
        )
    return problems


def _level_problems(household):
    """A level decided by a cellule, or a provisional one on the next cellule's agenda."""
    status = household.status
    problems = []
    if status in LEVELLED and not household.diagnostic_level:
        problems.append(f"« {Status(status).label} » sans niveau de diagnostic")
    if status == Status.DIAGNOSTIC and household.diagnostic_level:
        if household.diagnostic_level_provisional:
            if not household.on_level_agenda:
                problems.append(
                    "niveau provisoire absent de l'ordre du jour de la prochaine cellule"
                )
        elif not household.level_decided:
            problems.append("niveau de diagnostic fixé sans décision de la cellule")
    if status == Status.AWAITING_LEVEL and not household.on_level_agenda:
        problems.append("en attente du niveau sans inscription à l'ordre du jour d'une cellule")
    return problems


def _decision_problems(household):
    """Transmitted diagnostic, cellule admission decision, exit reason."""
    status = household.status
    if status == Status.AWAITING_ADMISSION and not household.has_transmitted:
        return ["en attente d'admission sans diagnostic transmis"]
    if status in (Status.ADMITTED, Status.NOT_ADMITTED) and not household.admission_decided:
        return [f"« {Status(status).label} » sans décision d'admission de la cellule"]
    if status == Status.EXITED and not household.exit_reason:
        return ["sorti du dispositif sans motif de sortie"]
    return []


def violations(queryset=None):
    """Yield (reference, message) for every broken invariant, household by household."""
    rows = annotated_households() if queryset is None else queryset
    for household in rows.iterator(chunk_size=2000):
        for message in check(household):
            yield household.reference, message
