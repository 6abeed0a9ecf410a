"""The indexes of issue 14 serve the queries of the list pages (docs/performance.md).

PostgreSQL only. Sequential scans and explicit sorts are priced out so that the plan shows
whether an index *can* answer the page's query: the planner's choice on a few test rows says
nothing, but an index the query's shape cannot use (an expression, a cast, a wrong column order)
would still be missing from the plan.
"""

import pytest
from django.db import connection
from django.test import RequestFactory

from audit.filters import AuditFilter
from audit.models import AuditEntry
from diagnostics.models import Diagnostic
from households.models import Household
from tests.conftest import require_postgresql

pytestmark = pytest.mark.django_db


def plan(queryset):
    require_postgresql("plans d'exécution")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
    return queryset.explain()


def test_the_households_list_reads_its_page_from_the_newest_first_index(ccas_manager):
    households = Household.objects.visible_to(ccas_manager).with_list_data()
    assert "household_newest" in plan(households[:25])


def test_the_diagnostics_worklist_reads_its_sections_from_their_indexes():
    drafts = Diagnostic.objects.current().drafts().order_by("created_at", "pk")
    assert "diagnostic_status_created" in plan(drafts[:25])
    sent = Diagnostic.objects.current().filter(status="submitted").order_by("submitted_at", "pk")
    assert "diagnostic_status_submitted" in plan(sent[:25])
    # A diagnostic's successor is looked up in the index of `previous`.
    assert "diagnostics_diagnostic_previous_id_key" in plan(Diagnostic.objects.current()[:25])


def test_the_worklist_reads_its_level_section_in_order_from_its_partial_index(ccas_manager):
    households = Household.objects.visible_to(ccas_manager, "diagnostic.view_detail")
    section = households.awaiting_level().order_by("status_changed_at", "pk")
    found = plan(section[:25])
    assert "household_awaiting_level" in found, found
    assert "household_awaiting_level" in plan(section.values("pk")), "its count"


def test_the_worklist_counts_drafts_and_transmitted_ones_from_the_index_alone(ccas_manager):
    # What the count reads of each diagnostic: its status, household and key (the rows are
    # wide: answers, observations, JSON).
    counted = (
        Diagnostic.objects.current()
        .filter(household__in=Household.objects.visible_to(ccas_manager, "diagnostic.view_detail"))
        .filter(status__in=["draft", "submitted"])
        .order_by()
        .values("pk", "status")
    )
    # Which index the planner picks on a few test rows is its guess (the narrower one on
    # `status` alone won in CI): the other indexes of the table are dropped inside the test's
    # transaction (rolled back with it), so the plan shows whether this one answers the count
    # from the index alone.
    require_postgresql("plans d'exécution")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute(
            """SELECT indexname FROM pg_indexes WHERE tablename = 'diagnostics_diagnostic'
               AND indexname <> 'diagnostic_status_household' AND indexname NOT IN
               (SELECT conname FROM pg_constraint WHERE conrelid = 'diagnostics_diagnostic'::regclass)"""
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP INDEX "{name}"')
    found = plan(counted)
    assert "Index Only Scan using diagnostic_status_household" in found, found


def test_the_journals_day_filters_use_the_index_on_the_date():
    request = RequestFactory().get("/", {"after": "2026-01-01", "before": "2026-01-31"})
    entries = AuditFilter(request.GET, queryset=AuditEntry.objects.all()).qs
    found = plan(entries[:50])
    assert "audit_auditentry_at_" in found and "Index Cond: ((at >=" in found, found


def test_the_signals_list_reads_its_page_from_the_newest_first_index(ccas_manager):
    from accompaniments.models import Signal

    signals = Signal.objects.visible_to(ccas_manager).select_related("household")
    assert "signal_newest" in plan(signals.order_by("-created_at", "-pk")[:25])


def test_a_social_workers_caseload_reads_its_households_ids_from_their_indexes(social_worker):
    """`caseload_of` reads the ids of the households a social worker follows or stands in for
    from the (referent, id) and (substitute, id) indexes alone (index-only scans), never the
    households' rows (a sequential scan of the whole table on every /mon-suivi/)."""
    from accompaniments.models import Accompaniment

    caseload = Accompaniment.objects.caseload_of(social_worker).values("pk")
    plan(caseload)  # PostgreSQL only, scans and sorts priced out
    with connection.cursor() as cursor:  # and the index scans that read the rows
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
    found = caseload.explain()
    assert "Join" not in found and "Nested Loop" not in found, found
    assert "Index Only Scan using household_referent_ids" in found, found
    assert "Index Only Scan using household_substitute_ids" in found, found


def test_the_letting_board_reads_the_glides_to_come_from_their_partial_index(letting_officer):
    from housing.models import Rehousing

    glides = Rehousing.objects.visible_to(letting_officer).glides_to_come()
    assert "rehousing_glide_to_come" in plan(glides)
