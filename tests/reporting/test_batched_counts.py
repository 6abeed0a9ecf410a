"""The dashboard's figures counted the fast way give exactly what each table's own queries give,
kept as the oracle (`count_table`, `table_series`), and what the drill-down lists: the tables
counted together (`indicators.batches`: one query for the six household tables, one for the
three survey tables), each table's period count taken from its series' query."""

import datetime
import io

import pytest
import time_machine
from django.core.management import call_command

from households.enums import Public
from reporting.indicators import (
    GROUPS,
    TABLES,
    Scope,
    batches,
    compute,
    count_table,
    count_tables,
    households_behind,
)
from reporting.periods import Period
from reporting.series import (
    attach_measures,
    compute_with_series,
    table_series,
    tables_counted,
    tables_series,
)
from tests.conftest import require_postgresql

NOW = "2026-11-28 10:00 +01:00"


@pytest.fixture
def demo(db):
    require_postgresql("the demo's figures use PERCENTILE_CONT")
    with time_machine.travel(NOW, tick=False):
        call_command("seed_demo", households=150, seed=14, stdout=io.StringIO())
        yield


def scopes():
    from accounts.models import User

    referent = User.objects.filter(referent_households__isnull=False).order_by("pk").first()
    return [
        Scope(Period.year(2026)),
        Scope(Period.year(2025)),
        Scope(Period.quarter(2026, 3)),
        Scope(Period(datetime.date(2025, 11, 15), datetime.date(2026, 2, 10))),
        Scope(Period.year(2026), public=Public.EVICTION_THREAT),
        Scope(Period.year(2026), referent_id=referent.pk),
    ]


def test_some_tables_are_counted_together():
    sizes = sorted(len(batch) for batch in batches(list(TABLES.values())))
    assert sizes[-2:] == [3, 6]  # the survey tables, the household tables


def test_tables_counted_together_equal_each_table_counted_alone(demo):
    seen = 0
    for scope in scopes():
        for _group, _title, tables in GROUPS:
            together = count_tables(tables, scope)
            alone = [count_table(table, scope) for table in tables]
            assert together == alone, (scope, [table.key for table in tables])
            seen += sum(total or 0 for _values, total in together)
        keys = list(TABLES)
        assert tables_series(keys, scope) == {key: table_series(key, scope) for key in keys}
    assert seen > 500  # the demo gives every scope something to count


def test_the_drill_down_lists_the_households_counted(demo):
    scope = Scope(Period.year(2026))
    tables = GROUPS[0][2]  # the household tables, counted together
    for table, (values, total) in zip(tables, count_tables(tables, scope), strict=True):
        assert total > 20
        for key, _label in table.choices:
            ids = households_behind(f"households.{table.key}", key, scope)
            assert len(set(ids)) == values[key], (table.key, key)


def test_the_dashboard_figures_equal_the_figures_counted_table_by_table(demo):
    for scope in scopes():
        counted = tables_counted(list(TABLES), scope)
        for key, table in TABLES.items():
            assert counted[key][1:] == count_table(table, scope), key
            assert counted[key][0] == table_series(key, scope), key
        fast = compute_with_series(scope)
        slow = attach_measures(compute(scope), scope)
        for group in slow["groups"]:
            for table in group["tables"]:
                key = f"{group['key']}.{table['key']}"
                if key in TABLES:
                    table["series"] = table_series(key, scope)
        fast.pop("generated_at"), slow.pop("generated_at")
        assert fast == slow, scope


def test_the_bilan_reads_its_means_and_funnel_once_each(demo):
    """The yearly bilan's period rows of the means and the funnel come from their series'
    queries (`compute_with_measures`): the same figures as computing them apart, the funnel's
    aggregate over every household run once, not twice."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reporting import bilans

    with time_machine.travel(NOW, tick=False):
        with CaptureQueriesContext(connection) as queries:
            fast = bilans.live(2025)
        scope = Scope(Period.year(2025))
        slow = attach_measures(compute(scope), scope)
    funnel = [q for q in queries.captured_queries if '"first_1"' in q["sql"]]
    assert len(funnel) == 1
    fast.pop("bilan")
    assert fast == slow
