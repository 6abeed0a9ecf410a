"""The social worker at a household's door, on a phone (360 × 740, touch), keyboard only (an
external keyboard, or a switch access that sends the same keys): opens the caseload, the
household's accompaniment and file, logs the home visit. axe-core on every page visited."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accompaniments.models import ContactKind
from households.enums import Status
from tests.accompaniments.factories import AccompanimentFactory, ContactFactory
from tests.e2e.conftest import PASSWORD, ending
from tests.e2e.keyboard import Keyboard
from tests.factories import HouseholdFactory


@pytest.fixture
def viewport():
    return {"width": 360, "height": 740}


@pytest.fixture
def device():
    return {"is_mobile": True, "has_touch": True}


@pytest.fixture
def caseload(social_worker):
    """Three accompaniments of the social worker: the Roussel family's visit is overdue."""
    accompaniments = {}
    for last, days in [("Roussel", 50), ("Lemaître", 20), ("Fontaine", 5)]:
        household = HouseholdFactory(
            referent=social_worker,
            status=Status.ACCOMPANIED,
            members=[{"first_name": "Nadia", "last_name": last}],
        )
        acc = AccompanimentFactory(household=household)
        ContactFactory(accompaniment=acc, at=timezone.now() - datetime.timedelta(days=days))
        accompaniments[last] = acc
    return accompaniments


def no_horizontal_scroll(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_social_worker_logs_a_home_visit_on_a_phone_with_the_keyboard(
    page, check_axe, screenshot, social_worker, caseload
):
    acc = caseload["Roussel"]
    household = acc.household
    keys = Keyboard(page)
    keys.log_in(social_worker.email, PASSWORD, check_axe)
    expect(page).to_have_url(ending("/mon-suivi/"))
    card = page.locator(f'[data-household="{household.reference}"]')
    expect(card).to_contain_text("En retard")
    check_axe(page)
    assert no_horizontal_scroll(page)
    screenshot(page, "social-worker-1-caseload")

    # The most urgent household comes first: its accompaniment, its file, back.
    keys.skip_to_content()
    keys.tab_to(card.get_by_role("link", name=f"{household.reference} — {household.display_name}"))
    keys.follow()
    expect(page).to_have_url(ending(acc.get_absolute_url()))
    check_axe(page)
    assert no_horizontal_scroll(page)
    keys.skip_to_content()
    keys.tab_to(page.get_by_role("link", name=f"← Dossier {household.reference}"))
    keys.follow()
    expect(page).to_have_url(ending(f"/menages/{household.pk}/"))
    expect(page.get_by_role("heading", name=household.reference, exact=False).first).to_be_visible()
    check_axe(page)
    assert no_horizontal_scroll(page)
    screenshot(page, "social-worker-2-household-file")
    keys.skip_to_content()
    keys.tab_to(page.get_by_role("link", name="En cours : du", exact=False))
    keys.follow()
    expect(page).to_have_url(ending(acc.get_absolute_url()))
    keys.skip_to_content()
    keys.tab_to(page.get_by_role("link", name="Saisir un contact"))
    keys.follow()

    # The short form: the kind with the arrows, the note and the next step typed.
    expect(page.get_by_role("heading", name=f"Contact — {household.reference}")).to_be_visible()
    check_axe(page)
    assert no_horizontal_scroll(page)
    keys.skip_to_content()
    visit = page.get_by_label("Visite à domicile")
    keys.tab_to(visit)  # Tab enters the group on its chosen radio
    expect(visit).to_be_checked()
    keys.press("ArrowDown")
    expect(visit).not_to_be_checked()
    keys.press("ArrowUp")
    expect(visit).to_be_checked()
    keys.tab_to(page.get_by_label("Note"))
    keys.type("Visite faite : courrier de la CAF lu ensemble, dossier APL à compléter.")
    keys.tab_to(page.get_by_label("Prochaine étape"))
    keys.type("Rappeler la CAF lundi")
    screenshot(page, "social-worker-3-contact-form")
    keys.tab_to(page.get_by_role("button", name="Enregistrer le contact"))
    keys.follow()

    # Back to the caseload: saved, and the household is no longer late.
    expect(page).to_have_url(ending("/mon-suivi/", query=True))
    expect(page.get_by_role("status").first).to_contain_text(
        f"Contact enregistré pour {household.reference}"
    )
    card = page.locator(f'[data-household="{household.reference}"]')
    expect(card.locator(".last-visit")).to_have_text(timezone.localdate().strftime("%d/%m/%Y"))
    expect(card).not_to_contain_text("En retard")
    check_axe(page)
    assert no_horizontal_scroll(page)
    screenshot(page, "social-worker-4-contact-saved")
    contact = acc.contacts.order_by("-at").first()
    assert contact.kind == ContactKind.HOME_VISIT
    assert contact.author == social_worker
    assert contact.note.startswith("Visite faite : courrier de la CAF")
    assert contact.next_step == "Rappeler la CAF lundi"
