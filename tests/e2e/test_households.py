"""Browser journey on the household pages, with an axe-core check of each page visited."""

import re

from playwright.sync_api import expect

from households.enums import Status
from households.models import Household
from tests.e2e.conftest import ending


def test_letting_officer_creates_finds_and_moves_a_household(
    page, login_as, check_axe, letting_officer
):
    login_as(letting_officer)
    expect(page).to_have_url(ending("/menages/"))  # the home page sends the letting officer here
    check_axe(page)

    page.get_by_role("link", name="Nouveau ménage").click()
    check_axe(page)
    page.get_by_label("Public (§1.2 de la convention)").select_option("third_party")
    page.locator("#id_members-0-last_name").fill("Lefèvre")
    page.locator("#id_members-0-first_name").fill("Noémie")
    page.locator("#id_members-0-birth_date").fill("1990-05-17")
    page.get_by_role("button", name="Ajouter un membre").click()
    page.locator("#id_members-2-last_name").fill("Lefèvre")
    page.locator("#id_members-2-first_name").fill("Jules")
    page.locator("#id_members-2-relation").select_option("child")
    page.get_by_role("button", name="Enregistrer").click()

    expect(page).to_have_url(re.compile(r"/menages/\d+/\?onglet=situation$"))
    household = Household.objects.get()
    expect(page).to_have_url(ending(f"/menages/{household.pk}/?onglet=situation"))
    expect(
        page.get_by_role("heading", name=f"{household.reference} — Noémie LEFÈVRE")
    ).to_be_visible()
    expect(page.get_by_text("Famille monoparentale")).to_be_visible()
    check_axe(page)

    # The status form makes only the manual moves (exit, re-entry, archive): inscription on a
    # cellule agenda is what makes a file await its level.
    page.get_by_label("Nouveau statut").select_option(Status.EXITED)
    page.get_by_label("Motif de sortie (si sortie du dispositif)").select_option("not_eligible")
    page.get_by_label("Motif du changement").fill("Relève du droit commun")
    page.get_by_role("button", name="Enregistrer le changement de statut").click()
    expect(page.get_by_text("Statut changé")).to_be_visible()
    household.refresh_from_db()
    assert household.status == Status.EXITED

    page.get_by_role("link", name="Ménages", exact=True).first.click()
    page.get_by_label("Nom, n° de dossier ou n° unique").fill("LEFEVRE noemie")
    page.get_by_role("button", name="Filtrer").click()
    expect(page.get_by_role("link", name=household.reference)).to_be_visible()
    check_axe(page)
