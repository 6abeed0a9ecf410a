"""The bilan in four formats, all written from the same figures (docs/reporting.md):
JSON (the figures themselves), CSV (one line per figure), XLSX (one sheet per indicator group)
and PDF (WeasyPrint, a page per §7 heading)."""

import csv
import io
import json

from .presentation import decorate, fr_number

FORMATS = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
}

MEASURES = {
    "counts": ["value", "previous", "change"],
    "mean": ["value", "previous", "change", "n"],
    "programme": ["value", "previous", "change"],
    "funnel": ["value", "median_days"],
    "budget": ["forecast", "actual", "gap", "share_forecast", "share_actual"],
}
SERIES_MEASURES = ["value", "change", "n"]  # a point of a mean's or the funnel's series
HEADERS = {
    "change": "Évolution",
    "n": "Ménages",
    "median_days": "Délai médian depuis l'étape précédente (jours)",
    "forecast": "Prévu (€)",
    "actual": "Réalisé (€)",
    "gap": "Écart réalisé − prévu (€)",
    "share_forecast": "Part des recettes prévues (%)",
    "share_actual": "Part des recettes réalisées (%)",
}
SHEET_NAMES = {
    "households": "Ménages",
    "diagnostics": "Diagnostics",
    "rehousing": "Relogements",
    "accompaniments": "Accompagnements",
    "qualitative": "Volet qualitatif",
    "programme": "Programme",
    "budget": "Budget",
}


def header(figures, measure):
    if measure == "value":
        return figures["period"]["label"]
    if measure == "previous":
        previous = figures.get("previous_period")
        return previous["label"] if previous else "Période précédente"
    return HEADERS[measure]


def series_rows(table):
    """The points of a mean's or the funnel's series as rows: key `<line>@<bucket>`."""
    series = table.get("series")
    if not series or series.get("kind") != "measure_series":
        return
    labels = {bucket["key"]: bucket["label"] for bucket in series["buckets"]}
    for line in series["lines"]:
        for point in line["points"]:
            yield (
                f"{line['key']}@{point['key']}",
                f"{line['label']} — {labels[point['key']]}",
                point,
            )


def cells(figures):
    """Every figure as (group, table, row, label, measure, value), in reading order."""
    for group in figures["groups"]:
        for table in group["tables"]:
            measures = MEASURES[table["kind"]]
            for row in table["rows"]:
                for measure in measures:
                    if measure in row:
                        yield (
                            group["key"],
                            table["key"],
                            row["key"],
                            row["label"],
                            measure,
                            row[measure],
                        )
            if table.get("total") is not None:
                yield group["key"], table["key"], "total", "Total", "value", table["total"]
            for key, label, point in series_rows(table):
                for measure in SERIES_MEASURES:
                    yield group["key"], table["key"], key, label, measure, point[measure]


def _csv_value(value):
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value).replace(".", ",")
    return str(value)


def to_json(figures) -> bytes:
    return json.dumps(figures, ensure_ascii=False, indent=2).encode()


def to_csv(figures) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["groupe", "tableau", "ligne", "libelle", "mesure", "valeur"])
    for group, table, row, label, measure, value in cells(figures):
        writer.writerow([group, table, row, label, measure, _csv_value(value)])
    return ("\ufeff" + out.getvalue()).encode()  # the BOM lets Excel read the accents


def to_xlsx(figures) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    bold = Font(bold=True)
    info = book.create_sheet("Bilan")
    info.append(["Logement accompagné Caen — bilan"])
    info.append(["Période", figures["period"]["label"]])
    bilan = figures.get("bilan") or {}
    info.append(["Statut", bilan.get("status_label", "Chiffres du jour")])
    if figures.get("suppressed"):
        info.append(
            ["Effectifs", "Moins de 5 ménages : « < 5 » ; « masqué » : valeur ou total retenu"]
        )
    info["A1"].font = bold
    for group in figures["groups"]:
        sheet = book.create_sheet(SHEET_NAMES.get(group["key"], group["key"])[:31])
        sheet.append([group["title"]])
        sheet["A1"].font = bold
        for table in group["tables"]:
            measures = MEASURES[table["kind"]]
            sheet.append([])
            sheet.append([f"{group['key']}.{table['key']}", table["title"]])
            sheet.cell(sheet.max_row, 2).font = bold
            sheet.append(["clé", "ligne", *[header(figures, m) for m in measures]])
            for row in table["rows"]:
                sheet.append([row["key"], row["label"], *[row.get(m) for m in measures]])
            if table.get("total") is not None:
                sheet.append(["total", "Total", table["total"]])
            points = list(series_rows(table))
            if points:
                sheet.append(["clé", "évolution", "Valeur", "Évolution", "Ménages"])
                for key, label, point in points:
                    sheet.append([key, label, *[point[m] for m in SERIES_MEASURES]])
        sheet.column_dimensions["B"].width = 60
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def to_pdf(figures) -> bytes:
    from caen_accompagnement.pdf import render_pdf

    return render_pdf("reporting/pdf/bilan.html", {"figures": decorate(figures)})


WRITERS = {"pdf": to_pdf, "xlsx": to_xlsx, "csv": to_csv, "json": to_json}


def export(figures, fmt) -> bytes:
    return WRITERS[fmt](figures)


def filename(figures, fmt):
    bilan = figures.get("bilan") or {}
    period = figures["period"]
    stem = f"bilan-logement-accompagne-{period['start'][:4]}"
    if period["kind"] != "year":
        stem = f"indicateurs-logement-accompagne-{period['start']}-{period['end']}"
    if bilan.get("version"):
        stem += f"-v{bilan['version']}"
    return f"{stem}.{fmt}"


__all__ = ["FORMATS", "SERIES_MEASURES", "cells", "export", "filename", "fr_number"]
