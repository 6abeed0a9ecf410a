"""Small-cell suppression for every reader outside the CCAS (docs/access.md, docs/reporting.md).

- a count of 1 to 4 shows "< 5" (primary suppression);
- in a table whose rows add up to its total, a lone "< 5" would be the total minus the other
  rows: the smallest other non-zero row is masked too ("masqué", secondary suppression);
- a table holding a suppressed cell does not show its total ("masqué", or "< 5" when under 5);
- a change against the previous period is masked when either side is;
- a mean, a median or a share computed over fewer than 5 households is masked, and so is a
  figure derived from a suppressed one (a percentage, a cost per household);
- a series over time is suppressed bucket by bucket: counts as a table whose rows are months,
  a mean's or a median's point by its own households (`n`), with the changes it touches.
Zero stays zero: it identifies nobody.
"""

import copy

from django.conf import settings

PRIMARY = "< 5"
MASKED = "masqué"


def _small(value, threshold):
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < threshold


def _hidden(value):
    return value in (PRIMARY, MASKED)


def _suppress_column(rows, column, partition, threshold):
    """Suppress `column` of `rows` in place; True when something was hidden."""
    primary = [row for row in rows if _small(row.get(column), threshold)]
    for row in primary:
        row[column] = PRIMARY
    if partition and len(primary) == 1:
        others = [
            row
            for row in rows
            if isinstance(row.get(column), int) and not _hidden(row[column]) and row[column] > 0
        ]
        if others:
            min(others, key=lambda row: row[column])[column] = MASKED
    return bool(primary)


def _suppress_counts(table, threshold):
    rows = table["rows"]
    hidden_now = _suppress_column(rows, "value", table.get("partition"), threshold)
    _suppress_column(rows, "previous", table.get("partition"), threshold)
    total = table.get("total")
    if total is not None:
        if _small(total, threshold):
            table["total"] = PRIMARY
        elif hidden_now and total:
            table["total"] = MASKED
    _mask_changes(rows)


def _mask_changes(rows):
    for row in rows:
        if row.get("change") is not None and (
            _hidden(row.get("value")) or _hidden(row.get("previous"))
        ):
            row["change"] = MASKED


def _suppress_measures(table, threshold):
    """Means over `n` households: masked under the threshold (n itself is a count)."""
    for row in table["rows"]:
        if _small(row.get("n"), threshold):
            row["n"] = PRIMARY
            row["value"] = MASKED if row.get("value") is not None else None
            if row.get("previous") is not None:
                row["previous"] = MASKED
            if row.get("change") is not None:
                row["change"] = MASKED


def _suppress_programme(table, threshold):
    by_key = {row["key"]: row for row in table["rows"]}
    for row in table["rows"]:
        if row["key"] == "target":
            continue
        if "from" in row:
            continue
        for column in ("value", "previous"):
            if _small(row.get(column), threshold):
                row[column] = PRIMARY
    for row in table["rows"]:
        for column in ("value", "previous"):
            sources = [by_key[key].get(column) for key in row.get("from", ())]
            if any(_hidden(value) for value in sources) and row.get(column) is not None:
                row[column] = MASKED
    _mask_changes(table["rows"])


def _suppress_funnel(table, threshold):
    for row in table["rows"]:
        if _small(row.get("value"), threshold):
            row["value"] = PRIMARY
            if row.get("median_days") is not None:
                row["median_days"] = MASKED


def _suppress_series(series, threshold):
    """A series is a table whose rows are months: the same rule, the period total hidden."""
    for line in series.get("lines", []):
        points = line["points"]
        hidden = _suppress_column(points, "value", True, threshold)
        if hidden and line.get("total"):
            line["total"] = MASKED if not _small(line["total"], threshold) else PRIMARY
        elif _small(line.get("total"), threshold):
            line["total"] = PRIMARY
        for point in points:
            if point.get("change") is not None and _hidden(point.get("value")):
                point["change"] = MASKED
        # the next point's change reveals the hidden one
        for before, after in zip(points, points[1:], strict=False):
            if _hidden(before.get("value")) and after.get("change") is not None:
                after["change"] = MASKED


def _suppress_measure_series(series, threshold):
    """A mean or a median per month: masked under the threshold of households, as in the
    table; a change from or to a masked point is masked too."""
    for line in series.get("lines", []):
        points = line["points"]
        for point in points:
            if _small(point.get("n"), threshold):
                point["n"] = PRIMARY
                if point.get("value") is not None:
                    point["value"] = MASKED
                if point.get("change") is not None:
                    point["change"] = MASKED
        for before, after in zip(points, points[1:], strict=False):
            if _hidden(before.get("value")) and after.get("change") is not None:
                after["change"] = MASKED


SERIES_SUPPRESSORS = {"series": _suppress_series, "measure_series": _suppress_measure_series}

SUPPRESSORS = {
    "counts": _suppress_counts,
    "mean": _suppress_measures,
    "programme": _suppress_programme,
    "funnel": _suppress_funnel,
    "series": _suppress_series,
}


def suppress(figures, threshold=None):
    """A copy of `figures` fit for readers outside the CCAS."""
    threshold = threshold or settings.SMALL_CELL_THRESHOLD
    result = copy.deepcopy(figures)
    result["suppressed"] = True
    for group in result["groups"]:
        for table in group["tables"]:
            suppressor = SUPPRESSORS.get(table["kind"])
            if suppressor is not None:
                suppressor(table, threshold)
            if "series" in table:
                SERIES_SUPPRESSORS[table["series"]["kind"]](table["series"], threshold)
    return result
