"""A refused form, on any page (RGAA 11.10, 11.11): an error summary at the top of the page
(role="alert", one link per message to its field) that takes the focus, the page title prefixed
with "Erreur :", what was typed kept. The summary is built once for every page
(caen_accompagnement/templatetags/error_summary.py); these forms are submitted empty or wrong.
"""

from playwright.sync_api import expect

from accompaniments.models import Accompaniment
from households.enums import Status
from households.models import Household

# (account, path, button, fields to fill first: CSS selector → value; of a select, an option value)
CASES = [
    (None, "/connexion/", "Se connecter", {"#id_username": "inconnu@demo.caen.fr"}),
    ("location", "/menages/nouveau/", "Enregistrer", {"#id_address": "12 rue Écuyère"}),
    (
        "direction",
        "/menages/{household}/?onglet=situation",
        "Enregistrer le changement de statut",
        {},
    ),
    (
        "direction",
        "/menages/{household}/?onglet=situation",
        "Affecter",
        {"#id_referent-referent": ""},
    ),
    (
        "ts1",
        "/accompagnements/{accompaniment}/contacts/nouveau/",
        "Enregistrer le contact",
        {"#id_duration_minutes": "900", "#id_note": "Visite faite avec la CESF."},
    ),
    ("gestion", "/signalements/nouveau/", "Enregistrer le signalement", {}),
    ("direction", "/cellule/planifier/", "Planifier", {}),
    ("direction", "/cellule/partenaires/nouveau/", "Enregistrer", {}),
]

SUMMARY_JS = """() => {
    const summary = document.getElementById('resume-erreurs');
    const links = [...summary.querySelectorAll('a[href^="#"]')].map((a) => {
        const target = document.getElementById(decodeURIComponent(a.hash.slice(1)));
        return { text: a.textContent.trim(), field: target ? target.tagName : null };
    });
    return { role: summary.getAttribute('role'), links, items: summary.querySelectorAll('li').length };
}"""


def test_every_refused_form_shows_and_focuses_its_error_summary(demo_data, page_as):
    household = Household.objects.exclude(status=Status.EXITED).filter(referent__isnull=False)
    household = household.order_by("pk").first()
    accompaniment = Accompaniment.objects.filter(household__referent__email="ts1@demo.caen.fr")
    accompaniment = accompaniment.order_by("pk").first()
    pages, failures = {}, []
    for account, path, button, fill in CASES:
        if account not in pages:
            pages[account] = page_as(account)
        page = pages[account]
        path = path.format(household=household.pk, accompaniment=accompaniment.pk)
        page.goto(path)
        for selector, value in fill.items():
            field = page.locator(selector)
            if field.evaluate("(el) => el.tagName") == "SELECT":
                field.select_option(value)
            else:
                field.fill(value)
        page.get_by_role("button", name=button, exact=True).click()
        page.wait_for_load_state()
        problems = summary_problems(page)
        for selector, value in fill.items():
            if value and page.locator(selector).input_value() != value:
                problems.append(f"{selector} n'a pas gardé « {value} »")
        if problems:
            failures.append(f"{path} ({button}) : " + " ; ".join(problems))
    assert not failures, "\n".join(failures)


def summary_problems(page):
    problems = []
    if not page.title().startswith("Erreur : "):
        problems.append(f"titre « {page.title()} »")
    if page.locator("#resume-erreurs").count() != 1:
        return problems + ["pas de récapitulatif des erreurs"]
    summary = page.evaluate(SUMMARY_JS)
    if summary["role"] != "alert" or not summary["items"]:
        problems.append(f"récapitulatif {summary}")
    for link in summary["links"]:
        if link["field"] not in ("INPUT", "SELECT", "TEXTAREA"):
            problems.append(f"le lien « {link['text']} » ne mène à aucun champ")
    try:
        expect(page.locator("#resume-erreurs")).to_be_focused(timeout=2_000)
    except AssertionError:
        focused = page.evaluate("document.activeElement.outerHTML.slice(0, 60)")
        problems.append(f"le focus est sur {focused}")
    return problems
