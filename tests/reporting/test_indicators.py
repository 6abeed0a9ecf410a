"""Each §7 indicator against the hand-built data set of tests/reporting/world.py."""

import pytest

from households.enums import Public
from reporting.indicators import Scope, compute, households_behind, table_of
from reporting.periods import Period
from tests.conftest import require_postgresql
from tests.reporting.world import build


def values(figures, group, table):
    return {row["key"]: row["value"] for row in table_of(figures, group, table)["rows"]}


def nonzero(figures, group, table):
    return {k: v for k, v in values(figures, group, table).items() if v}


@pytest.fixture
def world(db, social_worker):
    return build(social_worker)


@pytest.fixture
def year(world):
    return compute(Scope(Period.year(2025)))


def test_households_characteristics(year):
    assert nonzero(year, "households", "origin") == {"eviction": 1, "mediation": 1, "emergency": 1}
    assert table_of(year, "households", "origin")["total"] == 3  # H4 (2023-2024) is not counted
    assert nonzero(year, "households", "gender") == {"F": 2, "M": 1}
    assert nonzero(year, "households", "family_structure") == {
        "couple_children": 1,
        "single": 1,
        "single_parent": 1,
    }
    assert nonzero(year, "households", "age_band") == {"35_59": 1, "under_25": 1, "60_plus": 1}
    assert nonzero(year, "households", "employment") == {
        "employee": 1,
        "jobseeker": 1,
        "retired": 1,
    }


def test_family_structure_agrees_with_the_household_property(world, year):
    by_db = nonzero(year, "households", "family_structure")
    by_python = {}
    for h in (world.h1, world.h2, world.h3):
        by_python[h.family_structure] = by_python.get(h.family_structure, 0) + 1
    assert by_db == by_python


def test_a_person_listed_alone_with_more_declared_is_not_counted_alone(world):
    """As an imported list leaves a household: the table and the household file agree."""
    single = world.h2  # alone, the only « single » of the year
    single.declared_size = 3
    single.save(update_fields=["declared_size"])
    year = compute(Scope(Period.year(2025)))
    by_db = nonzero(year, "households", "family_structure")
    assert "single" not in by_db
    assert single.family_structure is None
    assert sum(by_db.values()) == 3  # still counted, as « Non renseigné »


def test_a_reopened_diagnostic_counts_once_with_its_last_version(year):
    assert nonzero(year, "diagnostics", "by_level") == {"2": 1, "3": 1}
    # H2's obstacles are those of version 2; H1's of its only version; H3 was in 2024.
    assert nonzero(year, "diagnostics", "obstacles") == {
        "budget": 1,
        "housing_path": 1,
        "dwelling_use": 1,
    }
    assert table_of(year, "diagnostics", "obstacles")["total"] == 2


def test_rehousings_by_type_quartier_and_solution(year):
    assert nonzero(year, "rehousing", "by_typology") == {"T2": 1, "T3": 1}
    assert nonzero(year, "rehousing", "by_quartier") == {"vaucelles": 1, "centre": 1}
    # H1, eviction threat accompanied without a rehousing, stays in place.
    assert nonzero(year, "rehousing", "by_solution") == {"sliding": 1, "direct": 1, "stay": 1}


def test_accompaniments(year):
    assert values(year, "accompaniments", "activity") == {
        "accompanied": 3,
        "started": 2,
        "closed": 1,
        "extended": 1,  # H2's extension, approved in September 2025
    }
    assert nonzero(year, "accompaniments", "closures") == {"autonomy": 1}
    # 10/03 → 20/06/2025: 102 days, 3.4 months of 30.4375 days.
    assert values(year, "accompaniments", "durations") == {"mean_months": 3.4}


def test_a_household_changing_status_mid_period(world):
    q2 = compute(Scope(Period.quarter(2025, 2)), with_previous=False)
    q3 = compute(Scope(Period.quarter(2025, 3)), with_previous=False)
    assert values(q2, "accompaniments", "activity")["accompanied"] == 2  # H1 (until 20/06), H2
    assert values(q3, "accompaniments", "activity")["accompanied"] == 1  # H2 only
    assert nonzero(q2, "accompaniments", "closures") == {"autonomy": 1}
    assert nonzero(q3, "accompaniments", "closures") == {}


def test_contact_frequency_adhesion_and_interviews(year):
    # Months of accompaniment in 2025: H1 10/03–20/06 (103 days), H2 all year (365), H3
    # 15/11–31/12 (47): 515 days = 16.92 months; H2's two home visits → 0.12 a month.
    frequency = values(year, "accompaniments", "contact_frequency")
    assert frequency["home_visit"] == 0.12 and frequency["phone_call"] == 0.0
    assert nonzero(year, "accompaniments", "adhesion") == {"constant": 1, "inconstant": 1}
    assert nonzero(year, "qualitative", "interviews") == {"end": 1}


def test_incidents_during_and_after_with_period_boundaries(year):
    # H1: unpaid rent in April (during), trouble in September (after its closure); H2: unpaid
    # rent on 31/12 at 23:30 (during; the one at 00:15 on 01/01/2026 belongs to 2026).
    assert nonzero(year, "qualitative", "incidents") == {
        "unpaid_rent.during": 2,
        "neighbour_trouble.after": 1,
    }
    assert nonzero(year, "qualitative", "survey_rent") == {"yes": 1}
    assert nonzero(year, "qualitative", "survey_incidents") == {"no": 1}


def test_programme_progress_share_and_funnel(year):
    require_postgresql("les médianes du parcours (PERCENTILE_CONT)")
    progress = values(year, "programme", "progress")
    assert progress["accompanied_since_start"] == 3  # H4 started in 2023, before the programme
    assert progress["target"] == 120 and progress["progress_percent"] == 2.5
    assert progress["running_eviction"] == 0 and progress["running_total"] == 2
    funnel = {row["key"]: row for row in table_of(year, "programme", "funnel")["rows"]}
    assert funnel["preselected"]["value"] == 1  # H5 in May 2025 (H1 was preselected in 2024)
    assert funnel["diagnostic"]["value"] == 1 and funnel["diagnostic"]["median_days"] == 35.0
    assert funnel["admitted"]["median_days"] == 27.0
    assert funnel["accompanied"]["median_days"] == 37.0
    assert funnel["post_autonomy"]["value"] == 1


def test_change_against_the_previous_year(year):
    activity = {r["key"]: r for r in table_of(year, "accompaniments", "activity")["rows"]}
    # 2024: H2 (from October) and H4 (until June) were accompanied.
    assert activity["accompanied"]["previous"] == 2 and activity["accompanied"]["change"] == 1


def test_filters(world):
    dalo = compute(Scope(Period.year(2025), public=Public.DALO), with_previous=False)
    assert nonzero(dalo, "households", "origin") == {"mediation": 1}
    assert nonzero(dalo, "rehousing", "by_solution") == {"sliding": 1}


def test_households_behind_a_cell(world):
    ids = set(households_behind("rehousing.by_solution", "stay", Scope(Period.year(2025))))
    assert ids == {world.h1.pk}
    ids = set(households_behind("households.origin", "emergency", Scope(Period.year(2025))))
    assert ids == {world.h3.pk}


def test_a_year_without_data_is_empty_but_complete(db):
    figures = compute(Scope(Period.year(2024)))
    assert figures["is_empty"]
    assert values(figures, "households", "origin") == {
        "emergency": 0,
        "eviction": 0,
        "mediation": 0,
    }


def test_series_add_up_to_the_period_and_give_the_change(world):
    from reporting.series import table_series

    scope = Scope(Period.year(2025))
    series = table_series("rehousing.by_solution", scope)
    assert series["step"] == "month" and len(series["buckets"]) == 12
    lines = {line["key"]: line["points"] for line in series["lines"]}
    assert [p["value"] for p in lines["sliding"]][:3] == [0, 1, 0]  # February
    assert lines["sliding"][2]["change"] == -1
    assert lines["stay"][2]["value"] == 1  # H1's accompaniment began in March
    assert sum(p["value"] for p in lines["direct"]) == 1
    running = table_series("accompaniments.activity", scope)
    accompanied = next(line for line in running["lines"] if line["key"] == "accompanied")
    # January: H2; March–June: H1 and H2; July–October: H2; November–December: H2 and H3.
    assert [p["value"] for p in accompanied["points"]] == [1, 1, 2, 2, 2, 2, 1, 1, 1, 1, 2, 2]
    origin = table_series(
        "households.origin", Scope(Period(Period.year(2024).start, Period.year(2025).end))
    )
    assert origin["step"] == "quarter" and len(origin["buckets"]) == 8


def test_chart_geometry_is_whole_numbers(year):
    """The SVG attributes are written by templates, which would print a float "240,5"."""
    from reporting.presentation import chart

    bars = chart(table_of(year, "households", "origin"))["bars"]
    assert all(isinstance(bar["width"], int) and isinstance(bar["text_x"], int) for bar in bars)
    assert [bar["width"] for bar in bars] == [240, 240, 240]
