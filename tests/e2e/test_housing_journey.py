"""Letting officer: proposes a dwelling, records the acceptance and a bail glissant, generates
the convention and records it signed; axe on every page of the journey."""

import datetime
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from households.enums import Relation, Status
from housing.models import AgreementDocument, DwellingProposal, Rehousing
from tests.factories import HouseholdFactory
from tests.housing.factories import DwellingFactory

pytestmark = pytest.mark.e2e


def test_letting_officer_journey(page, login_as, check_axe, letting_officer, social_worker):
    household = HouseholdFactory(
        status=Status.ADMITTED,
        referent=social_worker,
        members=[{"relation": Relation.REFERENCE}, {"relation": Relation.CHILD}],
    )
    DwellingFactory(reference="CH-03100", typology="T2", rent=Decimal("310"), charges=Decimal("55"))
    DwellingFactory(reference="CH-03200", typology="T3", rent=Decimal("365"), charges=Decimal("70"))
    login_as(letting_officer)

    page.goto(f"/logements/menage/{household.pk}/rapprochement/")
    expect(page.get_by_role("heading", name="Logements adaptés")).to_be_visible()
    check_axe(page)
    page.get_by_role("button", name="Proposer le logement CH-03100").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("main")).to_contain_text("Logement CH-03100 proposé")
    check_axe(page)

    page.get_by_role("radio", name="Acceptée").check()
    page.get_by_role("button", name="Enregistrer la réponse").click()
    page.wait_for_load_state("networkidle")
    assert DwellingProposal.objects.get().status == "accepted"

    lease_start = datetime.date.today()
    glide = lease_start.replace(day=1) + datetime.timedelta(days=31 * 6)
    page.get_by_role("radio", name="Bail glissant").check()
    expect(page.get_by_label("Référence du logement")).to_have_value("CH-03100")
    page.get_by_label("Début du bail").fill(lease_start.isoformat())
    page.get_by_label("Glissement prévu le (bail glissant)").fill(glide.isoformat())
    page.get_by_role("button", name="Enregistrer le relogement").click()
    page.wait_for_load_state("networkidle")
    rehousing = Rehousing.objects.get()
    assert rehousing.solution == "sliding" and rehousing.planned_glide_date == glide
    expect(page.locator("main")).to_contain_text(f"Glissement prévu le {glide:%d/%m/%Y}")
    check_axe(page)

    page.get_by_role("button", name="Générer la convention tripartite").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("main")).to_contain_text("Convention tripartite : version 1 générée")
    page.get_by_label("Signé le").fill(lease_start.isoformat())
    page.get_by_label("Exemplaire signé (PDF ou image)").set_input_files(
        files=[
            {
                "name": "convention-signee.pdf",
                "mimeType": "application/pdf",
                "buffer": b"%PDF-1.4\nsigne\n",
            }
        ]
    )
    page.get_by_role("button", name="Enregistrer la signature (convention tripartite v1)").click()
    page.wait_for_load_state("networkidle")
    document = AgreementDocument.objects.get()
    assert document.status == "signed" and document.rehousing == rehousing
    expect(page.locator("main")).to_contain_text(
        "Convention tripartite : version 1 enregistrée comme signée"
    )
    check_axe(page)

    page.goto("/logements/suivi/")
    expect(page.get_by_role("heading", name="Glissements à venir")).to_be_visible()
    check_axe(page)
    page.goto("/logements/")
    check_axe(page)
