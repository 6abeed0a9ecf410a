import io
import random

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
    for status in (Status.DIAGNOSTIC, Status.AWAITING_ADMISSION, Status.ACCOMPANIED):
        for index in range(5):
            HouseholdFactory(
                status=status,
                referent=worker,
                public=Public.EVICTION_THREAT if index % 2 else Public.THIRD_PARTY,
            )
    HouseholdFactory(status=Status.PRESELECTED)
    ctx = DemoContext(
        rng=random.Random(14), households=16, now=timezone.now(), stdout=io.StringIO()
    )
    demo.seed(ctx)
    combos = set(Diagnostic.objects.values_list("level", "status"))
    for level in (1, 2, 3):
        for state in DiagnosticStatus.values:
            assert (level, state) in combos
    assert Diagnostic.objects.filter(number=2, previous__isnull=False).exists()
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
