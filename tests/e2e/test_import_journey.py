"""A letting officer imports a priority list: upload, preview, confirm, then finds a household."""

from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from households.models import Household, ImportBatch
from tests.e2e.conftest import ending

SAMPLES = Path(settings.BASE_DIR) / "docs" / "samples"


@pytest.mark.e2e
def test_letting_officer_imports_a_list_and_finds_a_household(
    page, login_as, check_axe, letting_officer
):
    login_as(letting_officer)
    expect(page).to_have_url(ending("/menages/"))
    page.get_by_role("link", name="Importer une liste").click()
    expect(page.get_by_role("heading", name="Importer une liste prioritaire")).to_be_visible()
    check_axe(page)

    page.get_by_label("Liste d'origine").select_option("codesi")
    page.get_by_label("Fichier de la liste").set_input_files(SAMPLES / "codesi.csv")
    page.get_by_role("button", name="Voir l'aperçu").click()

    expect(page.get_by_role("heading", name="Aperçu de l'import")).to_be_visible()
    expect(page.locator("#resume")).to_contain_text("4 à créer")
    expect(page.get_by_role("heading", name="Ménages à créer (4)")).to_be_visible()
    expect(page.get_by_role("cell", name="Amandine LEFÈVRE")).to_be_visible()
    check_axe(page)
    assert not Household.objects.exists()  # nothing written before confirmation

    page.get_by_role("button", name="Confirmer l'import").click()
    expect(page.get_by_role("heading", name="Import enregistré")).to_be_visible()
    expect(page.get_by_role("status").first).to_contain_text("4 ménage(s) créé(s)")
    check_axe(page)
    assert Household.objects.count() == 4
    assert ImportBatch.objects.get().state == ImportBatch.State.CONFIRMED
    household = Household.objects.get(sources__reference="LAP-2026-001")

    # Find the household from the list's search, accents and case aside, and open its file.
    page.get_by_role("link", name="Ménages", exact=True).first.click()
    page.get_by_label("Nom, n° de dossier ou n° unique").fill("lefevre AMANDINE")
    page.get_by_role("button", name="Filtrer").click()
    expect(page.get_by_role("link", name=household.reference)).to_be_visible()
    expect(page.get_by_role("link", name="LA-", exact=False)).to_have_count(1)
    check_axe(page)
    page.get_by_role("link", name=household.reference).click()
    expect(
        page.get_by_role("heading", name=f"{household.reference} — Amandine LEFÈVRE")
    ).to_be_visible()
    expect(page.get_by_role("cell", name="LAP-2026-001", exact=True)).to_be_visible()
    expect(page.get_by_text("Import de la liste CODESI")).to_be_visible()
    check_axe(page)
