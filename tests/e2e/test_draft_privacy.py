"""Browser drafts belong to one user for 24 hours: never offered to the next user of the same
browser, whether the first logged out or just left (session expired), and gone after a day."""

import pytest
from playwright.sync_api import expect

from households.enums import Status
from tests.accompaniments.factories import AccompanimentFactory
from tests.factories import HouseholdFactory

NOTE = "Mme parle de son suivi au CMP."


def draft_keys(page):
    return page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('caen-draft:'))")


@pytest.fixture
def shared_file(social_worker, other_social_worker):
    """One accompaniment both social workers may write to (référent and substitute)."""
    household = HouseholdFactory(
        referent=social_worker, substitute=other_social_worker, status=Status.ACCOMPANIED
    )
    return AccompanimentFactory(household=household)


def type_a_note(page, login_as, user, acc):
    login_as(user)
    page.goto(f"/accompagnements/{acc.pk}/contacts/nouveau/")
    page.get_by_label("Note").fill(NOTE)
    page.wait_for_function("Object.keys(localStorage).some(k => k.startsWith('caen-draft:'))")


def expect_no_draft_offered(page, acc):
    page.goto(f"/accompagnements/{acc.pk}/contacts/nouveau/")
    page.wait_for_load_state("networkidle")
    expect(page.get_by_label("Note")).to_have_value("")
    assert "Brouillon" not in page.locator("#draft-status").inner_text()


@pytest.mark.parametrize("how", ["logout", "session_expired"])
def test_a_draft_is_not_offered_to_the_next_user(
    page, login_as, social_worker, other_social_worker, shared_file, how
):
    type_a_note(page, login_as, social_worker, shared_file)
    assert draft_keys(page) == [f"caen-draft:u{social_worker.pk}:contact-{shared_file.pk}"]
    if how == "logout":
        page.get_by_role("button", name="Se déconnecter").click()
        page.wait_for_load_state("networkidle")
        assert draft_keys(page) == []  # cleared at logout
    else:
        page.context.clear_cookies()  # the session is gone, the page left as it was
    login_as(other_social_worker)
    expect_no_draft_offered(page, shared_file)
    assert draft_keys(page) == []  # the first user's draft is gone from this browser


def test_the_same_user_finds_the_draft_after_an_expired_session(
    page, login_as, social_worker, shared_file
):
    type_a_note(page, login_as, social_worker, shared_file)
    page.context.clear_cookies()
    login_as(social_worker)
    page.goto(f"/accompagnements/{shared_file.pk}/contacts/nouveau/")
    expect(page.get_by_label("Note")).to_have_value(NOTE)


def test_a_draft_older_than_24_hours_is_dropped(page, login_as, social_worker, shared_file):
    type_a_note(page, login_as, social_worker, shared_file)
    page.evaluate(
        """() => {
          const key = Object.keys(localStorage).find(k => k.startsWith('caen-draft:'));
          const entry = JSON.parse(localStorage.getItem(key));
          entry.savedAt = new Date(Date.now() - 25 * 3600 * 1000).toISOString();
          localStorage.setItem(key, JSON.stringify(entry));
        }"""
    )
    expect_no_draft_offered(page, shared_file)
