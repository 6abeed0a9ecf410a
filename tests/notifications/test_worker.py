"""Reminders through a real Celery worker and Redis: from the beat schedule to mail.outbox."""

import datetime
import io
import time

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from caen_accompagnement.celery import app
from households.enums import Status
from notifications.models import JobRun, Notification
from tests.accompaniments.factories import AccompanimentFactory
from tests.factories import HouseholdFactory


def wait_for(condition, seconds=30):
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.1)
    return condition()


@pytest.mark.celery_worker
def test_beat_firing_twice_sends_one_mail(celery_worker, social_worker):
    household = HouseholdFactory(referent=social_worker, status=Status.ACCOMPANIED)
    acc = AccompanimentFactory(
        household=household, start=timezone.localdate() - datetime.timedelta(days=60)
    )
    call_command("setup_schedules", stdout=io.StringIO())
    entry = PeriodicTask.objects.get(task="accompaniments.remind_contacts")
    # What beat does at each firing: send the scheduled task by name to the broker.
    first = app.send_task(entry.task)
    second = app.send_task(entry.task)
    assert first.id != second.id

    def both_finished():
        return JobRun.objects.filter(job=entry.task, finished_at__isnull=False).count() == 2

    assert wait_for(both_finished)
    assert Notification.objects.get().object_ref == f"accompaniments.accompaniment:{acc.pk}"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [social_worker.email]
    assert acc.get_absolute_url() in mail.outbox[0].body
