"""Keyboard-only driving of a page, for the journeys per user kind (tests/e2e/test_journey_*.py).

No click, no `fill`, no address typed but the login page's: from the top of each page, Tab
reaches the skip link, Enter moves to the main content, then Tab (or Shift+Tab) walks to the
element wanted; text is typed into the focused field, Space ticks, arrows choose, Enter follows a
link or submits. At every stop of the walk the focused element must show its focus ring
(`:focus-visible`, at least 2 px, 3:1 against what surrounds it: the measure of
tests/e2e/sweep.py, RGAA 10.7 and 3.3).
"""

import datetime
import re

from django.utils import timezone

from tests.e2e.sweep import FOCUS_MEASURE, MIN_FOCUS_RATIO, MIN_FOCUS_WIDTH

# More stops than any page of the journeys has before what they look for.
MAX_TABS = 120

# The focused element's ring, measured; None when nothing but the page itself has the focus.
FOCUSED_JS = (
    "(target) => { const measure = "
    + FOCUS_MEASURE
    + """;
    const el = document.activeElement;
    if (!el || el === document.body || el === document.documentElement) return null;
    // A date field's calendar button sits in the field's own shadow tree: focused, it leaves
    // the field :focus-within only, and the field's ring is what shows it (static/css/app.css).
    const inner = !el.matches(':focus') && el.matches(':focus-within');
    const ring = measure(el);
    return { ...ring, visible: ring.visible || inner, target: target ? el === target : false,
             label: (el.getAttribute('aria-label') || el.textContent || el.value || el.name || '')
                 .trim().replace(/\\s+/g, ' ').slice(0, 60) };
}"""
)


class Keyboard:
    def __init__(self, page):
        self.page = page

    def log_in(self, email, password, check_axe):
        """The login page, checked by axe-core, filled and sent with the keyboard."""
        self.page.goto("/connexion/")
        check_axe(self.page)
        field = self.page.get_by_label("Adresse e-mail")
        focused = self._focused(field.element_handle())
        assert focused and focused["target"], "le champ de l'adresse n'a pas le focus à l'arrivée"
        self._assert_visible(focused)  # the form's first field is focused (autofocus)
        self.type(email)
        self.tab_to(self.page.get_by_label("Mot de passe"))
        self.type(password)
        self.follow()  # Enter in a field sends its form
        assert "/connexion/" not in self.page.url, f"{email} n'a pas pu se connecter"

    # --- moving the focus ----------------------------------------------------------------------
    def skip_to_content(self):
        """On a page just loaded: Tab reaches "Aller au contenu", Enter lands in <main>.

        After a form posted from a page reached by the skip link, the browser keeps "#contenu"
        through the server's redirect (as HTTP says a fragment does): the new page opens at its
        content already, where the next Tab starts."""
        if self.page.url.endswith("#contenu"):
            return
        self.page.keyboard.press("Tab")
        focused = self._focused()
        assert focused and focused["label"] == "Aller au contenu", (
            f"{self.page.url} : le premier arrêt de Tab n'est pas le lien d'évitement ({focused})"
        )
        self.page.keyboard.press("Enter")
        assert self.page.evaluate("document.activeElement.id") == "contenu", (
            f"{self.page.url} : le lien d'évitement ne mène pas au contenu"
        )

    def tab_to(self, locator, *, backwards=False, limit=MAX_TABS):
        """Press Tab (Shift+Tab) until `locator` has the focus; every stop shows its ring."""
        target = locator.element_handle()
        key = "Shift+Tab" if backwards else "Tab"
        for _ in range(limit):
            self.page.keyboard.press(key)
            focused = self._focused(target)
            if focused is None:
                continue
            self._assert_visible(focused)
            if focused["target"]:
                return
        raise AssertionError(f"{self.page.url} : {limit} × {key} sans atteindre {locator}")

    def _focused(self, target=None):
        return self.page.evaluate(FOCUSED_JS, target)

    def _assert_visible(self, focused):
        assert (
            focused["visible"]
            and focused["drawn"]
            and focused["width"] >= MIN_FOCUS_WIDTH
            and focused["ratio"] >= MIN_FOCUS_RATIO
        ), (
            f"{self.page.url} : focus peu visible sur « {focused['label']} » (contour "
            f"{focused['width']} px, contraste {focused['ratio']}:1, :focus-visible "
            f"{focused['visible']}) — {focused['what']}"
        )

    # --- acting on the focused element ---------------------------------------------------------
    def type(self, text):
        self.page.keyboard.type(text)

    def press(self, key):
        self.page.keyboard.press(key)

    def follow(self, key="Enter"):
        """Follow the focused link or submit the focused button's form; wait for the new page."""
        with self.page.expect_navigation():
            self.page.keyboard.press(key)
        self.page.wait_for_load_state("networkidle")

    def download(self, key="Enter"):
        """Activate the focused link of a file; the Playwright download."""
        with self.page.expect_download() as info:
            self.page.keyboard.press(key)
        return info.value

    def choose_file(self, path):
        """On the focused file field: Space opens the file chooser, which is given `path`."""
        with self.page.expect_file_chooser() as info:
            self.page.keyboard.press("Space")
        info.value.set_files(path)

    def select(self, locator, label, *, limit=30):
        """On the focused closed <select>: ArrowDown until the option `label` is chosen."""
        for _ in range(limit):
            chosen = locator.evaluate("(s) => s.selectedOptions[0]?.textContent.trim()")
            if chosen == label:
                return
            self.page.keyboard.press("ArrowDown")
        raise AssertionError(f"option « {label} » introuvable avec les flèches dans {locator}")


def squeeze(text):
    return re.sub(r"\s+", " ", text).strip()


def at_two_pm(days):
    """Two in the afternoon, Paris time, `days` from today (negative: past): a meeting's hour."""
    day = timezone.localdate() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(14)))
