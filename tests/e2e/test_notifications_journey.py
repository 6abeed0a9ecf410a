"""A référent finds a reminder in the header badge, opens it, marks it as read (htmx)."""

import datetime

from django.utils import timezone
from playwright.sync_api import expect

from accompaniments import tasks
from households.enums import Status
from tests.accompaniments.factories import AccompanimentFactory
from tests.e2e.conftest import ending
from tests.factories import HouseholdFactory


def test_badge_list_mark_read_and_preferences(page, login_as, check_axe, social_worker):
    household = HouseholdFactory(referent=social_worker, status=Status.ACCOMPANIED)
    acc = AccompanimentFactory(
        household=household, start=timezone.localdate() - datetime.timedelta(days=60)
    )
    tasks.remind_contacts.apply()
    login_as(social_worker)
    badge = page.locator("#notifications-badge")
    expect(badge).to_contain_text("1")
    badge.click()
    expect(page).to_have_url(ending("/notifications/"))
    check_axe(page)
    row = page.locator("tbody tr").first
    expect(row).to_contain_text(household.reference)
    row.get_by_role("button", name="Marquer comme lue").click()
    expect(page.locator("tbody tr").first).to_contain_text("Lue")
    expect(page.locator("#notifications-badge .badge")).to_have_count(1)  # until the next page
    page.reload()
    expect(page.locator("#notifications-badge .badge")).to_have_count(0)
    page.locator("tbody tr").first.get_by_role("link").click()
    expect(page).to_have_url(ending(acc.get_absolute_url()))


def test_preferences_refuse_a_bad_hour_in_french(page, login_as, check_axe, social_worker):
    login_as(social_worker)
    page.goto("/notifications/preferences/")
    check_axe(page)
    page.get_by_label("Heure du récapitulatif quotidien").fill("24")
    page.get_by_role("button", name="Enregistrer").click()
    expect(
        page.get_by_text("L'heure du récapitulatif doit être comprise entre 0 et 23.", exact=True)
    ).to_be_visible()
    page.get_by_label("Heure du récapitulatif quotidien").fill("18")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Vos préférences de notification sont enregistrées.")).to_be_visible()
