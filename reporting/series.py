"""Each count table of the dashboard over time: monthly or quarterly buckets of the period,
each with its change against the bucket before (docs/reporting.md).

One query per table: a filtered COUNT per bucket, grouped like the table itself, so a series
adds up to the table's figure wherever the table's rows do."""

import datetime

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from accompaniments.models import Accompaniment
from caen_accompagnement.dates import add_months

from .indicators import TABLES, UNKNOWN

MONTHS_FR = [
    "janv.",
    "févr.",
    "mars",
    "avr.",
    "mai",
    "juin",
    "juil.",
    "août",
    "sept.",
    "oct.",
    "nov.",
    "déc.",
]


def _aware(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def date_between(field):
    return lambda a, b: Q(**{f"{field}__range": (a, b)})


def datetime_between(field):
    return lambda a, b: Q(
        **{f"{field}__gte": _aware(a), f"{field}__lt": _aware(b + datetime.timedelta(days=1))}
    )


def running(prefix=""):
    """An accompaniment (reached through `prefix`) running at some time between a and b."""
    return lambda a, b: (
        Q(**{f"{prefix}start__lte": b})
        & (Q(**{f"{prefix}closed_on__isnull": True}) | Q(**{f"{prefix}closed_on__gte": a}))
    )


def household_running(a, b):
    return Q(Exists(Accompaniment.objects.filter(running()(a, b), household=OuterRef("pk"))))


BUCKET_OF = {
    "households.origin": household_running,
    "households.public": household_running,
    "households.gender": household_running,
    "households.family_structure": household_running,
    "households.age_band": household_running,
    "households.employment": household_running,
    "diagnostics.by_level": datetime_between("submitted_at"),
    "diagnostics.obstacles": datetime_between("diagnostic__submitted_at"),
    "rehousing.by_typology": date_between("lease_start"),
    "rehousing.by_quartier": date_between("lease_start"),
    "rehousing.by_solution": date_between("lease_start"),
    "accompaniments.axes": running("accompaniment__"),
    "accompaniments.adhesion": date_between("month"),
    "accompaniments.closures": date_between("closed_on"),
    "accompaniments.exits": datetime_between("at"),
    "qualitative.incidents": datetime_between("created_at"),
    "qualitative.interviews": date_between("held_on"),
    "qualitative.objective_results": date_between("accompaniment__closed_on"),
    "qualitative.survey_rent": date_between("done_on"),
    "qualitative.survey_autonomy": date_between("done_on"),
    "qualitative.survey_incidents": date_between("done_on"),
}
EXTRA_BUCKET_OF = {
    ("rehousing.by_solution", "stay"): date_between("start"),
    ("accompaniments.activity", "accompanied"): running(),
    ("accompaniments.activity", "started"): date_between("start"),
    ("accompaniments.activity", "closed"): date_between("closed_on"),
    ("accompaniments.activity", "extended"): datetime_between("decided_at"),
}


def buckets(period, step=None):
    """[(key, label, first day, last day)]: months, or quarters for periods over 13 months."""
    step = step or ("month" if len(period.months()) <= 13 else "quarter")
    size = 1 if step == "month" else 3
    first = period.start.replace(day=1)
    if step == "quarter":
        first = first.replace(month=(first.month - 1) // 3 * 3 + 1)
    result, start = [], first
    while start <= period.end:
        end = add_months(start, size) - datetime.timedelta(days=1)
        if step == "month":
            key, label = f"{start:%Y-%m}", f"{MONTHS_FR[start.month - 1]} {start.year}"
        else:
            quarter = (start.month - 1) // 3 + 1
            key, label = f"{start.year}-T{quarter}", f"T{quarter} {start.year}"
        result.append((key, label, max(start, period.start), min(end, period.end)))
        start = add_months(start, size)
    return step, result


def table_series(table_key, scope, step=None):
    table = TABLES[table_key]
    step, parts = buckets(scope.period, step)
    lines = {key: [0] * len(parts) for key, _ in table.choices}
    bucket = BUCKET_OF.get(table_key)
    if table.source is not None and bucket is not None:
        counted = "pk" if table.count_rows else table.household
        aggregates = {
            f"b{i}": Count(counted, distinct=not table.count_rows, filter=bucket(a, b))
            for i, (_key, _label, a, b) in enumerate(parts)
        }
        for row in table.grouped(scope).annotate(**aggregates).values("_g", *aggregates):
            group = row["_g"] if row["_g"] not in (None, "") else UNKNOWN
            group = group if group in lines else UNKNOWN
            line = lines.setdefault(group, [0] * len(parts))
            for i in range(len(parts)):
                line[i] += row[f"b{i}"]
    for key, (extra, path) in table.extras.items():
        extra_bucket = EXTRA_BUCKET_OF.get((table_key, key))
        if extra_bucket is None:
            continue
        row = (
            extra(scope)
            .order_by()
            .aggregate(
                **{
                    f"b{i}": Count(path, distinct=True, filter=extra_bucket(a, b))
                    for i, (_key, _label, a, b) in enumerate(parts)
                }
            )
        )
        lines[key] = [row[f"b{i}"] for i in range(len(parts))]
    labels = dict(table.choices)
    return {
        "kind": "series",
        "step": step,
        "buckets": [{"key": key, "label": label} for key, label, _a, _b in parts],
        "lines": [
            {
                "key": key,
                "label": labels.get(key, key),
                "points": [
                    {
                        "key": parts[i][0],
                        "value": value,
                        "change": value - values[i - 1] if i else None,
                    }
                    for i, value in enumerate(values)
                ],
            }
            for key, values in lines.items()
            if key in labels
        ],
    }


def attach(figures, scope, step=None):
    """Add its series to every count table of `figures` (the dashboard's, before suppression)."""
    for group in figures["groups"]:
        for table in group["tables"]:
            key = f"{group['key']}.{table['key']}"
            if table["kind"] == "counts" and key in TABLES:
                table["series"] = table_series(key, scope, step)
    return figures
