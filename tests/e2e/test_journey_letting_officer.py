"""The letting officer of Caen habitat, keyboard only: imports the CODESI list (preview, then
confirmation) and opens the file of a household it created. axe-core on every page visited."""

from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from households.enums import Source, Status
from households.models import Household, ImportBatch
from tests.e2e.conftest import PASSWORD, ending
from tests.e2e.keyboard import Keyboard
from tests.factories import HouseholdFactory, HouseholdSourceFactory

CODESI = Path(settings.BASE_DIR) / "docs" / "samples" / "codesi.csv"


@pytest.fixture
def listed(db):
    """Two households already on the lists, so that the list page is not empty."""
    for first, last, status in [
        ("Julien", "Marchand", Status.PRESELECTED),
        ("Claire", "Besnard", Status.AWAITING_LEVEL),
    ]:
        household = HouseholdFactory(
            status=status, members=[{"first_name": first, "last_name": last}]
        )
        HouseholdSourceFactory(household=household, source=Source.CODESI)


def test_letting_officer_imports_the_codesi_list_with_the_keyboard(
    page, check_axe, screenshot, letting_officer, listed
):
    keys = Keyboard(page)
    keys.log_in(letting_officer.email, PASSWORD, check_axe)
    expect(page).to_have_url(ending("/menages/"))
    check_axe(page)
    keys.skip_to_content()
    keys.tab_to(page.get_by_role("link", name="Importer une liste"))
    keys.follow()

    # The upload form: the list chosen with the arrows, the file with Space.
    expect(page.get_by_role("heading", name="Importer une liste prioritaire")).to_be_visible()
    check_axe(page)
    keys.skip_to_content()
    source = page.get_by_label("Liste d'origine")
    keys.tab_to(source)
    keys.select(source, "CODESI (listes LAP/LIP)")
    keys.tab_to(page.get_by_label("Fichier de la liste"))
    keys.choose_file(CODESI)
    screenshot(page, "letting-officer-1-import-form")
    keys.tab_to(page.get_by_role("button", name="Voir l'aperçu"))
    keys.follow()

    # The preview: nothing written yet.
    expect(page.get_by_role("heading", name="Aperçu de l'import")).to_be_visible()
    expect(page.locator("#resume")).to_contain_text("4 à créer")
    expect(page.get_by_role("cell", name="Amandine LEFÈVRE")).to_be_visible()
    check_axe(page)
    screenshot(page, "letting-officer-2-import-preview")
    assert Household.objects.count() == 2
    keys.skip_to_content()
    keys.tab_to(page.get_by_role("button", name="Confirmer l'import"))
    keys.follow()

    # Confirmed: the households created, each a link to its file.
    expect(page.get_by_role("heading", name="Import enregistré")).to_be_visible()
    expect(page.get_by_role("status").first).to_contain_text("4 ménage(s) créé(s)")
    check_axe(page)
    screenshot(page, "letting-officer-3-import-saved")
    assert ImportBatch.objects.get().state == ImportBatch.State.CONFIRMED
    household = Household.objects.get(sources__reference="LAP-2026-001")
    keys.skip_to_content()
    keys.tab_to(page.get_by_role("link", name=household.reference, exact=True))
    keys.follow()

    # The household's file, as the list made it.
    expect(page).to_have_url(ending(f"/menages/{household.pk}/"))
    expect(
        page.get_by_role("heading", name=f"{household.reference} — Amandine LEFÈVRE")
    ).to_be_visible()
    expect(page.get_by_role("cell", name="LAP-2026-001", exact=True)).to_be_visible()
    expect(page.get_by_text("Import de la liste CODESI")).to_be_visible()
    check_axe(page)
    screenshot(page, "letting-officer-4-household-file")
    assert household.status == Status.PRESELECTED
