"""The means and the funnel over time (issue 12, point 2): hand-worked from
tests/reporting/world.py plus the few records each test adds, across a month boundary."""

import datetime

import pytest
from django.urls import reverse

from accompaniments.models import Accompaniment, AccompanimentStatus, ClosureReason
from households.enums import Public, Status
from reporting.indicators import Scope, compute, table_of
from reporting.periods import Period
from reporting.series import attach_measures, measure_series
from reporting.suppression import MASKED, PRIMARY, suppress
from tests.conftest import require_postgresql
from tests.factories import HouseholdFactory
from tests.reporting.world import at, build, history

YEAR = Scope(Period.year(2025))


@pytest.fixture
def world(db, social_worker):
    return build(social_worker)


def points(series, line):
    return next(item["points"] for item in series["lines"] if item["key"] == line)


def closed(referent, start, end):
    household = HouseholdFactory(referent=referent, public=Public.DALO)
    return Accompaniment.objects.create(
        household=household,
        start=start,
        planned_end=end,
        status=AccompanimentStatus.CLOSED,
        closed_on=end,
        closure_reason=ClosureReason.AUTONOMY,
    )


def test_mean_duration_per_month_across_a_month_boundary(world, social_worker):
    # H1: 10/03 → 20/06 (102 days); added: 01/04 → 30/06 (90 days), 02/05 → 01/07 (60 days).
    closed(social_worker, datetime.date(2025, 4, 1), datetime.date(2025, 6, 30))
    closed(social_worker, datetime.date(2025, 5, 2), datetime.date(2025, 7, 1))
    series = measure_series("accompaniments.durations", YEAR)
    assert series["kind"] == "measure_series" and series["step"] == "month"
    assert [b["key"] for b in series["buckets"]][5:7] == ["2025-06", "2025-07"]
    line = points(series, "mean_months")
    # June: (102 + 90) / 2 = 96 days = 3.15 months; July: 60 days = 1.97 months.
    assert [(p["value"], p["n"]) for p in line[4:8]] == [(None, 0), (3.2, 2), (2.0, 1), (None, 0)]
    assert line[5]["change"] is None  # May has no closure
    assert line[6]["change"] == -1.2
    assert line[7]["change"] is None


def test_contact_frequency_per_month(world):
    series = measure_series("accompaniments.contact_frequency", YEAR)
    visits = points(series, "home_visit")
    # April: H1 30 days + H2 30 days, no visit; May: 31 + 31 days (2.04 months), one visit.
    assert [(p["value"], p["n"]) for p in visits[3:6]] == [(0.0, 2), (0.49, 2), (0.0, 2)]
    assert visits[4]["change"] == 0.49 and visits[5]["change"] == -0.49
    # December: H2 and H3 the whole month, one visit; November: H3 from the 15th only.
    assert visits[10]["value"] == 0.0 and visits[11]["value"] == 0.49
    assert [p["n"] for p in visits] == [1, 1, 2, 2, 2, 2, 1, 1, 1, 1, 2, 2]


def test_funnel_medians_per_month_across_a_month_boundary(world):
    require_postgresql("les médianes du parcours (PERCENTILE_CONT)")
    # Proposed to the cellule at 23:30 on 31/01 (January in Caen) and at 00:15 on 01/02
    # (still 31/01 in UTC, February in Caen).
    january, february = HouseholdFactory(), HouseholdFactory()
    history(
        january,
        (Status.PRESELECTED, at(2025, 1, 11)),
        (Status.AWAITING_LEVEL, at(2025, 1, 31, 23, 30)),
    )
    history(
        february,
        (Status.PRESELECTED, at(2025, 1, 1)),
        (Status.AWAITING_LEVEL, at(2025, 2, 1, 0, 15)),
    )
    series = measure_series("programme.funnel", YEAR)
    proposed = points(series, str(Status.AWAITING_LEVEL))
    # 20 days 13 h 30 = 20.56 days; 31 days 14 h 15 = 30.59 days (11/01 → 31/01 is 20 days).
    assert [(p["value"], p["n"]) for p in proposed[:3]] == [(20.6, 1), (30.6, 1), (None, 0)]
    assert proposed[1]["change"] == 10.0 and proposed[2]["change"] is None
    # H1: diagnostic 35 days after the proposal (January), admitted 27 days later (February),
    # accompanied 37 days later (March), autonomous in June.
    assert points(series, str(Status.DIAGNOSTIC))[0]["value"] == 35.0
    assert points(series, str(Status.ADMITTED))[1]["value"] == 27.0
    assert points(series, str(Status.ACCOMPANIED))[2]["value"] == 37.0
    assert points(series, str(Status.POST_AUTONOMY))[5]["value"] == 102.0
    assert str(Status.PRESELECTED) not in {line["key"] for line in series["lines"]}


def test_long_periods_are_quarterly(world):
    scope = Scope(Period(Period.year(2024).start, Period.year(2025).end))
    series = measure_series("accompaniments.durations", scope)
    assert series["step"] == "quarter" and len(series["buckets"]) == 8
    line = points(series, "mean_months")
    # H4: 01/01/2023 → 30/06/2024 = 546 days (Q2 2024); H1: 102 days (Q2 2025).
    assert (line[1]["value"], line[1]["n"]) == (17.9, 1)
    assert (line[5]["value"], line[5]["n"]) == (3.4, 1)


def test_small_means_are_hidden_and_so_are_the_changes_they_touch(world, social_worker):
    closed(social_worker, datetime.date(2025, 4, 1), datetime.date(2025, 6, 30))
    closed(social_worker, datetime.date(2025, 5, 2), datetime.date(2025, 7, 1))
    figures = attach_measures(compute(YEAR, with_previous=False), YEAR)
    # With a threshold of 2: June (2 households) shows, July (1) is hidden, and so is the
    # change July → June; the contact frequency of March (2 households) shows, its change
    # from February (H2 alone) does not.
    two = suppress(figures, threshold=2)
    line = points(table_of(two, "accompaniments", "durations")["series"], "mean_months")
    assert (line[5]["value"], line[5]["n"]) == (3.2, 2)
    assert (line[6]["value"], line[6]["n"], line[6]["change"]) == (MASKED, PRIMARY, MASKED)
    assert (line[7]["value"], line[7]["n"], line[7]["change"]) == (None, 0, None)
    visits = points(table_of(two, "accompaniments", "contact_frequency")["series"], "home_visit")
    assert visits[1]["value"] == MASKED
    assert visits[2]["value"] == 0.0 and visits[2]["change"] == MASKED
    # The real threshold (5): nothing of this small world shows.
    five = suppress(figures)
    for table in ("durations", "contact_frequency"):
        for item in table_of(five, "accompaniments", table)["series"]["lines"]:
            assert all(p["value"] in (MASKED, None) for p in item["points"])
            assert all(p["change"] in (MASKED, None) for p in item["points"])
    for item in table_of(five, "programme", "funnel")["series"]["lines"]:
        assert all(p["value"] in (MASKED, None) for p in item["points"])
    assert figures["groups"] != five["groups"]  # the unsuppressed figures are left alone


def test_the_dashboard_draws_the_series_for_each_reader(world, client, ccas_manager, state_reader):
    require_postgresql("les médianes du parcours (PERCENTILE_CONT)")
    client.force_login(ccas_manager)
    response = client.get(reverse("reporting:dashboard"), {"periode": "annee", "annee": 2025})
    funnel = table_of(response.context["figures"], "programme", "funnel")
    assert funnel["over_time"]["summary"].startswith(
        "Diagnostic en cours : délai médian (jours) par mois : 35 en janv. 2025"
    )
    page = response.content.decode()
    assert 'aria-labelledby="e-programme-funnel"' in page
    assert 'aria-labelledby="e-accompaniments-durations"' in page
    client.force_login(state_reader)
    response = client.get(reverse("reporting:dashboard"), {"periode": "annee", "annee": 2025})
    durations = table_of(response.context["figures"], "accompaniments", "durations")
    assert points(durations["series"], "mean_months")[5] == {
        "key": "2025-06",
        "value": MASKED,
        "n": PRIMARY,
        "change": None,
    }
    assert durations["over_time"]["summary"] == (
        "Durée moyenne (mois) : valeurs masquées (moins de 5 ménages)."
    )


def test_the_series_of_the_means_take_a_fixed_number_of_queries(
    world, social_worker, django_assert_num_queries
):
    figures = compute(YEAR, with_previous=False)
    with django_assert_num_queries(4):
        attach_measures(figures, YEAR)
    for i in range(10):
        closed(social_worker, datetime.date(2025, 1 + i, 1), datetime.date(2025, 2 + i, 1))
    with django_assert_num_queries(4):
        attach_measures(figures, YEAR)


def test_a_version_stored_without_series_differs_only_by_its_figures(world):
    from reporting import bilans

    today = bilans.live(2025)
    stored = compute(YEAR)  # as a version approved before the series were kept
    assert table_of(today, "programme", "funnel")["series"]["lines"]
    assert bilans.differences(stored, today) == []
