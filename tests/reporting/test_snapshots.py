"""The dashboard shows a snapshot of its figures (reporting/snapshots.py, docs/reporting.md): a
fresh one is served as stored, an expired one computed again, the « Actualiser les chiffres »
button recomputes, the snapshots of the CCAS and of the other readers never cross, and the
periodic job renews the current year's and purges the old ones."""

import datetime
import io
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from caen_accompagnement.celery import app
from notifications.enums import Outcome
from notifications.models import JobRun
from reporting.indicators import Scope, table_of
from reporting.models import DashboardSnapshot
from reporting.periods import Period
from reporting.snapshots import scope_key
from tests.reporting.test_access_and_suppression import grow
from tests.reporting.world import build

YEAR = {"periode": "annee", "annee": 2025}
KEY = "periode=annee&annee=2025"


@pytest.fixture
def world(db, social_worker):
    return build(social_worker)


def dashboard(client, params=YEAR):
    response = client.get(reverse("reporting:dashboard"), params)
    assert response.status_code == 200
    return response


def origin_total(response):
    return table_of(response.context["figures"], "households", "origin")["total"]


def figures_html(response):
    """The stored fragment as the page shows it."""
    page = response.content.decode()
    snapshot = response.context["snapshot"]
    assert snapshot.html in page
    return snapshot.html


def test_a_fresh_snapshot_is_served_without_recomputing(
    world, client, ccas_manager, social_worker, count_queries
):
    client.force_login(ccas_manager)
    first = dashboard(client)
    assert origin_total(first) == 3  # computed, then stored
    with count_queries() as chrome:  # the page around the figures: session, user, form
        assert client.get(reverse("reporting:dashboard"), {"periode": "x"}).status_code == 400
    with count_queries() as cached:
        served = dashboard(client)
    assert served.context["figures"] is None  # nothing computed
    assert figures_html(served) == figures_html(first)
    assert len(cached.captured_queries) <= len(chrome.captured_queries) + 2
    grow(social_worker, 10)
    with count_queries() as still_cached:
        again = dashboard(client)
    assert len(still_cached.captured_queries) == len(cached.captured_queries)
    assert figures_html(again) == figures_html(first)  # the snapshot, not the new households
    assert DashboardSnapshot.objects.count() == 1


def test_the_stored_fragment_carries_no_indentation_nor_blank_line(world, client, ccas_manager):
    client.force_login(ccas_manager)
    html = figures_html(dashboard(client))
    assert "Origine des ménages" in html and "<table" in html
    assert re.search(r"\n[ \t]|\n\n", html) is None  # half its weight at 10,000 households


def test_an_expired_snapshot_is_computed_again(
    world, client, ccas_manager, social_worker, settings
):
    settings.DASHBOARD_SNAPSHOT_SECONDS = 600
    client.force_login(ccas_manager)
    dashboard(client)
    grow(social_worker, 2)
    assert dashboard(client).context["figures"] is None  # still fresh: 3 households shown
    DashboardSnapshot.objects.update(computed_at=timezone.now() - datetime.timedelta(seconds=601))
    response = dashboard(client)
    assert origin_total(response) == 5
    snapshot = DashboardSnapshot.objects.get()  # replaced, not added
    assert timezone.now() - snapshot.computed_at < datetime.timedelta(seconds=60)
    assert dashboard(client).context["figures"] is None


def refresh_form(response):
    """(action, one-time key) of the page's « Actualiser les chiffres » form."""
    page = response.content.decode()
    refresh = re.escape(reverse("reporting:dashboard_refresh"))
    form = re.search(rf'<form method="post"\s+action="({refresh}[^"]*)".*?</form>', page, re.S)
    assert form and "Actualiser les chiffres" in form.group(0)
    key = re.search(r'name="once_key" value="([0-9a-f-]{36})"', form.group(0)).group(1)
    return form.group(1).replace("&amp;", "&"), key


def test_the_refresh_button_computes_the_figures_again(world, client, ccas_manager, social_worker):
    client.force_login(ccas_manager)
    shown = dashboard(client)
    before = figures_html(shown)
    action, key = refresh_form(shown)
    assert action == reverse("reporting:dashboard_refresh") + "?" + KEY
    grow(social_worker, 2)
    assert dashboard(client).context["figures"] is None
    response = client.post(action, {"once_key": key})
    assert response.status_code == 302
    assert response.url == reverse("reporting:dashboard") + "?" + KEY
    page = client.get(response.url)
    assert "Chiffres recalculés." in page.content.decode()
    assert page.context["figures"] is None  # the snapshot the button just stored
    total = '<td class="text-end fw-bold">5</td>'  # 3 households, then 5
    assert figures_html(page) != before
    assert figures_html(page).count(total) > before.count(total)
    assert client.get(action).status_code == 405


def test_a_refresh_of_refused_filters_answers_400_in_french(world, client, state_reader):
    client.force_login(state_reader)
    url = reverse("reporting:dashboard_refresh") + "?periode=annee&annee=2019"
    response = client.post(url)
    assert response.status_code == 400
    assert "Le dispositif a commencé en 2024" in response.content.decode()
    assert not DashboardSnapshot.objects.exists()


def test_the_refresh_is_refused_to_whoever_has_no_dashboard(db, client, tenancy_officer):
    client.force_login(tenancy_officer)
    url = reverse("reporting:dashboard_refresh") + "?" + KEY
    assert client.post(url).status_code == 403
    assert not DashboardSnapshot.objects.exists()


def test_the_ccas_and_the_other_readers_never_share_a_snapshot(
    world, client, ccas_manager, state_reader
):
    households_link = reverse("reporting:households")
    client.force_login(ccas_manager)
    ccas = dashboard(client)
    assert households_link in figures_html(ccas) and "&lt; 5" not in figures_html(ccas)

    client.force_login(state_reader)  # the DDCS: a snapshot of its own, computed for it
    ddcs = dashboard(client)
    assert ddcs.context["figures"]["suppressed"]
    assert households_link not in figures_html(ddcs) and "&lt; 5" in figures_html(ddcs)
    assert dashboard(client).context["snapshot"].html == figures_html(ddcs)  # then served

    # The CCAS's refresh renews the CCAS's snapshot only.
    client.force_login(ccas_manager)
    action, key = refresh_form(dashboard(client))
    client.post(action, {"once_key": key})
    client.force_login(state_reader)
    served = dashboard(client)
    assert served.context["figures"] is None
    assert households_link not in figures_html(served) and "&lt; 5" in figures_html(served)
    assert sorted(
        DashboardSnapshot.objects.values_list("scope_key", "suppressed", "can_drill")
    ) == [(KEY, False, True), (KEY, True, False)]


def test_the_drill_down_links_carry_the_normalised_filters(world, client, ccas_manager):
    client.force_login(ccas_manager)
    # The same scope asked two ways: one snapshot, whose links name the scope fully.
    dashboard(client, {"annee": 2025, "periode": "annee", "public": ""})
    served = dashboard(client, {"periode": "annee", "annee": "2025", "source": ""})
    assert served.context["figures"] is None
    query = KEY.replace("&", "&amp;")
    link = f"{reverse('reporting:households')}?{query}&amp;tableau=rehousing.by_solution&amp;ligne="
    assert link in figures_html(served)
    behind = client.get(
        reverse("reporting:households"),
        {**YEAR, "tableau": "rehousing.by_solution", "ligne": "stay"},
    )
    assert world.h1.reference in behind.content.decode()


def test_the_time_of_the_figures_is_shown_in_french(world, client, state_reader, settings):
    client.force_login(state_reader)
    response = dashboard(client)
    local = timezone.localtime(response.context["snapshot"].computed_at)
    page = response.content.decode()
    assert f"Chiffres calculés le {local:%d/%m/%Y} à {local:%H:%M}" in page
    assert "Actualiser les chiffres" in page
    # Summer time in Caen: 21:05 UTC is 23:05.
    settings.DASHBOARD_SNAPSHOT_SECONDS = 10 * 365 * 24 * 3600
    DashboardSnapshot.objects.update(
        computed_at=datetime.datetime(2026, 7, 14, 21, 5, tzinfo=ZoneInfo("UTC"))
    )
    page = dashboard(client).content.decode()
    assert re.search(r"Chiffres calculés le 14/07/2026 à 23:05\s", page)


def test_the_periodic_job_renews_the_current_year_and_purges(world, client, state_reader):
    this_year = scope_key(Scope(Period.year(timezone.localdate().year)))
    old = DashboardSnapshot.store(KEY, suppressed=True, can_drill=False, html="<p>vieux</p>")
    DashboardSnapshot.objects.filter(scope_key=KEY).update(
        computed_at=timezone.now() - datetime.timedelta(days=1, minutes=1)
    )
    recent = DashboardSnapshot.store(KEY, suppressed=False, can_drill=True, html="<p>récent</p>")
    call_command("setup_schedules", stdout=io.StringIO())
    entry = PeriodicTask.objects.get(task="reporting.refresh_dashboard")
    assert entry.crontab.minute == "*/10"
    app.loader.import_default_modules()
    assert app.tasks[entry.task].apply().get() == 3  # two snapshots written, one purged
    run = JobRun.objects.get(job="reporting.refresh_dashboard")
    assert run.outcome == Outcome.SUCCESS and run.processed == 3
    kept = set(DashboardSnapshot.objects.values_list("scope_key", "suppressed", "can_drill"))
    assert kept == {(this_year, False, True), (this_year, True, False), (KEY, False, True)}
    assert old.scope_key == recent.scope_key == KEY
    # A reader opening the dashboard finds the job's snapshot.
    client.force_login(state_reader)
    response = dashboard(client, {})
    assert response.context["figures"] is None
    assert response.context["snapshot"].scope_key == this_year


def test_the_periodic_job_computes_the_figures_once_for_both_readers(world):
    """The two snapshots of the job differ only by the suppression: the figures are computed
    once (one computation's queries, plus the stores and the purge), and each snapshot is the
    one its reader would get computed alone."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reporting import series, snapshots

    scope = Scope(Period.year(2025))
    with CaptureQueriesContext(connection) as one:
        series.compute_with_series(scope)
    with time_machine.travel(datetime.datetime(2025, 12, 1, 9, tzinfo=ZoneInfo("Europe/Paris"))):
        with CaptureQueriesContext(connection) as job:
            snapshots.refresh_default()
        written = {s.suppressed: s.html for s in DashboardSnapshot.objects.all()}
        assert len(job) < len(one) + 10 < 2 * len(one)
        for reader in snapshots.READERS:
            alone, _ = snapshots.compute_and_store(scope, **reader)
            assert alone.html == written[reader["suppressed"]]
    assert "&lt; 5" in written[True] and "&lt; 5" not in written[False]
