"""A social worker fills a level-3 diagnostic across the five themes, watches the budget
totals follow her typing, and submits it to the cellule."""

import re

import pytest
from playwright.sync_api import expect

from diagnostics.models import Diagnostic, DiagnosticStatus
from households.enums import Relation, Status
from tests.factories import HouseholdFactory

pytestmark = pytest.mark.e2e


def test_level_3_diagnostic_journey(page, login_as, check_axe, social_worker):
    household = HouseholdFactory(
        referent=social_worker,
        status=Status.DIAGNOSTIC,
        diagnostic_level=3,
        members=[{"relation": Relation.REFERENCE, "first_name": "Inès", "last_name": "Martin"}],
    )
    login_as(social_worker)
    page.goto("/diagnostics/")
    expect(page.get_by_role("heading", name="Diagnostics", exact=True)).to_be_visible()
    check_axe(page)
    page.get_by_role("button", name=re.compile("Commencer")).click()
    expect(page.get_by_role("heading", name=re.compile("Diagnostic de niveau 3"))).to_be_visible()
    check_axe(page)

    # Method of level 3: an in-depth interview, recorded without losing what is typed below.
    page.locator("#id_socio_observation").fill("Emploi stable à temps partiel.")
    page.locator("#id_step-date").fill("2026-10-02")
    page.get_by_label("Avec qui").fill("Mme Martin")
    page.get_by_role("button", name="Ajouter l'étape").click()
    expect(page.get_by_text("Étape enregistrée")).to_be_visible()
    expect(page.locator("#methode").get_by_text("Fait", exact=True)).to_be_visible()
    expect(page.locator("#id_socio_observation")).to_have_value("Emploi stable à temps partiel.")

    # 1. Socio-professional.
    page.get_by_label("Situation administrative").select_option(label="Titre de séjour")
    page.get_by_label("Titre de séjour valable jusqu'au").fill("2027-09-30")
    page.get_by_label("Situation matrimoniale").select_option(label="Célibataire")
    page.get_by_label(re.compile("Situation professionnelle — Inès")).select_option(label="Salarié")
    page.get_by_label("Typologie souhaitée").select_option(label="T2")

    # 2. Budget: the totals follow the typing.
    totals = page.locator("#budget-totals")
    page.get_by_label("Salaires").fill("1500")
    expect(totals.locator("[data-total=resources]")).to_have_text("1\u202f500,00\u00a0€")
    page.get_by_label("Loyer résiduel").fill("400")
    page.get_by_label("Énergie").fill("80")
    page.get_by_label("Eau", exact=True).fill("20")
    expect(totals.locator("[data-total=charges]")).to_have_text("500,00\u00a0€")
    expect(totals.locator("[data-total=remaining_month]")).to_have_text("1\u202f000,00\u00a0€")
    expect(totals.locator("[data-total=effort_rate]")).to_have_text("33,3\u00a0%")
    page.locator("#id_budget_observation").fill("Budget équilibré.")

    # 3. Housing history, 4. life in the dwelling, 5. social follow-up.
    page.get_by_label("Nombre d'expulsions subies").fill("0")
    page.get_by_label("Capacité à se stabiliser dans un logement").select_option(label="Bonne")
    page.locator("#id_housing_observation").fill("Hébergée chez sa sœur depuis 2024.")
    page.get_by_label("Entretien du logement").select_option(label="Bonne")
    page.get_by_label("Relations de voisinage").select_option(label="Sans difficulté")
    page.locator("#id_dwelling_observation").fill("Rien à signaler.")
    page.get_by_label("CCAS", exact=True).check()
    page.get_by_label("Capacité d'adhésion au suivi proposé").select_option(label="Bonne")
    page.locator("#id_follow_up_observation").fill("Présente à chaque rendez-vous.")

    # Obstacles and proposal.
    page.get_by_label("Absence d'expérience locative").select_option(label="Modérée")
    page.get_by_label("Capacité à intégrer le dispositif").select_option(label="Oui")
    page.get_by_label("Typologie recherchée").select_option(label="T2")
    page.get_by_label("Intensité").select_option(label="Moyenne")
    page.get_by_label("Durée proposée (mois)").fill("6")
    check_axe(page)

    page.get_by_role("button", name="Transmettre à la cellule").click()
    expect(page.get_by_text("Diagnostic transmis à la cellule")).to_be_visible()
    check_axe(page)

    diagnostic = Diagnostic.objects.get(household=household)
    assert diagnostic.status == DiagnosticStatus.SUBMITTED
    assert diagnostic.residence_permit_valid_until.isoformat() == "2027-09-30"
    assert diagnostic.budget().remaining_month == 1000
    assert diagnostic.obstacles.get().item == "housing_path.no_experience"
    assert diagnostic.current_supports == ["ccas"]
    household.refresh_from_db()
    assert household.status == Status.AWAITING_ADMISSION
