"""The period a report covers: a calendar year, a quarter or custom dates (docs/reporting.md)."""

import datetime
from dataclasses import dataclass

from django.conf import settings

from caen_accompagnement.dates import add_months, start_of_day

QUARTER_MONTHS = {1: 1, 2: 4, 3: 7, 4: 10}


def programme_start() -> datetime.date:
    return settings.PROGRAMME_START


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date  # inclusive
    kind: str = "custom"  # "year", "quarter" or "custom"

    @classmethod
    def year(cls, year: int) -> "Period":
        return cls(datetime.date(year, 1, 1), datetime.date(year, 12, 31), "year")

    @classmethod
    def quarter(cls, year: int, quarter: int) -> "Period":
        start = datetime.date(year, QUARTER_MONTHS[quarter], 1)
        return cls(start, add_months(start, 3) - datetime.timedelta(days=1), "quarter")

    @property
    def label(self) -> str:
        if self.kind == "year":
            return f"Année {self.start.year}"
        if self.kind == "quarter":
            quarter = (self.start.month - 1) // 3 + 1
            return f"{quarter}{'er' if quarter == 1 else 'e'} trimestre {self.start.year}"
        return f"Du {self.start:%d/%m/%Y} au {self.end:%d/%m/%Y}"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> "Period":
        """The period just before, of the same kind (the same length for custom dates)."""
        if self.kind == "year":
            return Period.year(self.start.year - 1)
        if self.kind == "quarter":
            start = add_months(self.start, -3)
            return Period.quarter(start.year, (start.month - 1) // 3 + 1)
        end = self.start - datetime.timedelta(days=1)
        return Period(end - datetime.timedelta(days=self.days - 1), end, "custom")

    # Aware bounds for DateTimeFields: [start 00:00, day after end 00:00), Europe/Paris.
    @property
    def start_at(self) -> datetime.datetime:
        return start_of_day(self.start)

    @property
    def end_before(self) -> datetime.datetime:
        return start_of_day(self.end + datetime.timedelta(days=1))

    def as_json(self) -> dict:
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "kind": self.kind,
            "label": self.label,
        }

    def months(self) -> list[datetime.date]:
        """First day of each month the period touches."""
        months, month = [], self.start.replace(day=1)
        while month <= self.end:
            months.append(month)
            month = add_months(month, 1)
        return months
