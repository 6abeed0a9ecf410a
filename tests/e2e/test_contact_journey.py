"""At the door, on a phone (360×740): log a home visit from /mon-suivi/ and see it there."""

import datetime
import time

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from accompaniments.models import ContactKind
from households.enums import Status
from tests.accompaniments.factories import AccompanimentFactory, ContactFactory
from tests.e2e.conftest import ending
from tests.factories import HouseholdFactory


@pytest.fixture
def viewport():
    return {"width": 360, "height": 740}


def no_horizontal_scroll(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_log_a_home_visit_on_a_phone(page, login_as, check_axe, social_worker):
    household = HouseholdFactory(referent=social_worker, status=Status.ACCOMPANIED)
    acc = AccompanimentFactory(household=household)
    ContactFactory(
        accompaniment=acc,
        kind=ContactKind.HOME_VISIT,
        at=datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=45),
    )
    started = time.monotonic()
    login_as(social_worker)
    expect(page).to_have_url(ending("/mon-suivi/"))  # home sends social workers to their caseload
    card = page.locator(f'[data-household="{household.reference}"]')
    assert "En retard" in card.inner_text()
    check_axe(page)
    assert no_horizontal_scroll(page)

    card.get_by_role("link", name="Saisir un contact").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_label("Visite à domicile")).to_be_checked()  # sensible default
    check_axe(page)
    assert no_horizontal_scroll(page)
    page.get_by_label("Note").fill("Visite faite, courrier CAF à traiter.")
    page.get_by_label("Prochaine étape").fill("Appeler la CAF")

    # Interrupted (the page is reloaded): the browser-side draft brings the text back.
    page.reload()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_label("Note")).to_have_value("Visite faite, courrier CAF à traiter.")
    assert "Brouillon" in page.locator("#draft-status").inner_text()

    page.get_by_role("button", name="Enregistrer le contact").click()
    page.wait_for_load_state("networkidle")
    expect(page).to_have_url(ending("/mon-suivi/", query=True))
    card = page.locator(f'[data-household="{household.reference}"]')
    today = datetime.date.today().strftime("%d/%m/%Y")
    assert card.locator(".last-visit").inner_text() == today
    assert "En retard" not in card.inner_text()
    assert time.monotonic() - started < 60
    # The server confirmed: the draft is gone from the device.
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('caen-draft:'))") == []
    contact = acc.contacts.order_by("-at").first()
    assert contact.note == "Visite faite, courrier CAF à traiter."
    assert contact.kind == ContactKind.HOME_VISIT


def test_a_draft_sent_again_after_a_lost_answer_saves_one_contact(page, login_as, social_worker):
    """The draft keeps the form's one-time key: the server saved the contact but its answer was
    lost (the connection dropped); the form opened again brings the draft back with the same
    key, and sending it again gets the first answer: one contact (audit/once.py)."""
    household = HouseholdFactory(referent=social_worker, status=Status.ACCOMPANIED)
    acc = AccompanimentFactory(household=household)
    login_as(social_worker)
    url = reverse("accompaniments:contact_create", args=[acc.pk])
    page.goto(url)
    page.wait_for_load_state("networkidle")
    key = page.locator('input[name="once_key"]').input_value()
    page.get_by_label("Note").fill("Visite faite, réponse perdue.")

    def saved_then_lost(route):
        if route.request.method != "POST":
            return route.continue_()
        route.fetch(max_redirects=0)  # the server receives the post and saves the contact
        return route.abort("connectionreset")  # its answer never reaches the phone

    page.route(f"**{url}", saved_then_lost)
    page.get_by_role("button", name="Enregistrer le contact").click()
    page.wait_for_timeout(500)
    assert acc.contacts.count() == 1
    page.unroute(f"**{url}")

    page.goto(url)  # opened again: a new key in the page, the draft's key restored over it
    page.wait_for_load_state("networkidle")
    expect(page.get_by_label("Note")).to_have_value("Visite faite, réponse perdue.")
    assert page.locator('input[name="once_key"]').input_value() == key
    page.get_by_role("button", name="Enregistrer le contact").click()
    page.wait_for_load_state("networkidle")
    expect(page).to_have_url(ending("/mon-suivi/", query=True))
    assert acc.contacts.count() == 1  # the first answer, nothing saved twice
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('caen-draft:'))") == []
