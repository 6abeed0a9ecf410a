"""`Diagnostic.submit_many`, the batch form of `submit` (issue 10 point 7): the same rule code
(`check_submit`), checked for every item before anything is written."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from diagnostics.enums import EventKind
from diagnostics.models import Debt, Diagnostic, DiagnosticEvent, DiagnosticStatus
from households.enums import Owner, Public, Status
from households.models import StatusChange
from tests.factories import HouseholdFactory

from .factories import DiagnosticFactory, add_lines, add_step, ready_to_submit

pytestmark = pytest.mark.django_db


def draft(social_worker, level, **household):
    household = HouseholdFactory(
        referent=social_worker, status=Status.DIAGNOSTIC, diagnostic_level=level, **household
    )
    return DiagnosticFactory(household=household, level=level, concluded=True)


def test_batch_refuses_an_incomplete_level_3_eviction_threat_and_writes_nothing(social_worker):
    complete = draft(social_worker, 1)
    ready_to_submit(complete)
    complete.save()
    incomplete = draft(social_worker, 3, tenant=True)
    assert incomplete.household.public == Public.EVICTION_THREAT
    add_step(incomplete, "interview")
    add_lines(incomplete, {"salaries": "1200"}, {"rent": "400"})  # no arrears cause, no debt
    rows, events = StatusChange.objects.count(), DiagnosticEvent.objects.count()
    at = timezone.now() - datetime.timedelta(days=3)
    with pytest.raises(ValidationError) as refused:
        Diagnostic.submit_many(
            [
                (complete, {"by": social_worker, "at": at}),
                (incomplete, {"by": social_worker, "at": at}),
            ]
        )
    assert "faits générateurs" in str(refused.value)
    assert StatusChange.objects.count() == rows and DiagnosticEvent.objects.count() == events
    for diagnostic in (complete, incomplete):
        diagnostic.refresh_from_db()
        diagnostic.household.refresh_from_db()
        assert diagnostic.status == DiagnosticStatus.DRAFT
        assert diagnostic.household.status == Status.DIAGNOSTIC


def test_batch_submits_and_moves_in_the_submissions_name(social_worker):
    diagnostic = draft(social_worker, 3, tenant=True)
    ready_to_submit(diagnostic)
    diagnostic.save()
    assert Debt.objects.filter(diagnostic=diagnostic).exists()
    at = timezone.now() - datetime.timedelta(days=3)
    Diagnostic.submit_many([(diagnostic, {"by": social_worker, "at": at})])
    diagnostic.refresh_from_db()
    household = diagnostic.household
    household.refresh_from_db()
    assert diagnostic.status == DiagnosticStatus.SUBMITTED and diagnostic.submitted_at == at
    event = diagnostic.events.get(kind=EventKind.SUBMITTED)
    assert (event.at, event.by) == (at, social_worker)
    row = household.status_changes.latest("at")
    assert (row.to_status, row.owner, row.at, row.by) == (
        Status.AWAITING_ADMISSION,
        Owner.SUBMISSION,
        at,
        social_worker,
    )
    assert household.status == Status.AWAITING_ADMISSION


def test_batch_reads_what_the_rule_needs_in_queries_that_do_not_grow(social_worker):
    """The rule reads each diagnostic's steps, budget lines, debts and housing history: for a
    batch, one query each (it read them diagnostic by diagnostic: about 5.5 queries each)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for n in (2, 6):
        items = []
        for i in range(n):
            diagnostic = draft(social_worker, 3 if i % 2 else 2, tenant=bool(i % 2))
            ready_to_submit(diagnostic)
            diagnostic.save()
            items.append(Diagnostic.objects.select_related("household").get(pk=diagnostic.pk))
        at = timezone.now() - datetime.timedelta(days=3)
        with CaptureQueriesContext(connection) as queries:
            Diagnostic.submit_many([(d, {"by": social_worker, "at": at}) for d in items])
        counts.append(len(queries))
        assert all(d.status == DiagnosticStatus.SUBMITTED for d in items)
    assert counts[0] == counts[1]
