"""Browser journeys: Debian's Chromium driven by Playwright, against pytest-django's live server."""

import io
import os
import re
import shutil
from pathlib import Path

import factory.random
import pytest
from django.conf import settings
from django.core.management import call_command

from accounts.demo import email_of
from tests.conftest import service_unavailable

# Playwright's sync API runs an event loop in this thread; the ORM calls made by the test
# itself (factories, assertions) are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--lang=fr-FR",
]
# The context's `locale="fr-FR"` reaches navigator.language, Intl and Accept-Language, not the
# browser's own widgets: Chromium on Linux takes their language from the environment (the date
# field's 29/11/2026 23:46, « Choisir un fichier »), with Debian's chromium-l10n for the words.
CHROMIUM_ENV = {**os.environ, "LANGUAGE": "fr", "LANG": "fr_FR.UTF-8"}
PASSWORD = "Mot-de-passe-Test-2026!"  # tests.factories.UserFactory's password


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(autouse=True)
def _steady_names(request):
    """The journeys per user kind show the same made-up names at every run (their screenshots
    are documentation): the factories' random draws start from the test's name."""
    if request.module.__name__.rpartition(".")[2].startswith("test_journey_"):
        factory.random.reseed_random(request.node.name)


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        service_unavailable(f"Chromium introuvable ({CHROMIUM})")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, env=CHROMIUM_ENV, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def viewport():
    return {"width": 1280, "height": 900}


@pytest.fixture
def device():
    """More options of the browser context: `{"is_mobile": True, "has_touch": True}` for a phone."""
    return {}


@pytest.fixture
def page(browser, live_server, viewport, device):
    context = browser.new_context(
        base_url=live_server.url,
        viewport=viewport,
        locale="fr-FR",
        timezone_id="Europe/Paris",
        **device,
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def login_as(page):
    def login(user, password=PASSWORD):
        page.goto("/connexion/")
        page.get_by_label("Adresse e-mail").fill(user.email)
        page.get_by_label("Mot de passe").fill(password)
        page.get_by_role("button", name="Se connecter").click()
        page.wait_for_load_state("networkidle")
        return page

    return login


@pytest.fixture
def check_axe():
    """Run axe-core (the copy bundled in axe-playwright-python, no CDN) on the current page;
    fail on any serious or critical violation, each listed with the elements at fault."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()

    def check(page):
        results = axe.run(page)
        bad = [
            v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")
        ]
        assert not bad, f"Violations d'accessibilité sur {page.url} :\n" + "\n".join(
            axe_violation(v) for v in bad
        )

    return check


def axe_violation(violation, nodes=3):
    """One axe-core violation, readable: rule, impact, help, then each element and its fault."""
    lines = [f"- {violation['id']} ({violation['impact']}) : {violation['help']}"]
    for node in violation["nodes"][:nodes]:
        summary = " ".join(node.get("failureSummary", "").split())
        lines.append(f"    {node['target']} {node['html'][:120]}\n      {summary[:300]}")
    if len(violation["nodes"]) > nodes:
        lines.append(f"    … et {len(violation['nodes']) - nodes} autre(s) élément(s)")
    return "\n".join(lines)


@pytest.fixture
def screenshot():
    """`screenshot(page, "manager-1-agenda")`: with SCREENSHOTS_DIR set (`make screenshots`),
    the whole page as docs/screenshots/manager-1-agenda.png, in 256 colours; else nothing."""
    folder = os.environ.get("SCREENSHOTS_DIR")

    def shoot(page, name):
        if not folder:
            return
        from PIL import Image  # WeasyPrint's dependency

        path = Path(folder) / f"{name}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=path, full_page=True, animations="disabled", caret="hide")
        # A short page stops at its footer, not at the bottom of the window.
        height = page.evaluate("Math.ceil(document.body.getBoundingClientRect().height)")
        with Image.open(path) as image:
            image = image.crop((0, 0, image.width, min(image.height, height)))
            small = image.convert("RGB").quantize(colors=256, dither=Image.Dither.NONE)
        small.save(path, optimize=True)

    return shoot


def ending(path, query=False):
    """A URL pattern for `expect(page).to_have_url(...)`: ends with `path` (then maybe a query)."""
    return re.compile(re.escape(path) + (r"(\?.*)?$" if query else "$"))


@pytest.fixture
def demo_data(transactional_db):
    """`seed_demo` on a few households: every page of every role has something to show; and an
    open signal on one of ts1's households, whatever the day's draws, for the yellow box of
    /mon-suivi/."""
    from accompaniments.models import Accompaniment
    from accounts.models import User
    from tests.accompaniments.factories import SignalFactory

    call_command("seed_demo", households=30, stdout=io.StringIO())
    ts1 = User.objects.get(email=email_of("ts1"))
    SignalFactory(household=Accompaniment.objects.caseload_of(ts1).order_by("pk")[0].household)


@pytest.fixture
def page_as(browser, live_server):
    """`page_as("ts1")`: a new browser page logged in as that demo account (accounts/demo.py),
    `page_as(None)` an anonymous one; each in its own context, closed after the test."""
    contexts = []

    def open_page(key, viewport=None):
        context = browser.new_context(
            base_url=live_server.url,
            viewport=viewport or {"width": 1280, "height": 900},
            locale="fr-FR",
            timezone_id="Europe/Paris",
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.goto("/connexion/")
        if key:
            page.get_by_label("Adresse e-mail").fill(email_of(key))
            page.get_by_label("Mot de passe").fill(settings.DEMO_PASSWORD)
            page.get_by_role("button", name="Se connecter").click()
            page.wait_for_load_state("networkidle")
            assert "/connexion/" not in page.url, f"{key} n'a pas pu se connecter"
        return page

    yield open_page
    for context in contexts:
        context.close()
