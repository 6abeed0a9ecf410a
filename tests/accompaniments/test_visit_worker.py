"""The households' reminders through a real Celery worker and Redis (docs/reminders.md): beat
firing the reminder job twice sends one SMS; a cancellation's notice, written in the outbox with
the change, leaves through the broker once committed."""

import datetime
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from accompaniments.models import (
    MessageKind,
    MessageState,
    PlannedVisit,
    ReminderChannel,
    ReminderConsent,
    VisitMessage,
)
from caen_accompagnement.celery import app
from households.enums import Status
from notifications.models import JobRun, OutboxMessage
from tests.accompaniments.factories import AccompanimentFactory
from tests.factories import HouseholdFactory
from tests.notifications.test_worker import wait_for


def sms_files(settings):
    return sorted(Path(settings.SMS_FILE_PATH).glob("*.sms"))


@pytest.fixture
def visit(social_worker):
    acc = AccompanimentFactory(
        household=HouseholdFactory(referent=social_worker, status=Status.ACCOMPANIED)
    )
    ReminderConsent.record(
        acc.household,
        channel=ReminderChannel.SMS,
        phone="06 39 98 44 55",
        given_on=timezone.localdate(),
        by=social_worker,
    )
    return PlannedVisit.plan(
        acc,
        kind="home_visit",
        starts_at=timezone.now() + datetime.timedelta(hours=20),
        by=social_worker,
    )


@pytest.mark.celery_worker
def test_beat_firing_twice_sends_one_sms(celery_worker, visit, settings):
    call_command("setup_schedules", stdout=io.StringIO())
    entry = PeriodicTask.objects.get(task="accompaniments.remind_visits")
    app.send_task(entry.task)
    app.send_task(entry.task)

    def both_finished():
        return JobRun.objects.filter(job=entry.task, finished_at__isnull=False).count() == 2

    assert wait_for(both_finished)
    assert len(sms_files(settings)) == 1
    assert VisitMessage.objects.get().state == MessageState.SENT


@pytest.mark.celery_worker
def test_a_cancellation_notice_leaves_through_the_outbox(
    celery_worker, visit, social_worker, settings
):
    visit.cancel(by=social_worker)  # commits: the notice is relayed by the worker
    notice = VisitMessage.objects.get(kind=MessageKind.CANCELLED)

    def sent():
        notice.refresh_from_db()
        return notice.state == MessageState.SENT

    assert wait_for(sent)
    (written,) = sms_files(settings)
    assert "annulé" in written.read_text(encoding="utf-8")
    assert wait_for(lambda: OutboxMessage.objects.filter(done_at__isnull=False).count() == 1)
