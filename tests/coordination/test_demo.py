import io
import itertools
import random

import pytest
from django.utils import timezone

from accounts.enums import Role
from coordination import demo
from coordination.models import QUARTER, Decision, Meeting, Partner
from households.enums import Public, Status
from tests.factories import HouseholdFactory, make_user

pytestmark = pytest.mark.django_db


class Ctx:
    def __init__(self):
        self.rng = random.Random(14)
        self.now = timezone.now()
        self.stdout = io.StringIO()
        self.users = {}


def test_demo_has_a_past_year_of_minutes_and_a_next_agenda_ready(social_worker):
    for role in (Role.CCAS_MANAGER, Role.LETTING_OFFICER, Role.DEBT_OFFICER, Role.CELLULE_MEMBER):
        make_user(role)
    for status in (Status.DIAGNOSTIC, Status.ACCOMPANIED, Status.NOT_ADMITTED, Status.ADMITTED) * 3:
        HouseholdFactory(status=status, diagnostic_level=2, referent=social_worker)
    for _ in range(3):
        HouseholdFactory(status=Status.AWAITING_LEVEL, public=Public.ALT)

    demo.seed(Ctx())
    demo.seed(Ctx())  # idempotent

    past = Meeting.objects.cellules().past()
    assert past.count() == 4
    assert all(m.minutes_approved_at and m.minutes_versions.count() == 1 for m in past)
    assert Decision.objects.filter(item__meeting__in=past).count() >= 4 * 2
    upcoming = list(Meeting.objects.cellules().upcoming())
    assert len(upcoming) == 4
    following = upcoming[0]
    assert not following.is_published
    assert following.items.filter(kind="level").count() == 3
    assert Meeting.objects.comites().count() == 1
    # docs/domain.md §5.1: the cellule sits at least once a quarter, the demo calendar too.
    dates = [m.date for m in Meeting.objects.cellules().order_by("date")]
    assert all(later - earlier <= QUARTER for earlier, later in itertools.pairwise(dates))
    assert Partner.objects.count() == len(demo.PARTNERS)
