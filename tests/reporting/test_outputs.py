"""The five outputs agree figure by figure: dashboard, PDF, XLSX, CSV and JSON."""

import csv
import io
import json
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from reporting.exports import MEASURES, SERIES_MEASURES, cells
from reporting.presentation import fr_number
from tests.reporting.world import build

YEAR = 2025


@pytest.fixture
def world(db, social_worker):
    return build(social_worker)


def run(fmt, tmp_path, *extra):
    path = tmp_path / f"bilan.{fmt}"
    call_command("report", "--year", str(YEAR), "--format", fmt, "--output", str(path), *extra)
    return path.read_bytes()


def from_csv(content):
    text = content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    return {(r["groupe"], r["tableau"], r["ligne"], r["mesure"]): r["valeur"] for r in rows}


def csv_text(value):
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value).replace(".", ",")
    return str(value)


def from_xlsx(content, figures):
    kinds = {f"{g['key']}.{t['key']}": t["kind"] for g in figures["groups"] for t in g["tables"]}
    found, table = {}, None
    book = load_workbook(io.BytesIO(content))
    for sheet in book.worksheets[1:]:
        for row in sheet.iter_rows(values_only=True):
            first = row[0] if row else None
            if isinstance(first, str) and first in kinds:
                table = first
                continue
            if table is None or first in (None, "clé"):
                continue
            group, key = table.split(".")
            if first == "total":
                found[(group, key, "total", "value")] = row[2]
                continue
            measures = SERIES_MEASURES if "@" in first else MEASURES[kinds[table]]
            for measure, value in zip(measures, row[2:], strict=False):
                found[(group, key, first, measure)] = value
    return found


@pytest.mark.parametrize("audience", [["--ccas"], []], ids=["ccas", "external"])
def test_the_four_files_agree_figure_by_figure(world, tmp_path, audience):
    figures = json.loads(run("json", tmp_path, *audience))
    expected = {(g, t, r, m): v for g, t, r, _label, m, v in cells(figures)}
    assert len(expected) > 300
    # The series of the means and of the funnel are figures of the files too.
    series_keys = {(g, t) for g, t, r, _m in expected if "@" in r}
    assert series_keys == {
        ("accompaniments", "durations"),
        ("accompaniments", "contact_frequency"),
        ("programme", "funnel"),
    }
    assert expected[("programme", "funnel", "diagnostic@2025-01", "n")] == (
        1 if "--ccas" in audience else "< 5"
    )
    as_csv = from_csv(run("csv", tmp_path, *audience))
    assert as_csv == {key: csv_text(value) for key, value in expected.items()}
    as_xlsx = from_xlsx(run("xlsx", tmp_path, *audience), figures)
    assert {k: v for k, v in as_xlsx.items() if v is not None} == {
        k: v for k, v in expected.items() if v is not None
    }
    pdf = run("pdf", tmp_path, *audience)
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    text = re.sub(r"\s+", " ", text)
    assert f"Bilan du dispositif « Logement accompagné » — Année {YEAR}" in text
    assert text.count("Évolution mois par mois") == 3  # the two means and the funnel
    # Every table is in the PDF, with the figures of its short-labelled rows.
    for group in figures["groups"]:
        assert group["title"] in text
        for table in group["tables"]:
            if table["kind"] not in ("counts", "programme", "mean"):
                continue
            for row in table["rows"]:
                if len(row["label"]) <= 30:
                    shown = fr_number(row["value"]).replace("\u202f", " ")
                    assert re.search(re.escape(row["label"]) + r" " + re.escape(shown), text), (
                        table["key"],
                        row["key"],
                    )


def test_the_dashboard_shows_the_figures_of_the_files(world, client, ccas_manager, tmp_path):
    figures = json.loads(run("json", tmp_path, "--ccas"))
    client.force_login(ccas_manager)
    response = client.get(reverse("reporting:dashboard"), {"periode": "annee", "annee": YEAR})
    assert response.status_code == 200
    shown = response.context["figures"]
    for key in ("groups", "period", "previous_period", "is_empty"):
        stripped = json.loads(json.dumps(shown[key], default=str))
        if key == "groups":
            for group in stripped:
                for table in group["tables"]:
                    for added in ("summary", "chart", "over_time"):
                        table.pop(added, None)
                    if table["kind"] == "counts":  # the files hold the means' series only
                        table.pop("series", None)
        assert stripped == figures[key]


def test_pdf_of_a_year_without_data_says_so(db, tmp_path):
    call_command("report", "--year", "2024", "--format", "pdf", "--output", str(tmp_path / "b.pdf"))
    reader = PdfReader(tmp_path / "b.pdf")
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "Aucune activité n'a été enregistrée sur cette période" in re.sub(r"\s+", " ", text)
    assert len(reader.pages) >= 7  # the cover and a page per heading, still all there


def test_a_year_before_the_programme_writes_nothing(db, tmp_path):
    out = tmp_path / "b.json"
    with pytest.raises(CommandError, match="Le dispositif a commencé en 2024"):
        call_command("report", "--year", "2023", "--format", "json", "--output", str(out))
    assert not out.exists()
