import io
import random
from datetime import timedelta

import pytest
from django.utils import timezone

from caen_accompagnement.management.commands.seed_demo import DemoContext
from diagnostics import demo
from diagnostics.models import Diagnostic, DiagnosticStatus
from households.enums import Public, Status
from households.models import Household
from tests.factories import HouseholdFactory, make_user

pytestmark = pytest.mark.django_db


def test_demo_covers_every_level_and_state_and_is_idempotent():
    from accounts.enums import Role

    worker = make_user(Role.SOCIAL_WORKER)
    make_user(Role.CCAS_MANAGER)
    now = timezone.now()
    begun = now - timedelta(days=60)
    for index in range(15):
        HouseholdFactory(
            status=Status.DIAGNOSTIC,
            status_changed_at=begun,
            referent=worker,
            public=Public.EVICTION_THREAT if index % 2 else Public.THIRD_PARTY,
            diagnostic_level=index % 3 + 1,  # decided by a cellule (coordination.demo)
        )
    HouseholdFactory(status=Status.PRESELECTED)
    ctx = DemoContext(rng=random.Random(14), households=16, now=now, stdout=io.StringIO())
    # Ten files paused at their submission (households.demo): three asked for more first.
    submit = (Status.DIAGNOSTIC, Status.AWAITING_ADMISSION)
    defer = (Status.AWAITING_ADMISSION, Status.DIAGNOSTIC)
    for n, household in enumerate(
        Household.objects.filter(status=Status.DIAGNOSTIC).order_by("pk")[5:]
    ):
        steps = [(*submit, now - timedelta(days=30), worker, "", "", "")]
        if n < 3:
            steps += [
                (*defer, now - timedelta(days=20), worker, "Compléments demandés", "", ""),
                (*submit, now - timedelta(days=10), worker, "", "", ""),
            ]
        ctx.submissions[household.pk] = steps
    paused = list(ctx.submissions)
    demo.seed(ctx)
    # Drafts and submissions here; « examiné » and the reopened versions are the cellule's
    # (coordination.demo: record_decisions, Diagnostic.reopen_many).
    combos = set(Diagnostic.objects.values_list("level", "status"))
    for level in (1, 2, 3):
        for state in (DiagnosticStatus.DRAFT, DiagnosticStatus.SUBMITTED):
            assert (level, state) in combos
    # Each submission by the owner (submit_many), moving its household on the history's day;
    # the cellule's « compléments demandés » and what follows are handed to it.
    assert len(paused) == 10
    for household in Household.objects.filter(pk__in=paused):
        assert household.status == Status.AWAITING_ADMISSION
    assert Diagnostic.objects.filter(status=DiagnosticStatus.SUBMITTED).count() == 10
    assert sorted(steps[0][:2] for steps in ctx.awaiting.values()) == [defer] * 3
    assert all(len(steps) == 2 for steps in ctx.awaiting.values())
    # Sent diagnostics are complete, the household level matches the current diagnostic's.
    for diagnostic in Diagnostic.objects.exclude(status=DiagnosticStatus.DRAFT):
        assert diagnostic.missing_for_submission() == [], diagnostic
    for diagnostic in Diagnostic.objects.current():
        assert diagnostic.household.diagnostic_level == diagnostic.level
        assert diagnostic.budget().resources > 0
    # One household in « diagnostic en cours » is still to be started.
    assert Diagnostic.objects.filter(household__status=Status.PRESELECTED).count() == 0
    to_do = Household.objects.filter(status=Status.DIAGNOSTIC, diagnostics__isnull=True)
    assert to_do.exclude(diagnostic_level=None).exists()
    count = Diagnostic.objects.count()
    demo.seed(ctx)
    assert Diagnostic.objects.count() == count
