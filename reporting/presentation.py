"""What the pages and the PDF show of the figures: French numbers, bar widths for the
server-rendered SVG charts, and a text summary of each table for screen readers."""

from .suppression import MASKED, PRIMARY

BAR_HEIGHT, BAR_GAP = 18, 6


def fr_number(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, int):
        return f"{value:,}".replace(",", "\u202f")
    if isinstance(value, float):
        text = f"{value:,.2f}".rstrip("0").rstrip(".") if value != int(value) else f"{value:,.0f}"
        return text.replace(",", "\u202f").replace(".", ",")
    return str(value)


def fr_change(value) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        sign = "+" if value > 0 else ("−" if value < 0 else "")
        return sign + fr_number(abs(value))
    return fr_number(value)


def _numeric(value):
    return isinstance(value, int | float) and not isinstance(value, bool)


def summary(table) -> str:
    """One French sentence a screen reader reads instead of the chart."""
    rows = table["rows"]
    title = table["title"]
    if table["kind"] == "counts":
        shown = [row for row in rows if _numeric(row["value"]) and row["value"] > 0]
        hidden = [row for row in rows if row["value"] in (PRIMARY, MASKED)]
        if not shown and not hidden:
            return f"{title} : aucun cas sur la période."
        parts = []
        total = table.get("total")
        if total is not None:
            parts.append(f"{fr_number(total)} {table['unit']} au total")
        if shown:
            top = max(shown, key=lambda row: row["value"])
            parts.append(f"le plus fréquent : {top['label']} ({fr_number(top['value'])})")
        if hidden:
            parts.append(f"{len(hidden)} valeur(s) masquée(s) (moins de 5 ménages)")
        return f"{title} : " + " ; ".join(parts) + "."
    if table["kind"] == "budget":
        totals = [row for row in rows if row.get("direction") == "total"]
        items = [
            f"{row['label']} : prévu {fr_number(row['forecast'])} €, "
            f"réalisé {fr_number(row['actual'])} €"
            for row in totals
        ]
    else:
        items = [f"{row['label']} : {fr_number(row['value'])}" for row in rows]
    return f"{title} : " + " ; ".join(items) + "."


def chart(table):
    """Bars of a counts table, or None when there is nothing to draw."""
    if table["kind"] != "counts":
        return None
    rows = table["rows"]
    top = max((row["value"] for row in rows if _numeric(row["value"])), default=0)
    if not top and not any(row["value"] in (PRIMARY, MASKED) for row in rows):
        return None
    bars = []
    for i, row in enumerate(rows):
        value = row["value"]
        # Whole numbers: the template would write a float the French way ("240,5").
        width = round(240 * value / top) if _numeric(value) and top else 0
        bars.append(
            {
                "label": row["label"][:38] + ("…" if len(row["label"]) > 38 else ""),
                "text": fr_number(value),
                "width": width,
                "y": i * (BAR_HEIGHT + BAR_GAP),
                "text_y": i * (BAR_HEIGHT + BAR_GAP) + 13,
                "text_x": 232 + width + 6,
            }
        )
    return {"bars": bars, "height": len(rows) * (BAR_HEIGHT + BAR_GAP)}


def series_view(table):
    """The table's series over time: its column chart (the rows' sum per month or quarter,
    for a table whose rows add up; else its first row, or the first mean or median holding a
    value) and a summary sentence."""
    series = table.get("series")
    if not series:
        return None
    lines = series["lines"]
    if table.get("partition"):
        what = "Total"
        totals = []
        for i in range(len(series["buckets"])):
            column = [line["points"][i]["value"] for line in lines]
            totals.append(sum(column) if all(_numeric(v) for v in column) else MASKED)
    else:
        drawn = lines[0] if lines else None
        if series["kind"] == "measure_series":  # the first mean or median with a value
            drawn = next(
                (line for line in lines if any(p["value"] is not None for p in line["points"])),
                drawn,
            )
        what = drawn["label"] if drawn else ""
        totals = [point["value"] for point in drawn["points"]] if drawn else []
    top = max((v for v in totals if _numeric(v)), default=0)
    width = 36
    columns = []
    for i, (bucket, value) in enumerate(zip(series["buckets"], totals, strict=True)):
        height = round(100 * value / top) if _numeric(value) and top else 0
        columns.append(
            {
                "label": bucket["label"],
                "text": fr_number(value),
                "x": i * width,
                "height": height,
                "y": 112 - height,
            }
        )
    shown = [(b["label"], v) for b, v in zip(series["buckets"], totals, strict=True) if _numeric(v)]
    if shown:
        peak = max(shown, key=lambda item: item[1])
        text = (
            f"{what} par {'mois' if series['step'] == 'month' else 'trimestre'} : "
            f"{fr_number(shown[0][1])} en {shown[0][0]}, {fr_number(shown[-1][1])} en "
            f"{shown[-1][0]} ; au plus haut {fr_number(peak[1])} en {peak[0]}."
        )
    elif any(value in (PRIMARY, MASKED) for value in totals):
        text = f"{what} : valeurs masquées (moins de 5 ménages)."
    else:
        text = f"{what} : aucune valeur sur la période."
    return {
        "by_bucket": [
            {"label": bucket["label"], "points": [line["points"][i] for line in lines]}
            for i, bucket in enumerate(series["buckets"])
        ],
        "columns": columns,
        "width": max(len(columns) * width, width),
        "summary": text,
        "what": what,
    }


def decorate(figures):
    """The figures with, for each table, its summary and its chart (for templates)."""
    for group in figures["groups"]:
        for table in group["tables"]:
            table["summary"] = summary(table)
            table["chart"] = chart(table)
            table["over_time"] = series_view(table)
    return figures
