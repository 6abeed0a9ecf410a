"""Focus visible everywhere (RGAA 10.7, 3.3): the outline of a focused element of each kind,
reached with the keyboard, is at least 2 px wide and 3:1 against the colours around it.

The sweep (test_rgaa_sweep.py) measures the same on the first element of each kind of every page;
this test names the places the audit found faint: the dark header, links, fields, buttons, the
links of the yellow signals box, and a table that scrolls inside its container at 320 px.
"""

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from households.models import Household
from tests.e2e.sweep import COLOUR_JS, FOCUS_MEASURE

# (account, page, what, CSS selector of the element to focus)
SAMPLES = [
    ("ts1", "/mon-suivi/", "lien d'évitement", "body > a.visually-hidden-focusable"),
    ("ts1", "/mon-suivi/", "lien du menu (en-tête sombre)", "header .nav-link"),
    ("ts1", "/mon-suivi/", "bouton de l'en-tête", "header button[type=submit]"),
    ("ts1", "/mon-suivi/", "lien de l'encadré jaune des signalements", ".alert-warning a"),
    ("ts1", "/mon-suivi/", "lien", "main .card a"),
    ("location", "/menages/nouveau/", "champ de saisie", "#id_sne_number"),
    ("location", "/menages/nouveau/", "case à cocher", "main input[type=checkbox]"),
    ("location", "/menages/nouveau/", "bouton principal", "main button.btn-primary"),
    ("location", "/menages/nouveau/", "bouton secondaire", "#add-member"),
    ("direction", "/menages/{household}/?onglet=situation", "liste déroulante", "main select"),
    ("direction", "/menages/{household}/?onglet=situation", "zone de texte", "main textarea"),
]


def test_focus_ring_is_visible_on_each_kind_of_element(demo_data, page_as):
    household = Household.objects.filter(referent__isnull=False).order_by("pk").first()
    pages, failures = {}, []
    for account, path, what, selector in SAMPLES:
        if account not in pages:
            pages[account] = page_as(account)
        page = pages[account]
        path = path.format(household=household.pk)
        if not page.url.endswith(path):
            page.goto(path)
        measured = focus_with_keyboard(page, page.locator(selector).first)
        if not ok(measured):
            failures.append(f"{path} — {what} : {measured}")
    assert not failures, "\n".join(failures)
    # The links of the yellow box read at 4.5:1 at least (they were 4.06:1 in Bootstrap's blue).
    page = pages["ts1"]
    page.goto("/mon-suivi/")
    contrast = {"runOnly": {"type": "rule", "values": ["color-contrast"]}}
    assert not Axe().run(page, context=".alert-warning", options=contrast).response["violations"]


def test_a_table_scrolling_at_320_px_is_reached_and_outlined(demo_data, page_as):
    page = page_as("direction", viewport={"width": 320, "height": 700})
    page.goto("/diagnostics/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320  # the page does not
    box = page.locator(".table-responsive").first
    expect(box).to_have_attribute("tabindex", "0")  # made reachable by static/js/app.js
    expect(box).to_have_attribute("role", "region")
    caption = box.locator("caption")
    expect(box).to_have_attribute("aria-labelledby", caption.get_attribute("id"))
    assert ok(focus_with_keyboard(page, box))


BORDER_JS = (
    "(el) => {"
    + COLOUR_JS
    + """
    const border = parse(getComputedStyle(el).borderTopColor);
    return ratio(border.slice(0, 3), behind(el.parentElement));
}"""
)


def test_fields_are_outlined_at_3_to_1(demo_data, page_as):
    """A field's border is what shows it (RGAA 3.3): at least 3:1 against the page."""
    page = page_as("location")
    page.goto("/menages/nouveau/")
    for selector in ("#id_sne_number", "main select", "main textarea", "input[type=checkbox]"):
        assert page.locator(selector).first.evaluate(BORDER_JS) >= 3, selector


def focus_with_keyboard(page, element):
    """Focus `element` as a keyboard user does: Tab from the element just before it."""
    element.scroll_into_view_if_needed()
    element.evaluate(
        """(el) => {
            const all = [...document.querySelectorAll('a[href], button, input, select, textarea,'
                + ' [tabindex]')].filter((e) => e.tabIndex >= 0 && !e.disabled
                    && e.type !== 'hidden' && e.getClientRects().length > 0);
            const before = all[all.indexOf(el) - 1];
            if (before) before.focus(); else document.activeElement.blur();
        }"""
    )
    page.keyboard.press("Tab")
    return element.evaluate(FOCUS_MEASURE)


def ok(measured):
    return (
        measured["focused"]
        and measured["visible"]
        and measured["drawn"]
        and measured["width"] >= 2
        and measured["ratio"] >= 3
    )
