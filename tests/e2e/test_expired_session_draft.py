"""A form typed while the session expires server-side: the POST lands on the login page with a
French message, the same user signs in again and is back on the form with the text restored;
the next user of the browser never gets it; a successful submit drops the draft."""

from django.contrib.sessions.models import Session
from playwright.sync_api import expect

from households.enums import Status
from tests.e2e.conftest import ending
from tests.factories import HouseholdFactory

TEXT = "Ménage relancé pour le dossier de relogement, rendez-vous fixé jeudi."
EXPIRED = (
    "Votre session a expiré : reconnectez-vous, votre saisie a été conservée sur cet appareil."
)
RESTORED = "Votre saisie non envoyée a été restaurée"


def draft_keys(page):
    return page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('caen-draft:'))")


def type_then_lose_the_session(page, login_as, user, household):
    login_as(user)
    page.goto(f"/menages/{household.pk}/modifier/")
    page.get_by_label("Observations").fill(TEXT)
    page.wait_for_function("Object.keys(localStorage).some(k => k.startsWith('caen-draft:'))")
    [key] = draft_keys(page)
    assert key == f"caen-draft:u{user.pk}:form:/menages/{household.pk}/modifier/#0"
    kept = page.evaluate(f"JSON.parse(localStorage.getItem('{key}')).data")
    assert kept["observations"] == TEXT
    assert "version" not in kept and "csrfmiddlewaretoken" not in kept  # hidden fields never
    Session.objects.all().delete()  # expired server-side, the page left as it was
    page.get_by_role("button", name="Enregistrer").first.click()
    page.wait_for_load_state("networkidle")
    expect(page).to_have_url(ending("/connexion/", query=True))
    expect(page.get_by_role("status").filter(has_text=EXPIRED)).to_be_visible()


def sign_in_again(page, user):
    page.get_by_label("Adresse e-mail").fill(user.email)
    page.get_by_label("Mot de passe").fill("Mot-de-passe-Test-2026!")
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state("networkidle")


def test_the_typed_text_survives_an_expired_session(page, login_as, social_worker):
    household = HouseholdFactory(referent=social_worker, status=Status.ACCOMPANIED)
    type_then_lose_the_session(page, login_as, social_worker, household)
    household.refresh_from_db()
    assert household.observations != TEXT  # nothing was saved by the bounced POST
    sign_in_again(page, social_worker)
    expect(page).to_have_url(ending(f"/menages/{household.pk}/modifier/"))
    expect(page.get_by_label("Observations")).to_have_value(TEXT)
    expect(page.get_by_role("status").filter(has_text=RESTORED)).to_be_visible()

    page.get_by_role("button", name="Enregistrer").first.click()
    page.wait_for_load_state("networkidle")
    expect(page).to_have_url(ending(f"/menages/{household.pk}/?onglet=situation"))
    household.refresh_from_db()
    assert household.observations == TEXT
    assert draft_keys(page) == []  # saved: the draft is gone
    page.goto(f"/menages/{household.pk}/modifier/")
    page.wait_for_load_state("networkidle")
    expect(page.get_by_text(RESTORED)).to_have_count(0)


def test_another_user_never_gets_the_typed_text(page, login_as, social_worker, other_social_worker):
    household = HouseholdFactory(
        referent=social_worker, substitute=other_social_worker, status=Status.ACCOMPANIED
    )
    type_then_lose_the_session(page, login_as, social_worker, household)
    sign_in_again(page, other_social_worker)
    expect(page).to_have_url(ending(f"/menages/{household.pk}/modifier/"))
    page.wait_for_load_state("networkidle")
    expect(page.get_by_label("Observations")).not_to_have_value(TEXT)
    expect(page.get_by_text(RESTORED)).to_have_count(0)
    assert draft_keys(page) == []  # the first user's draft is gone from this browser
