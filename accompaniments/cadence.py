"""The contact rhythm the programme promises (§2.2.2–2.2.3), as pure functions.

The intervals are those of the accompaniment's intensity, read from the one table
`diagnostics.rhythms.RHYTHMS` (the contrat and the convention print the same). The rule (also
in docs/cadence.md):
- a **home visit** is due one visit interval after the last home visit (one calendar month:
  31 January → 28 or 29 February, the day clamped to the end of the shorter month; 15 days for
  « Renforcée »); before the first visit, one interval after the start of the accompaniment;
- a **phone contact** is due one call interval (15 days; 7 for « Renforcée ») after the last call
  *or visit*: any contact that reached the household counts (phone call, home visit, office
  interview, accompanied step); a failed attempt does not; before the first one, counted from
  the start;
- an accompaniment is **overdue** when either date is before today, **due this week** when the
  earlier of the two falls within the next 7 days, otherwise **à jour**.

Compliance over an accompaniment (shown on the household file): the share of elapsed visit
periods (months, or 15 days for « Renforcée », from the start date) holding at least one home
visit, and the share of elapsed call periods holding at least one contact. A period
still running counts only once it holds a contact, so a new month is not held against anyone.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from caen_accompagnement.dates import add_months
from diagnostics.rhythms import DEFAULT_RHYTHM, Rhythm

__all__ = ["add_months"]  # re-exported: the accompaniment's duration rules use it too
WEEK = timedelta(days=7)

OVERDUE, DUE_THIS_WEEK, UP_TO_DATE = 0, 1, 2
URGENCY_LABELS = {
    OVERDUE: "En retard",
    DUE_THIS_WEEK: "À faire cette semaine",
    UP_TO_DATE: "À jour",
}


def next_visit_due(start: date, last_visit: date | None, rhythm: Rhythm = DEFAULT_RHYTHM) -> date:
    return rhythm.visit_step(last_visit or start)


def next_call_due(start: date, last_contact: date | None, rhythm: Rhythm = DEFAULT_RHYTHM) -> date:
    return rhythm.call_step(last_contact or start)


@dataclass(frozen=True)
class Cadence:
    visit_due: date
    call_due: date
    today: date

    @property
    def next_due(self) -> date:
        return min(self.visit_due, self.call_due)

    @property
    def visit_overdue(self) -> bool:
        return self.visit_due < self.today

    @property
    def call_overdue(self) -> bool:
        return self.call_due < self.today

    @property
    def urgency(self) -> int:
        if self.next_due < self.today:
            return OVERDUE
        if self.next_due <= self.today + WEEK:
            return DUE_THIS_WEEK
        return UP_TO_DATE

    @property
    def urgency_label(self) -> str:
        return URGENCY_LABELS[self.urgency]

    @property
    def days_late(self) -> int:
        return max(0, (self.today - self.next_due).days)

    @property
    def sort_key(self):
        return (self.urgency, self.next_due)


def cadence(
    start: date,
    last_visit: date | None,
    last_contact: date | None,
    today: date,
    rhythm: Rhythm = DEFAULT_RHYTHM,
):
    return Cadence(
        next_visit_due(start, last_visit, rhythm), next_call_due(start, last_contact, rhythm), today
    )


def _periods(start: date, end: date, step):
    """[period_start, period_end) slices from `start` until `end` (inclusive day)."""
    n = 0
    while True:
        lo, hi = step(start, n), step(start, n + 1)
        if lo > end:
            return
        yield lo, hi
        n += 1


def _share(periods, days, end):
    counted = held = 0
    for lo, hi in periods:
        has = any(lo <= d < hi for d in days)
        finished = hi <= end + timedelta(days=1)
        if finished or has:
            counted += 1
            held += has
    return (held / counted) if counted else None


@dataclass(frozen=True)
class Compliance:
    visit_share: float | None  # share of visit periods (months) with a home visit
    contact_share: float | None  # share of call periods (fortnights) with a contact
    rhythm: Rhythm = DEFAULT_RHYTHM

    @property
    def visit_percent(self):
        return None if self.visit_share is None else round(100 * self.visit_share)

    @property
    def contact_percent(self):
        return None if self.contact_share is None else round(100 * self.contact_share)


def compliance(
    start: date, end: date, visit_days, contact_days, rhythm: Rhythm = DEFAULT_RHYTHM
) -> Compliance:
    """Cadence compliance from `start` to `end` (today, or the closing date)."""
    if end < start:
        return Compliance(None, None, rhythm)
    visit_periods = _periods(start, end, rhythm.visit_step)
    call_periods = _periods(start, end, rhythm.call_step)
    return Compliance(
        _share(visit_periods, list(visit_days), end),
        _share(call_periods, list(contact_days), end),
        rhythm,
    )
