"""`Diagnostic.reopen_many`, the batch form of `reopen` (issue 10 point 7: the demo's
« compléments demandés »): the same rule code (`check_reopen`), checked for every item before
anything is written; the same writes (a draft copy with its rows, both events, the household
back to « diagnostic en cours » in the reopening's name), at the moment given."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from diagnostics.enums import EventKind
from diagnostics.models import Diagnostic, DiagnosticEvent, DiagnosticStatus, DiagnosticStep
from households.enums import Owner, Status
from households.models import StatusChange
from tests.factories import HouseholdFactory

from .factories import DiagnosticFactory, add_step

pytestmark = pytest.mark.django_db


def submitted(social_worker):
    household = HouseholdFactory(
        referent=social_worker, status=Status.AWAITING_ADMISSION, diagnostic_level=3
    )
    diagnostic = DiagnosticFactory(household=household, level=3, status=DiagnosticStatus.SUBMITTED)
    add_step(diagnostic)
    return diagnostic


def written():
    return (
        Diagnostic.objects.count(),
        DiagnosticEvent.objects.count(),
        DiagnosticStep.objects.count(),
        StatusChange.objects.count(),
    )


def test_batch_reopens_as_reopen_does_at_the_moment_given(social_worker, ccas_manager):
    diagnostic = submitted(social_worker)
    at = timezone.now() - datetime.timedelta(days=5)
    [new] = Diagnostic.reopen_many([(diagnostic, dict(by=ccas_manager, at=at))])
    new.refresh_from_db()
    assert (new.previous, new.number, new.status, new.author, new.created_at) == (
        diagnostic,
        2,
        DiagnosticStatus.DRAFT,
        ccas_manager,
        at,
    )
    assert new.steps.count() == 1
    assert {(e.diagnostic_id, e.kind, e.at, e.by) for e in DiagnosticEvent.objects.all()} == {
        (diagnostic.pk, EventKind.REOPENED, at, ccas_manager),
        (new.pk, EventKind.CREATED, at, ccas_manager),
    }
    row = StatusChange.objects.get(household=diagnostic.household)
    assert (row.to_status, row.owner, row.at, row.by, row.reason) == (
        Status.DIAGNOSTIC,
        Owner.REOPENING,
        at,
        ccas_manager,
        "Diagnostic rouvert (version 2)",
    )
    # The single form writes the same (now): its reason, its events, the copied rows.
    other = submitted(social_worker)
    single = other.reopen(by=ccas_manager)
    assert single.steps.count() == 1 and single.number == 2
    assert StatusChange.objects.get(household=other.household).reason == row.reason
    assert set(DiagnosticEvent.objects.filter(at__gt=at).values_list("kind", flat=True)) == {
        EventKind.REOPENED,
        EventKind.CREATED,
    }


def test_batch_refuses_what_reopen_refuses_and_writes_nothing(social_worker, ccas_manager):
    ok = (submitted(social_worker), dict(by=ccas_manager))
    draft = DiagnosticFactory(status=DiagnosticStatus.DRAFT, submitted_at=None)
    superseded = submitted(social_worker)
    superseded.reopen(by=social_worker)
    superseded = Diagnostic.objects.get(pk=superseded.pk)
    before = written()
    for diagnostic, message in ((draft, "déjà un brouillon"), (superseded, "plus récente")):
        with pytest.raises(ValidationError) as exc:
            diagnostic.reopen(by=ccas_manager)
        assert message in str(exc.value)
        with pytest.raises(ValidationError) as exc:
            Diagnostic.reopen_many([ok, (diagnostic, dict(by=ccas_manager))])
        assert message in str(exc.value)
        assert written() == before
    # The same version twice in a batch: the second sees the first's new version.
    with pytest.raises(ValidationError) as exc:
        Diagnostic.reopen_many([ok, ok])
    assert "plus récente" in str(exc.value)
    assert written() == before
    ok[0].household.refresh_from_db()
    assert ok[0].household.status == Status.AWAITING_ADMISSION
