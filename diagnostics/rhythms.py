"""The contact rhythm promised for each intensity of accompaniment (docs/cadence.md).

The one table read by the cadence checks and the caseload (accompaniments/cadence.py), the
compliance figures shown on the file, and the contrat / convention PDFs (housing/documents.py).
The convention's minimum (§2.2.3: a home visit a month, a phone contact every 15 days) is the
rhythm of the light and medium intensities; « Renforcée » tightens it to a visit every 15 days
and a call every week.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Case, When

from caen_accompagnement.dates import AddDays, AddMonths, add_months

from .models import Intensity


@dataclass(frozen=True)
class Rhythm:
    visit_months: int  # calendar months between two home visits (0: counted in days)
    visit_days: int
    call_days: int  # days between two contacts that reached the household
    visits_text: str  # as the contrat and the convention print it
    calls_text: str

    def visit_step(self, start: date, n: int = 1) -> date:
        """The n-th visit period boundary after `start`."""
        if self.visit_months:
            return add_months(start, n * self.visit_months)
        return start + timedelta(days=n * self.visit_days)

    def call_step(self, start: date, n: int = 1) -> date:
        return start + timedelta(days=n * self.call_days)

    # The same steps in SQL, for the QuerySets that sort and count by due date (the caseload).
    def visit_step_sql(self, start):
        """`visit_step(start)` as an SQL expression over the date expression `start`."""
        if self.visit_months:
            return AddMonths(start, self.visit_months)
        return AddDays(start, self.visit_days)

    def call_step_sql(self, start):
        return AddDays(start, self.call_days)

    @property
    def visit_periods_label(self) -> str:
        """How the compliance figure names the visit periods ("mois", "quinzaines")."""
        return "mois" if self.visit_months == 1 else _PERIODS.get(self.visit_days, "périodes")

    @property
    def call_periods_label(self) -> str:
        return _PERIODS.get(self.call_days, "périodes")


_PERIODS = {7: "semaines", 15: "quinzaines"}


MONTHLY = Rhythm(
    visit_months=1,
    visit_days=0,
    call_days=15,
    visits_text="une visite à domicile par mois",
    calls_text="un contact téléphonique tous les 15 jours",
)
RHYTHMS = {
    Intensity.LIGHT: MONTHLY,
    Intensity.MEDIUM: MONTHLY,
    Intensity.STRONG: Rhythm(
        visit_months=0,
        visit_days=15,
        call_days=7,
        visits_text="une visite à domicile tous les 15 jours",
        calls_text="un contact téléphonique chaque semaine",
    ),
}
DEFAULT_RHYTHM = RHYTHMS[Intensity.MEDIUM]


def rhythm_of(intensity) -> Rhythm:
    return RHYTHMS.get(intensity, DEFAULT_RHYTHM)


def step_by_intensity(intensity_field: str, step):
    """`rhythm_of(intensity)` applied in SQL: a CASE over the intensity column, one branch per
    distinct rhythm of `RHYTHMS` (generated from it, so the table stays the one source), the
    default rhythm otherwise. `step(rhythm)` builds the branch's expression, e.g.
    `lambda r: r.visit_step_sql(F("start"))`."""
    branches = {}
    for intensity, rhythm in RHYTHMS.items():
        if rhythm != DEFAULT_RHYTHM:
            branches.setdefault(rhythm, []).append(intensity)
    return Case(
        *(
            When(**{f"{intensity_field}__in": intensities}, then=step(rhythm))
            for rhythm, intensities in branches.items()
        ),
        default=step(DEFAULT_RHYTHM),
    )
