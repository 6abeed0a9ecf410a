from playwright.sync_api import expect

from audit.models import AuditEntry


def test_login_page_accessible_and_login_works(page, login_as, check_axe, ccas_manager):
    page.goto("/connexion/")
    check_axe(page)
    login_as(ccas_manager)
    page.goto("/journal/")
    expect(page.get_by_role("heading", name="Journal des accès")).to_be_visible()
    check_axe(page)
    assert not AuditEntry.objects.filter(action="denied").exists()
