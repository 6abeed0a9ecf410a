"""The RGAA sweep: every role, every page it reaches by following links (tests/e2e/sweep.py).

Each page is checked by axe-core against WCAG 2.1 A and AA (what RGAA 4.1 builds on), any
impact; for ids used twice; for tables without caption or scroll container; for a focus ring
under 3:1 or under 2 px; and at 320 and 360 px for a page that scrolls sideways. New pages are
covered as soon as a link leads to them. The technical administrator works in Django's admin,
which is not swept: only the statement is ours for that role. /accessibilite/ says what this
proves and what it does not.
"""

import time

from axe_playwright_python.sync_playwright import Axe

from accounts.demo import ACCOUNTS
from accounts.enums import Role
from tests.e2e.sweep import FOCUS_KINDS, crawl

# One demo account per role, in the order of accounts/demo.py; None is the anonymous visitor.
ACCOUNT_OF_ROLE = {}
for key, (_, _, role, _) in ACCOUNTS.items():
    ACCOUNT_OF_ROLE.setdefault(role, key)


def test_every_page_of_every_role_meets_rgaa(demo_data, page_as):
    assert set(ACCOUNT_OF_ROLE) == set(Role), "chaque rôle doit avoir un compte de démonstration"
    axe = Axe()
    reports, problems, focus_kinds, pages, axe_runs = [], 0, set(), 0, 0
    started = time.monotonic()
    contrasted = set()  # URL patterns whose colour contrast axe-core has checked
    for key in [None, *ACCOUNT_OF_ROLE.values()]:
        page = page_as(key)
        sweep = crawl(page, [page.url, "/accessibilite/"], axe, contrasted)
        page.context.close()
        name = key or "visiteur anonyme"
        assert sweep.pages, f"{name} : aucune page parcourue"
        pages += len(sweep.pages)
        axe_runs += sweep.axe_runs
        focus_kinds |= sweep.focus_kinds
        if sweep.problems:
            problems += len(sweep.problems)
            reports.append(sweep.report(name))
    assert not reports, f"{problems} problème(s) d'accessibilité :\n" + "\n\n".join(reports)
    # Every kind of focusable element was measured somewhere (the check cannot pass empty).
    assert focus_kinds == set(FOCUS_KINDS), set(FOCUS_KINDS) - focus_kinds
    print(f"RGAA : {pages} pages, {axe_runs} passages d'axe, {time.monotonic() - started:.0f} s")
