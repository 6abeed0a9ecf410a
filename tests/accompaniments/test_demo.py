import datetime
import io
import random

import pytest
from django.utils import timezone

from accompaniments import demo
from accompaniments.cadence import OVERDUE
from accompaniments.models import (
    Accompaniment,
    Contact,
    Interview,
    PlannedVisit,
    ReminderConsent,
    Signal,
    Survey,
    VisitMessage,
)
from accounts.enums import Role
from caen_accompagnement.management.commands.seed_demo import DemoContext
from households.enums import Status
from households.models import StatusChange
from tests.factories import HouseholdFactory, make_user


@pytest.mark.django_db
def test_demo_is_realistic_and_idempotent():
    workers = [make_user(Role.SOCIAL_WORKER) for _ in range(2)]
    make_user(Role.CCAS_MANAGER)
    make_user(Role.TENANCY_OFFICER)
    make_user(Role.LETTING_OFFICER)
    # The files households.demo paused at « admis », both documents signed: their steps from
    # « accompagné » on are left to the accompaniment's owners (ctx.later).
    later = {}
    now = timezone.now()
    for i in range(18):
        household = HouseholdFactory(referent=workers[i % 2], status=Status.ADMITTED)
        began = now - datetime.timedelta(days=20 + 30 * i if i < 14 else 400)
        for kind in ("convention", "contract"):
            household.agreement_documents.create(
                kind=kind,
                status="signed",
                signed_on=timezone.localdate(began) - datetime.timedelta(days=3),
            )
        steps = [(Status.ADMITTED, Status.ACCOMPANIED, began, workers[i % 2], "", "", "")]
        if i >= 14:  # closed for autonomy or rehousing, in post-autonomy follow-up
            closed = now - datetime.timedelta(days=250)
            steps.append((Status.ACCOMPANIED, Status.POST_AUTONOMY, closed, workers[0], "", "", ""))
        later[household.pk] = steps
    ctx = DemoContext(
        rng=random.Random(14), households=18, now=timezone.now(), stdout=io.StringIO(), later=later
    )
    demo.seed(ctx)
    active = list(Accompaniment.objects.active().with_cadence())
    assert len(active) == 14
    # The contacts written in bulk: the last visit and contact stored on each accompaniment
    # recomputed once (what the caseload sorts by).
    assert Accompaniment.objects.exclude(last_contact_on=None).exists()
    assert not Accompaniment.objects.stale_last_contacts().exists()
    # And the surveys written in bulk: the next survey's date recomputed once.
    assert Accompaniment.objects.exclude(next_survey_on=None).exists()
    assert not Accompaniment.objects.stale_next_surveys().exists()
    assert any(a.cadence().urgency == OVERDUE for a in active)
    assert any(a.cadence().urgency != OVERDUE for a in active)
    assert any(a.is_extended for a in active)
    assert {a.start for a in active} == {
        timezone.localdate(a.household.status_changed_at) for a in active
    }
    closed = Accompaniment.objects.closed()
    assert closed.count() == 4
    # Moved by the owners: begun (« accompagné »), then closed (« suivi post-autonomie »).
    assert {a.household.status for a in active} == {Status.ACCOMPANIED}
    assert {a.household.status for a in closed} == {Status.POST_AUTONOMY}
    assert set(StatusChange.objects.values_list("owner", flat=True)) == {"begin", "closure"}
    assert Survey.objects.exists() and Interview.objects.exists()
    assert Signal.objects.filter(kind="adhesion_loss").exists()
    assert Signal.objects.exclude(kind="adhesion_loss").exists()
    contacts = Contact.objects.count()
    assert contacts > 100
    # Planned visits (docs/reminders.md): coming, missed, cancelled; consents to reminders.
    visits = PlannedVisit.objects.all()
    assert visits.upcoming().exists() and visits.filter(status="cancelled").exists()
    assert visits.filter(starts_at__lt=timezone.now()).exists()
    assert ReminderConsent.objects.filter(channel="sms").exists()
    assert not VisitMessage.objects.exists()  # seeding sends nothing
    ctx.later = {}  # a second run: households.demo paused no file
    demo.seed(ctx)
    assert Contact.objects.count() == contacts
    assert Accompaniment.objects.count() == 18
