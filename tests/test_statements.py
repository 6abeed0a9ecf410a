"""Statements built once per process (caen_accompagnement/statements.py): the rows are those of
the QuerySet, its SQL is compiled once per key, a key that leaves a dependency out fails the
tests, and /mon-suivi/ reads its urgency page and its alert panels that way while following
every change of the data."""

import datetime

import pytest
from django.db.models import Count, F, Window
from django.urls import reverse
from django.utils import timezone

from accompaniments.models import Accompaniment, Signal
from caen_accompagnement import statements
from households.enums import Status
from tests.accompaniments.factories import AccompanimentFactory, SignalFactory
from tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def built_once(settings):
    """Production's behaviour: a statement kept is run without building the QuerySet."""
    settings.CHECK_STATEMENTS = False
    statements._BUILT.clear()
    yield statements._BUILT
    statements._BUILT.clear()


def test_the_rows_are_those_of_the_queryset_converters_included(social_worker):
    """Dates computed in SQL and window counts come back as the QuerySet gives them (a date,
    an int), on SQLite as on PostgreSQL."""
    for day in (datetime.date(2027, 1, 31), datetime.date(2027, 3, 15)):
        AccompanimentFactory(
            household=HouseholdFactory(referent=social_worker, status=Status.ACCOMPANIED),
            start=day,
        )
    today = datetime.date(2027, 4, 1)

    def build():
        return (
            Accompaniment.objects.caseload_of(social_worker)
            .by_urgency(today)
            .values("pk", "start", "next_due", "visit_due", household_ref=F("household_id"))
            .annotate(total=Window(Count("pk")))
        )

    rows = statements.rows(("test", social_worker.pk, today), build)
    assert rows == list(build())
    assert [type(row["visit_due"]) for row in rows] == [datetime.date, datetime.date]
    assert rows[0]["visit_due"] == datetime.date(2027, 2, 28)  # 31/01 + 1 month
    assert {row["total"] for row in rows} == {2}


def test_a_statement_is_compiled_once_per_key_and_follows_the_data(built_once, social_worker):
    """The second call runs the SQL kept (the QuerySet is not built again) and reads the rows
    as they are then; an impossible condition gives no row and no query."""
    built = []

    def build():
        built.append(1)
        return Signal.objects.filter(household__referent=social_worker).values("pk")

    assert statements.rows(("signals", social_worker.pk), build) == []
    signal = SignalFactory(household=HouseholdFactory(referent=social_worker))
    assert statements.rows(("signals", social_worker.pk), build) == [{"pk": signal.pk}]
    assert len(built) == 1
    assert statements.rows(("none",), lambda: Signal.objects.filter(pk__in=[]).values("pk")) == []


def test_a_key_that_leaves_out_what_the_sql_depends_on_fails_under_the_check(
    settings, social_worker, other_social_worker
):
    """With CHECK_STATEMENTS (the tests), each call builds again and compares: one user's
    statement is never served to another by a key that forgot the user."""
    settings.CHECK_STATEMENTS = True
    statements._BUILT.clear()

    def of(user):
        return lambda: Signal.objects.filter(household__referent=user).values("pk")

    statements.rows(("signals-of-anyone",), of(social_worker))
    with pytest.raises(AssertionError, match="does not name everything"):
        statements.rows(("signals-of-anyone",), of(other_social_worker))
    statements._BUILT.clear()


def test_the_caseload_keeps_its_statements_and_its_panels_follow_the_data(
    client, built_once, social_worker
):
    """/mon-suivi/'s urgency page and alert panels are compiled on the first request and run
    as kept afterwards; a new signal, then its acknowledgement, show on the next request."""
    acc = AccompanimentFactory(
        household=HouseholdFactory(referent=social_worker, status=Status.ACCOMPANIED),
        start=timezone.localdate() - datetime.timedelta(days=40),
    )
    client.force_login(social_worker)
    url = reverse("accompaniments:caseload")
    assert client.get(url).context["open_signals"] == []
    kept = {key[-1][0]: statement for key, statement in built_once.items()}
    assert {"caseload", "caseload-signals", "caseload-missed", "caseload-failed"} <= set(kept)

    signal = SignalFactory(household=acc.household)
    response = client.get(url)
    assert [s["pk"] for s in response.context["open_signals"]] == [signal.pk]
    assert response.context["counts"]["total"] == 1
    assert f"— {acc.household.reference}</a>" in response.content.decode()
    for key, statement in built_once.items():  # the same statements, not built again
        assert statement is kept[key[-1][0]]

    signal.acknowledged_at = timezone.now()
    signal.save(update_fields=["acknowledged_at"])
    assert client.get(url).context["open_signals"] == []


def test_instances_are_those_of_the_queryset_related_objects_and_annotations_included(
    built_once, social_worker
):
    """`instances` makes the objects iterating the QuerySet makes: the same fields, the
    `select_related` objects already there (no query to reach them), the annotations."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    acc = AccompanimentFactory(
        household=HouseholdFactory(referent=social_worker, status=Status.ACCOMPANIED)
    )
    SignalFactory(household=acc.household)

    def build():
        return (
            Accompaniment.objects.filter(household__referent=social_worker)
            .select_related("household__referent")
            .with_open_signals()
        )

    expected = list(build())
    for _ in range(2):  # compiled, then run as kept
        found = statements.instances(("test-instances", social_worker.pk), build)
        with CaptureQueriesContext(connection) as queries:
            referent = found[0].household.referent
        assert not queries.captured_queries and referent == social_worker
        assert [(a.pk, a.start, a.household_id, a.open_signals) for a in found] == [
            (a.pk, a.start, a.household_id, a.open_signals) for a in expected
        ]
        assert found[0].open_signals == 1 and found[0]._state.adding is False
    assert statements.instances(("none",), lambda: Signal.objects.filter(pk__in=[])) == []
    with pytest.raises(TypeError, match="prefetch_related"):
        statements.instances(("prefetch",), lambda: Signal.objects.prefetch_related("household"))


def test_a_process_keeps_at_most_kept_statements(built_once, monkeypatch):
    """Past KEPT statements the memo is emptied, then fills again as they come."""
    monkeypatch.setattr(statements, "KEPT", 3)
    for n in range(3):
        statements.count(("bounded", n), lambda: Signal.objects.values("pk"))
    assert len(built_once) == 3
    statements.count(("bounded", 3), lambda: Signal.objects.values("pk"))
    assert list(built_once) == [("default", True, ("bounded", 3))]
