"""The contact rhythm the programme promises (§2.2.2–2.2.3), as pure functions.

The rule (also in docs/cadence.md):
- a **home visit** is due one calendar month after the last home visit (31 January → 28 or
  29 February: the day is clamped to the end of the shorter month); before the first visit, one
  month after the start of the accompaniment;
- a **phone contact** is due 15 days after the last call *or visit*: any contact that reached the
  household counts (phone call, home visit, office interview, accompanied step); a failed attempt
  does not; before the first one, 15 days after the start;
- an accompaniment is **overdue** when either date is before today, **due this week** when the
  earlier of the two falls within the next 7 days, otherwise **à jour**.

Compliance over an accompaniment (shown on the household file): the share of elapsed months
(counted from the start date, month by month) holding at least one home visit, and the share
of elapsed fortnights (15-day periods from the start) holding at least one contact. A period
still running counts only once it holds a contact, so a new month is not held against anyone.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from caen_accompagnement.dates import add_months

CALL_INTERVAL = timedelta(days=15)
WEEK = timedelta(days=7)

OVERDUE, DUE_THIS_WEEK, UP_TO_DATE = 0, 1, 2
URGENCY_LABELS = {
    OVERDUE: "En retard",
    DUE_THIS_WEEK: "À faire cette semaine",
    UP_TO_DATE: "À jour",
}


def next_visit_due(start: date, last_visit: date | None) -> date:
    return add_months(last_visit or start, 1)


def next_call_due(start: date, last_contact: date | None) -> date:
    return (last_contact or start) + CALL_INTERVAL


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


def cadence(start: date, last_visit: date | None, last_contact: date | None, today: date):
    return Cadence(next_visit_due(start, last_visit), next_call_due(start, last_contact), today)


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
    visit_share: float | None  # share of months with a home visit
    contact_share: float | None  # share of fortnights with a contact

    @property
    def visit_percent(self):
        return None if self.visit_share is None else round(100 * self.visit_share)

    @property
    def contact_percent(self):
        return None if self.contact_share is None else round(100 * self.contact_share)


def compliance(start: date, end: date, visit_days, contact_days) -> Compliance:
    """Cadence compliance from `start` to `end` (today, or the closing date)."""
    if end < start:
        return Compliance(None, None)
    months = _periods(start, end, add_months)
    fortnights = _periods(start, end, lambda s, n: s + n * CALL_INTERVAL)
    return Compliance(
        _share(months, list(visit_days), end), _share(fortnights, list(contact_days), end)
    )
