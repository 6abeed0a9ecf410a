"""Who reads what: suppressed aggregates outside the CCAS, the households behind a figure inside."""

import datetime
import json

import pytest
from django.urls import reverse

from accompaniments.models import Accompaniment
from audit.models import AuditEntry
from households.enums import Public, Status
from reporting.indicators import Scope, compute, table_of
from reporting.periods import Period
from reporting.suppression import MASKED, PRIMARY, suppress
from tests.factories import HouseholdFactory
from tests.reporting.world import build

YEAR = {"periode": "annee", "annee": 2025}


@pytest.fixture
def world(db, social_worker):
    return build(social_worker)


def counts_table(values, total=True):
    rows = [{"key": k, "label": k, "value": v, "previous": None, "change": None} for k, v in values]
    return {
        "groups": [
            {
                "key": "g",
                "title": "G",
                "tables": [
                    {
                        "key": "t",
                        "title": "T",
                        "kind": "counts",
                        "partition": True,
                        "unit": "ménages",
                        "rows": rows,
                        "total": sum(v for _, v in values) if total else None,
                    }
                ],
            }
        ]
    }


def test_a_lone_small_cell_takes_a_second_cell_and_the_total_with_it():
    table = suppress(counts_table([("a", 3), ("b", 20), ("c", 10), ("d", 0)]))["groups"][0][
        "tables"
    ][0]
    assert [row["value"] for row in table["rows"]] == [PRIMARY, 20, MASKED, 0]
    assert table["total"] == MASKED


def test_no_suppression_when_every_cell_is_large_or_zero():
    table = suppress(counts_table([("a", 0), ("b", 20), ("c", 10)]))["groups"][0]["tables"][0]
    assert [row["value"] for row in table["rows"]] == [0, 20, 10]
    assert table["total"] == 30


def test_a_small_total_is_suppressed_too():
    table = suppress(counts_table([("a", 3), ("b", 0)]))["groups"][0]["tables"][0]
    assert table["rows"][0]["value"] == PRIMARY and table["total"] == PRIMARY


def recomputable(table):
    """Could a hidden cell be found back from the total and the visible cells?"""
    hidden = [row for row in table["rows"] if row["value"] in (PRIMARY, MASKED)]
    return isinstance(table["total"], int) and len(hidden) == 1


def test_no_table_of_the_real_report_lets_a_small_cell_be_recomputed(world):
    figures = suppress(compute(Scope(Period.year(2025))))
    seen_hidden = 0
    for group in figures["groups"]:
        for table in group["tables"]:
            if table["kind"] != "counts":
                continue
            values = [row["value"] for row in table["rows"]]
            assert not any(isinstance(v, int) and 0 < v < 5 for v in values), table["key"]
            hidden = sum(v in (PRIMARY, MASKED) for v in values)
            seen_hidden += hidden
            if hidden:
                assert table["total"] in (None, PRIMARY, MASKED), table["key"]
                assert (
                    table.get("partition") is False or hidden >= 2 or table["total"] in (PRIMARY,)
                ), table["key"]
                assert not recomputable(table)
            for row in table["rows"]:
                if row["value"] in (PRIMARY, MASKED):
                    assert row["change"] in (None, MASKED)
    assert seen_hidden  # the small data set does exercise suppression
    durations = table_of(figures, "accompaniments", "durations")["rows"][0]
    assert durations["value"] == MASKED and durations["n"] == PRIMARY
    progress = {r["key"]: r["value"] for r in table_of(figures, "programme", "progress")["rows"]}
    assert progress["accompanied_since_start"] == PRIMARY
    assert progress["progress_percent"] == MASKED  # 2.5 % of 120 would give back 3
    assert progress["target"] == 120


@pytest.mark.parametrize("role", ["state_reader", "letting_officer", "cellule_member"])
def test_readers_outside_the_ccas_get_suppressed_figures(world, client, request, role):
    client.force_login(request.getfixturevalue(role))
    response = client.get(reverse("reporting:dashboard"), YEAR)
    assert response.status_code == 200
    figures = response.context["figures"]
    assert figures["suppressed"]
    assert table_of(figures, "households", "origin")["rows"][0]["value"] == PRIMARY
    html = response.content.decode()
    assert "&lt; 5" in html
    assert reverse("reporting:households") not in html  # no way to the households
    assert world.h1.reference not in html
    download = client.get(reverse("reporting:bilan_download", args=[2025, "json"]))
    data = json.loads(download.content)
    assert data["suppressed"]
    assert table_of(data, "households", "origin")["total"] == PRIMARY  # 3 households


def test_ccas_roles_see_every_figure_and_the_households_behind_it(world, client, ccas_manager):
    client.force_login(ccas_manager)
    response = client.get(reverse("reporting:dashboard"), YEAR)
    figures = response.context["figures"]
    assert not figures["suppressed"]
    assert table_of(figures, "households", "origin")["total"] == 3
    html = response.content.decode()
    link = "tableau=rehousing.by_solution&amp;ligne=stay"
    assert link in html
    before = AuditEntry.objects.count()
    behind = client.get(
        reverse("reporting:households"),
        {**YEAR, "tableau": "rehousing.by_solution", "ligne": "stay"},
    )
    assert behind.status_code == 200
    assert world.h1.reference in behind.content.decode()
    assert world.h2.reference not in behind.content.decode()
    entry = AuditEntry.objects.order_by("-pk").first()
    assert AuditEntry.objects.count() == before + 1
    assert entry.household_id == world.h1.pk and entry.actor == ccas_manager
    assert "Maintien dans les lieux" in entry.label


@pytest.mark.parametrize("role", ["state_reader", "letting_officer", "tenancy_officer"])
def test_the_households_behind_a_figure_are_ccas_only(world, client, request, role):
    client.force_login(request.getfixturevalue(role))
    response = client.get(
        reverse("reporting:households"),
        {**YEAR, "tableau": "households.origin", "ligne": "eviction"},
    )
    assert response.status_code == 403


def test_the_tenancy_officer_has_no_dashboard(db, client, tenancy_officer):
    client.force_login(tenancy_officer)
    assert client.get(reverse("reporting:dashboard")).status_code == 403


def grow(referent, n):
    """`n` more accompanied households, each with a little of everything."""
    from tests.accompaniments.factories import ContactFactory, ObjectiveFactory, SignalFactory

    for i in range(n):
        household = HouseholdFactory(
            referent=referent,
            status=Status.ACCOMPANIED,
            public=[Public.DALO, Public.EVICTION_THREAT, Public.ALT][i % 3],
        )
        acc = Accompaniment.objects.create(
            household=household,
            start=datetime.date(2025, 1 + i % 12, 1),
            planned_end=datetime.date(2026, 1 + i % 12, 1),
        )
        ObjectiveFactory(accompaniment=acc)
        ContactFactory(accompaniment=acc)
        SignalFactory(household=household)


def test_the_dashboard_query_count_does_not_grow_with_the_households(
    world, client, ccas_manager, social_worker, count_queries, settings
):
    settings.DASHBOARD_SNAPSHOT_SECONDS = 0  # every view computes (the snapshots: test_snapshots)
    client.force_login(ccas_manager)
    client.get(reverse("reporting:dashboard"), YEAR)  # warm the session and caches
    with count_queries() as small:
        assert client.get(reverse("reporting:dashboard"), YEAR).status_code == 200
    grow(social_worker, 30)
    with count_queries() as large:
        response = client.get(reverse("reporting:dashboard"), YEAR)
    assert table_of(response.context["figures"], "households", "origin")["total"] == 33
    assert len(large.captured_queries) == len(small.captured_queries)
    assert len(small.captured_queries) < 75  # 104 before the figures came from the series


def test_a_custom_period_ending_before_it_starts_is_refused(db, client, ccas_manager):
    client.force_login(ccas_manager)
    response = client.get(
        reverse("reporting:dashboard"),
        {"periode": "dates", "debut": "2025-05-01", "fin": "2025-04-01"},
    )
    assert response.status_code == 400
    assert "La fin de la période doit être postérieure à son début." in response.content.decode()
    assert 'value="2025-05-01"' in response.content.decode()  # the input is kept


def test_a_year_before_the_programme_is_refused(db, client, state_reader):
    client.force_login(state_reader)
    response = client.get(reverse("reporting:dashboard"), {"periode": "annee", "annee": 2019})
    assert response.status_code == 400
    assert "Le dispositif a commencé en 2024" in response.content.decode()
    response = client.get(reverse("reporting:bilan_year", args=[2019]))
    assert response.status_code == 400
    assert "pas de bilan pour 2019" in response.content.decode()
    assert client.get(reverse("reporting:bilan_download", args=[2019, "pdf"])).status_code == 400


def test_quarter_and_custom_periods(world, client, ccas_manager):
    client.force_login(ccas_manager)
    response = client.get(
        reverse("reporting:dashboard"), {"periode": "trimestre", "annee": 2025, "trimestre": 3}
    )
    figures = response.context["figures"]
    assert figures["period"]["label"] == "3e trimestre 2025"
    assert figures["previous_period"]["label"] == "2e trimestre 2025"
    activity = {r["key"]: r for r in table_of(figures, "accompaniments", "activity")["rows"]}
    assert activity["accompanied"]["value"] == 1 and activity["accompanied"]["previous"] == 2
    response = client.get(
        reverse("reporting:dashboard"),
        {"periode": "dates", "debut": "2025-03-01", "fin": "2025-03-31", "public": "dalo"},
    )
    figures = response.context["figures"]
    assert figures["period"]["label"] == "Du 01/03/2025 au 31/03/2025"
    assert {r["key"]: r["value"] for r in table_of(figures, "households", "origin")["rows"]} == {
        "emergency": 0,
        "eviction": 0,
        "mediation": 1,
    }
