"""Each count table of the dashboard, each mean and the funnel over time: monthly or quarterly
buckets of the period, each with its change against the bucket before (docs/reporting.md).

One query per table: a filtered COUNT per bucket, grouped like the table itself, so a series
adds up to the table's figure wherever the table's rows do. The means and the funnel's medians
are filtered AVG / PERCENTILE_CONT per bucket, each point with the households behind it."""

import datetime

from django.db import connection
from django.db.models import Avg, Count, Exists, F, OuterRef, Q, Sum, Value
from django.db.models.functions import Coalesce, Greatest, Least

from accompaniments.models import Accompaniment, ContactKind
from caen_accompagnement.dates import add_months, start_of_day

from .indicators import (
    FUNNEL,
    TABLES,
    UNKNOWN,
    DaysBetween,
    EpochDays,
    Median,
    accompaniments_during,
    add_count,
    batches,
    closed_accompaniments,
    compute,
    contact_aggregates,
    contact_rows,
    contacts,
    count_table,
    durations_aggregates,
    durations_rows,
    funnel_aggregates,
    funnel_firsts,
    funnel_rows,
    grouped_together,
    measure_of,
    table_total,
)

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


def date_between(field):
    return lambda a, b: Q(**{f"{field}__range": (a, b)})


def datetime_between(field):
    return lambda a, b: Q(
        **{
            f"{field}__gte": start_of_day(a),
            f"{field}__lt": start_of_day(b + datetime.timedelta(days=1)),
        }
    )


def running(prefix=""):
    """An accompaniment (reached through `prefix`) running at some time between a and b."""
    return lambda a, b: (
        Q(**{f"{prefix}start__lte": b})
        & (Q(**{f"{prefix}closed_on__isnull": True}) | Q(**{f"{prefix}closed_on__gte": a}))
    )


def household_running(a, b):
    return Q(Exists(Accompaniment.objects.filter(running()(a, b), household=OuterRef("pk"))))


SURVEY_DONE = date_between("done_on")  # one function: the survey tables' series go together
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
    "qualitative.survey_rent": SURVEY_DONE,
    "qualitative.survey_autonomy": SURVEY_DONE,
    "qualitative.survey_incidents": SURVEY_DONE,
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


def _bucket_counts(table, bucket, parts):
    counted = "pk" if table.count_rows else table.household
    return {
        f"b{i}": Count(counted, distinct=not table.count_rows, filter=bucket(a, b))
        for i, (_key, _label, a, b) in enumerate(parts)
    }


def _series(table, step, parts, lines):
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


def _add(lines, group, row, size):
    key = group if group not in (None, "") else UNKNOWN
    key = key if key in lines else UNKNOWN
    line = lines.setdefault(key, [0] * size)
    for i in range(size):
        line[i] += row[f"b{i}"]


def _table_counted(table_key, scope, step):
    """(the series, {row: count}, total) of a table: the period's count (the table's own
    `n`, as `count_table`) in the same query as the buckets'."""
    table = TABLES[table_key]
    step, parts = buckets(scope.period, step)
    bucket = BUCKET_OF.get(table_key)
    if table.source is not None and bucket is None:
        return _table_counted_apart(table_key, scope, step)
    lines = {key: [0] * len(parts) for key, _ in table.choices}
    values = dict.fromkeys(lines, 0)
    if table.source is not None:
        aggregates = _bucket_counts(table, bucket, parts) | {"n": measure_of(table)}
        for row in table.grouped(scope).annotate(**aggregates).values("_g", *aggregates):
            _add(lines, row["_g"], row, len(parts))
            add_count(values, row["_g"], row["n"])
    for key, (extra, path) in table.extras.items():
        extra_bucket = EXTRA_BUCKET_OF[(table_key, key)]
        row = (
            extra(scope)
            .order_by()
            .aggregate(
                n=Count(path, distinct=True),
                **{
                    f"b{i}": Count(path, distinct=True, filter=extra_bucket(a, b))
                    for i, (_key, _label, a, b) in enumerate(parts)
                },
            )
        )
        lines[key] = [row[f"b{i}"] for i in range(len(parts))]
        values[key] = row["n"]
    return _series(table, step, parts, lines), values, table_total(table, scope, values)


def _table_counted_apart(table_key, scope, step):
    values, total = count_table(TABLES[table_key], scope)
    return table_series(table_key, scope, step), values, total


def table_series(table_key, scope, step=None):
    """A count table over time: each row's count in each bucket (one query)."""
    table = TABLES[table_key]
    step, parts = buckets(scope.period, step)
    lines = {key: [0] * len(parts) for key, _ in table.choices}
    bucket = BUCKET_OF.get(table_key)
    if table.source is not None and bucket is not None:
        aggregates = _bucket_counts(table, bucket, parts)
        for row in table.grouped(scope).annotate(**aggregates).values("_g", *aggregates):
            _add(lines, row["_g"], row, len(parts))
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
    return _series(table, step, parts, lines)


def tables_counted(table_keys, scope, step=None):
    """{table key: (series, {row: count}, total)}: each table's period count with its series,
    one query a table (plus the total of a multi-valued one, and one per extra row); the
    tables of a batch (`indicators.batches`) with the same buckets in one query, each row of
    their source classified once."""
    tables = [TABLES[key] for key in table_keys]
    result = {}
    for batch in batches(tables):
        keys = [key for key in table_keys if any(TABLES[key] is table for table in batch)]
        bucket_fns = {BUCKET_OF.get(key) for key in keys}
        if len(batch) == 1 or len(bucket_fns) != 1 or None in bucket_fns:
            result.update({key: _table_counted(key, scope, step) for key in keys})
            continue
        step_used, parts = buckets(scope.period, step)
        lines = [{key: [0] * len(parts) for key, _ in table.choices} for table in batch]
        values = [dict.fromkeys(table_lines, 0) for table_lines in lines]
        aggregates = _bucket_counts(batch[0], bucket_fns.pop(), parts)
        aggregates["_n"] = measure_of(batch[0])
        for row in grouped_together(batch, scope).annotate(**aggregates):
            for i, table_lines in enumerate(lines):
                _add(table_lines, row[f"_g{i}"], row, len(parts))
                add_count(values[i], row[f"_g{i}"], row["_n"])
        for key, table, table_lines, table_values in zip(keys, batch, lines, values, strict=True):
            result[key] = (
                _series(table, step_used, parts, table_lines),
                table_values,
                table_total(table, scope, table_values),
            )
    return result


def tables_series(table_keys, scope, step=None):
    """{table key: its series} (`tables_counted`)."""
    return {key: counted[0] for key, counted in tables_counted(table_keys, scope, step).items()}


# --- the means and the funnel over time ------------------------------------------------------
def _point_change(value, before):
    if isinstance(value, int | float) and isinstance(before, int | float):
        return round(value - before, 2)
    return None


def _measure_lines(parts, lines):
    """[(key, label, [(value, n)] per bucket)] → the JSON lines, each point with its change."""
    return [
        {
            "key": key,
            "label": label,
            "points": [
                {
                    "key": parts[i][0],
                    "value": value,
                    "n": n,
                    "change": _point_change(value, values[i - 1][0]) if i else None,
                }
                for i, (value, n) in enumerate(values)
            ],
        }
        for key, label, values in lines
    ]


def _durations_series(scope, parts):
    """Mean duration (months) of the accompaniments closed in each bucket: one query."""
    aggregates = {}
    for i, (_key, _label, a, b) in enumerate(parts):
        closed_in = date_between("closed_on")(a, b)
        aggregates[f"d{i}"] = Avg(DaysBetween(F("closed_on"), F("start")), filter=closed_in)
        aggregates[f"n{i}"] = Count("household", distinct=True, filter=closed_in)
    row = (
        closed_accompaniments(scope)
        .order_by()
        .aggregate(**aggregates, **durations_aggregates(scope))
    )
    values = [
        (
            round(row[f"d{i}"] / 30.4375, 1) if row[f"d{i}"] is not None else None,
            row[f"n{i}"],
        )
        for i in range(len(parts))
    ]
    return [("mean_months", "Durée moyenne (mois)", values)], durations_rows(row)


def _contact_frequency_series(scope, parts):
    """Contacts per household and per month of accompaniment, by kind, in each bucket (the
    table's rule applied to the bucket): one query for the months, one for the contacts."""
    months = {}
    for i, (_key, _label, a, b) in enumerate(parts):
        within = running()(a, b)
        months[f"d{i}"] = Sum(
            DaysBetween(
                Least(Coalesce(F("closed_on"), Value(b)), Value(b)),
                Greatest(F("start"), Value(a)),
            )
            + 1,
            filter=within,
        )
        months[f"n{i}"] = Count("household", distinct=True, filter=within)
    spans = accompaniments_during(scope).order_by().aggregate(**months, **contact_aggregates(scope))
    counts = {
        row["kind"]: row
        for row in contacts(scope)
        .order_by()
        .values("kind")
        .annotate(
            c=Count("pk"),
            **{
                f"c{i}": Count("pk", filter=datetime_between("at")(a, b))
                for i, (_key, _label, a, b) in enumerate(parts)
            },
        )
    }
    lines = []
    for kind, label in ContactKind.choices:
        values = []
        for i in range(len(parts)):
            span = (spans[f"d{i}"] or 0) / 30.4375
            count = counts.get(kind, {}).get(f"c{i}", 0)
            values.append((round(count / span, 2) if span else None, spans[f"n{i}"]))
        lines.append((kind, label, values))
    return lines, contact_rows(spans, {kind: row["c"] for kind, row in counts.items()})


def _funnel_series(scope, parts):
    """For each step after the first, the median days from the step before, among the
    households first reaching it in each bucket (and how many they are): one query."""
    aggregates = funnel_aggregates(scope)
    for step in range(1, len(FUNNEL)):
        for i, (_key, _label, a, b) in enumerate(parts):
            reached = datetime_between(f"first_{step}")(a, b) & Q(
                **{f"first_{step - 1}__isnull": False}
            )
            aggregates[f"n{step}_{i}"] = Count("pk", filter=reached)
            if connection.vendor == "postgresql":
                aggregates[f"m{step}_{i}"] = Median(
                    EpochDays(F(f"first_{step}"), F(f"first_{step - 1}")), filter=reached
                )
    row = scope.households().annotate(**funnel_firsts()).aggregate(**aggregates)
    lines = []
    for step in range(1, len(FUNNEL)):
        values = []
        for i in range(len(parts)):
            median = row.get(f"m{step}_{i}")
            values.append((round(median, 1) if median is not None else None, row[f"n{step}_{i}"]))
        lines.append((str(FUNNEL[step][0]), f"{FUNNEL[step][1]} : délai médian (jours)", values))
    return lines, funnel_rows(row)


MEASURE_SERIES = {
    "accompaniments.durations": _durations_series,
    "accompaniments.contact_frequency": _contact_frequency_series,
    "programme.funnel": _funnel_series,
}


def _measure_counted(table_key, scope, step=None):
    """(a mean's or the funnel's series, its rows for the period, from the same queries)."""
    step, parts = buckets(scope.period, step)
    lines, rows = MEASURE_SERIES[table_key](scope, parts)
    series = {
        "kind": "measure_series",
        "step": step,
        "buckets": [{"key": key, "label": label} for key, label, _a, _b in parts],
        "lines": _measure_lines(parts, lines),
    }
    return series, rows


def measure_series(table_key, scope, step=None):
    """A mean or the funnel's medians per month (or quarter): each point its value, the
    households it is computed over (`n`) and its change against the point before."""
    return _measure_counted(table_key, scope, step)[0]


def attach_measures(figures, scope, step=None):
    """Add its series to each mean and to the funnel (the dashboard's and the bilan's, before
    suppression: the downloads carry them, docs/reporting.md)."""
    for group in figures["groups"]:
        for table in group["tables"]:
            key = f"{group['key']}.{table['key']}"
            if key in MEASURE_SERIES:
                table["series"] = measure_series(key, scope, step)
    return figures


def compute_with_measures(scope, step=None, counted=None):
    """`indicators.compute` with each mean's and the funnel's series (the bilan's figures, equal
    to `attach_measures(compute(scope), scope)`): a mean's or the funnel's rows for the period
    come from its series' query (the same aggregate, unfiltered by bucket), not from a query of
    their own. `counted` as for `compute`."""
    measured = {key: _measure_counted(key, scope, step) for key in MEASURE_SERIES}
    figures = compute(
        scope,
        counted=counted,
        measured={key: rows for key, (_s, rows) in measured.items()},
    )
    for group in figures["groups"]:
        for table in group["tables"]:
            key = f"{group['key']}.{table['key']}"
            if key in measured:
                table["series"] = measured[key][0]
    return figures


def compute_with_series(scope, step=None):
    """The dashboard's figures (`indicators.compute`), every count table, mean and the funnel
    with its series, before suppression. A figure for the period comes from its series'
    query (the same aggregate, unfiltered by bucket), not from a query of its own."""
    counted = tables_counted(list(TABLES), scope, step)
    figures = compute_with_measures(
        scope, step, counted={key: (values, total) for key, (_s, values, total) in counted.items()}
    )
    for group in figures["groups"]:
        for table in group["tables"]:
            key = f"{group['key']}.{table['key']}"
            if key in counted and table["kind"] == "counts":
                table["series"] = counted[key][0]
    return figures
