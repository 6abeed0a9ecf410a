"""The frozen yearly bilan and the §6 budget."""

import io
import json

import pytest
from django.urls import reverse
from pypdf import PdfReader

from households.enums import Public
from reporting.indicators import table_of
from reporting.models import BudgetLine, PublishedBilan
from tests.coordination.factories import MeetingFactory
from tests.reporting.world import build


@pytest.fixture
def world(db, social_worker):
    return build(social_worker)


def origin(figures):
    return {r["key"]: r["value"] for r in table_of(figures, "households", "origin")["rows"]}


def test_a_frozen_bilan_does_not_move_when_a_file_changes(world, client, ccas_manager):
    comite = MeetingFactory(kind="comite")
    client.force_login(ccas_manager)
    response = client.post(
        reverse("reporting:bilan_publish", args=[2025]), {"meeting": comite.pk, "reason": ""}
    )
    assert response.status_code == 302
    published = PublishedBilan.objects.get()
    assert published.version == 1 and published.meeting == comite
    v1 = reverse("reporting:published_download", args=[2025, 1, "json"])
    before = json.loads(client.get(v1).content)
    assert origin(before) == {"emergency": 1, "eviction": 1, "mediation": 1}

    world.h3.public = Public.DALO  # a file is corrected afterwards
    world.h3.save(update_fields=["public"])

    after = json.loads(client.get(v1).content)
    assert origin(after) == origin(before)
    assert after["bilan"]["version"] == 1
    live = json.loads(client.get(reverse("reporting:bilan_download", args=[2025, "json"])).content)
    assert origin(live) == {"emergency": 0, "eviction": 1, "mediation": 2}
    page = client.get(reverse("reporting:bilan_year", args=[2025])).content.decode()
    assert "Différences entre la dernière version approuvée et les chiffres du jour" in page
    assert "Origine des ménages" in page  # the changed figures are listed

    # A new version is an explicit act, with its reason.
    refused = client.post(reverse("reporting:bilan_publish", args=[2025]), {"reason": " "})
    assert refused.status_code == 400
    assert "indiquez le motif de la nouvelle version" in refused.content.decode()
    assert PublishedBilan.objects.count() == 1
    client.post(
        reverse("reporting:bilan_publish", args=[2025]), {"reason": "Public d'un ménage corrigé"}
    )
    v2 = PublishedBilan.objects.get(version=2)
    assert origin(v2.figures)["mediation"] == 2
    assert origin(json.loads(client.get(v1).content))["mediation"] == 1  # both downloadable
    page = client.get(reverse("reporting:bilan_year", args=[2025])).content.decode()
    assert "Différences entre la version 1 et la version 2" in page


def test_the_published_pdf_names_its_version(world, client, ccas_manager, state_reader):
    client.force_login(ccas_manager)
    client.post(reverse("reporting:bilan_publish", args=[2025]), {})
    client.force_login(state_reader)
    pdf = client.get(reverse("reporting:published_download", args=[2025, 1, "pdf"]))
    assert pdf["Content-Type"] == "application/pdf"
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Version 1 approuvée par le comité de suivi" in text
    assert world.h1.display_name not in text and world.h1.reference not in text


def test_only_the_ccas_manager_publishes(world, client, state_reader, social_worker):
    for user in (state_reader, social_worker):
        client.force_login(user)
        assert client.post(reverse("reporting:bilan_publish", args=[2025])).status_code == 403
    assert not PublishedBilan.objects.exists()


def test_the_budget_defaults_to_the_convention_and_takes_actuals(world, client, ccas_manager):
    client.force_login(ccas_manager)
    response = client.get(reverse("reporting:budget"), {"annee": 2025})
    lines = {r["key"]: r for r in response.context["tables"][0]["rows"]}
    assert lines["total_expense"]["forecast"] == 87000.0
    assert lines["total_income"]["forecast"] == 87000.0
    assert lines["state"]["share_forecast"] == 54.0  # 47 000 of 87 000
    form = response.context["form"]
    data = {"annee": 2025}
    for name, field in form.fields.items():
        data[name] = field.initial or ""
    data["actual_accompaniments"] = "48 500,00"
    data["actual_rentals"] = "16000"
    response = client.post(reverse("reporting:budget"), data)
    assert response.status_code == 302
    assert BudgetLine.objects.get(year=2025, code="accompaniments").actual == 48500
    response = client.get(reverse("reporting:budget"), {"annee": 2025})
    lines = {r["key"]: r for r in response.context["tables"][0]["rows"]}
    assert lines["accompaniments"]["gap"] == -1500.0
    assert lines["chapter_11"]["actual"] == 16000.0
    cost = {r["key"]: r["value"] for r in response.context["tables"][1]["rows"]}
    assert cost["households_accompanied"] == 3
    assert cost["cost_actual"] == round(64500 / 3, 2)
    assert cost["cost_forecast"] == 2175.0  # 87 000 € for 40 households a year


def test_a_budget_actual_that_is_not_an_amount_writes_nothing(world, client, ccas_manager):
    client.force_login(ccas_manager)
    form = client.get(reverse("reporting:budget"), {"annee": 2025}).context["form"]
    data = {"annee": 2025, **{name: field.initial or "" for name, field in form.fields.items()}}
    data["actual_rentals"] = "16000"
    data["actual_apl"] = "douze mille"
    response = client.post(reverse("reporting:budget"), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Saisissez un montant en euros, par exemple 1 234,56." in html
    assert 'value="douze mille"' in html and 'value="16000"' in html  # the input is kept
    assert not BudgetLine.objects.exists()


def test_only_the_ccas_manager_enters_the_budget(world, client, social_worker, state_reader):
    for user in (social_worker, state_reader):
        client.force_login(user)
        response = client.post(reverse("reporting:budget"), {"annee": 2025})
        assert response.status_code == 403
    assert not BudgetLine.objects.exists()


def test_the_budget_is_in_the_bilan(world, client, state_reader):
    client.force_login(state_reader)
    data = json.loads(client.get(reverse("reporting:bilan_download", args=[2025, "json"])).content)
    lines = {r["key"]: r for r in table_of(data, "budget", "lines")["rows"]}
    assert lines["total_expense"]["forecast"] == 87000.0
    cost = {r["key"]: r["value"] for r in table_of(data, "budget", "cost")["rows"]}
    assert cost["households_accompanied"] == "< 5"  # and the cost per household with it
    assert cost["cost_actual"] is None or cost["cost_actual"] == "masqué"


def test_the_comite_page_uses_the_generated_bilan(world, client, ccas_manager, state_reader):
    comite = MeetingFactory(kind="comite")
    client.force_login(ccas_manager)
    page = client.get(reverse("reporting:bilan_year", args=[2025]), {"comite": comite.pk})
    assert page.context["approve_form"]["meeting"].value() == str(comite.pk)
    client.post(reverse("reporting:bilan_publish", args=[2025]), {"meeting": comite.pk})
    client.force_login(state_reader)  # the DDCS sits in the comité de suivi
    listing = client.get(reverse("coordination:list")).content.decode()
    assert reverse("coordination:comite", args=[comite.pk]) in listing
    page = client.get(reverse("coordination:comite", args=[comite.pk]))
    assert page.status_code == 200
    pdf_url = reverse("reporting:published_download", args=[2025, 1, "pdf"])
    assert pdf_url in page.content.decode()
    assert "Déposer le bilan" not in page.content.decode()
    assert client.get(pdf_url).status_code == 200
