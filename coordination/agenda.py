"""The agenda a cellule is proposed, read from the pipeline (docs/domain.md §3.2.2).

Three groups: households awaiting a level decision; submitted diagnostics awaiting admission;
accompaniments finished since the last cellule and files in difficulty. What is already on an
agenda waiting for a decision, or already decided, is not proposed again.

A file is "in difficulty" when, since the last cellule's agenda was published (or the last three
months when there is none):
- its latest monthly adhesion degree is "rompue" (docs/domain.md §2.3: a break goes to the
  cellule);
- the CCAS reported a loss of adhesion (signal `adhesion_loss`, docs/domain.md §3.2.3);
- it received repeated signals: at least REPEATED_SIGNALS signals of any kind within
  REPEATED_WINDOW (three months), the programme's own threshold for "repeated".
"""

from dataclasses import dataclass, field
from datetime import timedelta
from itertools import chain

from django.db.models import Count, Max, OuterRef, Q, Subquery
from django.utils import timezone

from accompaniments.models import (
    Accompaniment,
    AccompanimentStatus,
    AdhesionDegree,
    AdhesionRecord,
    Signal,
    SignalKind,
)
from caen_accompagnement.dates import start_of_day
from households.enums import IN_PROGRAMME_STATUSES, Public, Status
from households.models import Household

from .enums import ItemKind
from .models import AgendaItem, Meeting

REPEATED_SIGNALS = 2
REPEATED_WINDOW = timedelta(days=91)


@dataclass
class Proposal:
    kind: str
    household: Household
    reasons: list = field(default_factory=list)

    @property
    def reason(self):
        return " ; ".join(self.reasons)[:250]


def _pending_elsewhere(meeting, kind):
    """Households already on an agenda (this one or a coming one) for `kind`, not yet decided."""
    return (
        AgendaItem.objects.undecided()
        .filter(kind=kind)
        .filter(
            Q(meeting=meeting)
            | Q(meeting__date__gte=timezone.now(), meeting__minutes_approved_at=None)
        )
    )


def since_date(meeting):
    """Start of the window the agenda reads: when the previous cellule's agenda was frozen
    (published), so an event recorded between that publication and its sitting is not lost;
    what that cellule did review after the event drops out below."""
    previous = meeting.previous_cellule()
    if previous is not None:
        if previous.agenda_published_at is not None:
            return min(previous.date, previous.agenda_published_at)
        return previous.date
    return meeting.date - REPEATED_WINDOW


def propose(meeting: Meeting) -> dict[str, list[Proposal]]:
    groups = {ItemKind.LEVEL: [], ItemKind.ADMISSION: [], ItemKind.REVIEW: []}
    base = Household.objects.prefetch_related("members").order_by("status_changed_at", "pk")

    pending = _pending_elsewhere(meeting, ItemKind.LEVEL).values("household")
    # A preselected file is proposed too: its inscription makes it await the level. A
    # provisional level (CCAS manager, between two cellules) comes back for ratification.
    waiting = base.filter(
        Q(status__in=[Status.PRESELECTED, Status.AWAITING_LEVEL])
        | Q(status=Status.DIAGNOSTIC, diagnostic_level_provisional=True)
    )
    # A household whose public is still « à qualifier » (import) waits for its qualification.
    waiting = waiting.exclude(public=Public.TO_QUALIFY)
    for household in waiting.exclude(pk__in=pending):
        if household.diagnostic_level_provisional:
            reason = f"Niveau provisoire {household.diagnostic_level} à ratifier"
        else:
            reason = f"Niveau suggéré : {household.suggested_diagnostic_level}"
        groups[ItemKind.LEVEL].append(Proposal(ItemKind.LEVEL, household, [reason]))

    pending = _pending_elsewhere(meeting, ItemKind.ADMISSION).values("household")
    for household in base.filter(status=Status.AWAITING_ADMISSION).exclude(pk__in=pending):
        groups[ItemKind.ADMISSION].append(
            Proposal(ItemKind.ADMISSION, household, ["Diagnostic transmis à la cellule"])
        )

    groups[ItemKind.REVIEW] = _review_proposals(meeting)
    return groups


def _review_proposals(meeting):
    """Each file with at least one review trigger since the last cellule, with its reasons,
    unless it is on an undecided agenda already or a cellule reviewed it after the trigger."""
    since = since_date(meeting)
    until = max(meeting.date, timezone.now())
    reasons: dict[int, list[str]] = {}
    triggered_at: dict[int, object] = {}
    triggers = chain(
        _closed_since(since),
        _broken_adhesion(),
        _adhesion_losses_since(since),
        _repeated_signals_until(until),
    )
    for household_id, text, at in triggers:
        reasons.setdefault(household_id, []).append(text)
        triggered_at[household_id] = max(triggered_at.get(household_id, at), at)
    if not reasons:
        return []
    return _not_yet_reviewed(meeting, reasons, triggered_at)


# Each trigger yields (household id, the reason shown on the agenda, when it happened).


def _closed_since(since):
    closed = Accompaniment.objects.filter(
        status=AccompanimentStatus.CLOSED, closed_on__gte=timezone.localtime(since).date()
    )
    for household_id, closed_on in closed.values_list("household_id", "closed_on"):
        yield (
            household_id,
            f"Accompagnement clôturé le {closed_on:%d/%m/%Y}",
            start_of_day(closed_on),
        )


def _broken_adhesion():
    """Active accompaniments whose latest monthly adhesion degree is "rompue"."""
    latest_degree = Subquery(
        AdhesionRecord.objects.filter(accompaniment=OuterRef("pk"))
        .order_by("-month")
        .values("degree")[:1]
    )
    latest_month = Subquery(
        AdhesionRecord.objects.filter(accompaniment=OuterRef("pk"))
        .order_by("-month")
        .values("month")[:1]
    )
    broken = (
        Accompaniment.objects.filter(status=AccompanimentStatus.ACTIVE)
        .annotate(latest_degree=latest_degree, latest_month=latest_month)
        .filter(latest_degree=AdhesionDegree.BROKEN)
    )
    for household_id, month in broken.values_list("household_id", "latest_month"):
        yield household_id, "Adhésion rompue", start_of_day(month)


def _adhesion_losses_since(since):
    losses = (
        Signal.objects.filter(kind=SignalKind.ADHESION_LOSS, created_at__gte=since)
        .values("household_id")
        .annotate(last=Max("created_at"))
    )
    for row in losses:
        yield (
            row["household_id"],
            f"Perte d'adhésion signalée le {timezone.localtime(row['last']):%d/%m/%Y}",
            row["last"],
        )


def _repeated_signals_until(until):
    repeated = (
        Signal.objects.filter(created_at__gte=until - REPEATED_WINDOW, created_at__lte=until)
        .values("household_id")
        .annotate(n=Count("pk"), last=Max("created_at"))
        .filter(n__gte=REPEATED_SIGNALS)
    )
    for row in repeated:
        yield row["household_id"], f"{row['n']} signalements en 3 mois", row["last"]


def _not_yet_reviewed(meeting, reasons, triggered_at):
    pending = set(
        _pending_elsewhere(meeting, ItemKind.REVIEW).values_list("household_id", flat=True)
    )
    # Already reviewed by a cellule after the event that triggers the review: drop out.
    reviewed = dict(
        AgendaItem.objects.filter(
            kind=ItemKind.REVIEW, household_id__in=reasons, decision__isnull=False
        )
        .values("household_id")
        .annotate(last=Max("meeting__date"))
        .values_list("household_id", "last")
    )
    households = Household.objects.prefetch_related("members").in_bulk(list(reasons))
    proposals = []
    for household_id in sorted(reasons):
        if household_id in pending:
            continue
        if household_id in reviewed and reviewed[household_id] >= triggered_at[household_id]:
            continue
        household = households[household_id]
        # In the programme (signals may be recorded from admission on, docs/domain.md §3.2.3).
        if household.status not in IN_PROGRAMME_STATUSES:
            continue
        proposals.append(Proposal(ItemKind.REVIEW, household, reasons[household_id]))
    return proposals
