"""Chromium under the Content-Security-Policy: enrolment in the second factor (QR code shown),
then htmx pages (diagnostic steps and budget), the household form's script, the contact form's
draft script, with no CSP violation and no console error."""

import re

import pytest
from playwright.sync_api import expect

from households.enums import Relation, Status
from tests.accounts.test_two_factor import totp
from tests.e2e.conftest import PASSWORD
from tests.factories import HouseholdFactory

pytestmark = pytest.mark.e2e

WATCH_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__cspViolations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


def test_htmx_pages_work_under_the_csp_with_the_second_factor(
    page, settings, check_axe, social_worker
):
    settings.REQUIRE_2FA = True
    household = HouseholdFactory(
        referent=social_worker,
        status=Status.DIAGNOSTIC,
        diagnostic_level=3,
        members=[{"relation": Relation.REFERENCE, "first_name": "Inès", "last_name": "Martin"}],
    )
    problems = []
    page.on(
        "console",
        lambda message: (
            problems.append(f"console {message.type}: {message.text}")
            if message.type == "error" or "Content Security Policy" in message.text
            else None
        ),
    )
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.context.add_init_script(WATCH_VIOLATIONS)

    def violations():
        return page.evaluate("window.__cspViolations || []")

    response = page.goto("/connexion/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.get_by_label("Adresse e-mail").fill(social_worker.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()

    # Enrolment: the QR code is drawn (data: image allowed), the key read off the page.
    expect(page.get_by_role("heading", name="Activer la double authentification")).to_be_visible()
    qr = page.get_by_role("img", name=re.compile("Code QR"))
    expect(qr).to_be_visible()
    assert page.evaluate("document.querySelector('img.qr-code').naturalWidth") > 0
    check_axe(page)
    secret = page.locator("#cle-secrete").inner_text()
    page.get_by_label("Code affiché par l'application").fill(totp(secret))
    page.get_by_role("button", name="Activer").click()
    expect(page.get_by_role("heading", name="Codes de secours")).to_be_visible()
    check_axe(page)
    assert violations() == []
    page.get_by_role("link", name="Continuer").click()
    page.goto("/mon-compte/")
    expect(page.get_by_text("Codes de secours non utilisés : 10.")).to_be_visible()
    check_axe(page)
    page.get_by_role("link", name="Changer mon mot de passe").click()
    check_axe(page)

    # htmx: a step recorded without reloading, the budget totals following the typing.
    page.goto("/diagnostics/")
    page.get_by_role("button", name=re.compile("Commencer")).click()
    expect(page.get_by_role("heading", name=re.compile("Diagnostic de niveau 3"))).to_be_visible()
    page.locator("#id_step-date").fill("2026-10-02")
    page.get_by_label("Avec qui").fill("Mme Martin")
    page.get_by_role("button", name="Ajouter l'étape").click()
    expect(page.get_by_text("Étape enregistrée")).to_be_visible()
    totals = page.locator("#budget-totals")
    page.get_by_label("Salaires").fill("1500")
    expect(totals.locator("[data-total=resources]")).to_have_text("1\u202f500,00\u00a0€")
    # The sticky budget summary keeps its style from app.css (was an inline <style>).
    assert page.evaluate("getComputedStyle(document.querySelector('.budget-sticky')).top") not in (
        "auto",
        "0px",
    )
    assert violations() == []

    # The household form's "Ajouter un membre" (was an inline <script>).
    page.goto("/menages/nouveau/")
    members = page.locator("#members > *")
    before = members.count()
    page.get_by_role("button", name="Ajouter un membre").click()
    expect(members).to_have_count(before + 1)

    # The household page and the contact form (its draft script).
    page.goto(f"/menages/{household.pk}/")
    expect(page.get_by_role("heading", name=re.compile(household.reference))).to_be_visible()
    assert violations() == []
    assert problems == []
