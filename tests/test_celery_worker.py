"""A real Celery worker, on Redis at REDIS_URL, runs the audit purge against the real database.

Every other test runs task bodies inline (tests/conftest.py); this one turns that off, starts an
embedded worker (`celery.contrib.testing.worker.start_worker`) and sends the task through the
broker. The worker runs in its own thread, with its own database connection, so the test uses
`transactional_db`: the rows must be committed for the worker to see them.
"""

import io
import threading
import time
from datetime import timedelta

import pytest
from celery.result import EagerResult
from celery.signals import task_postrun
from django.utils import timezone

from audit.models import Action, AuditEntry
from caen_accompagnement.celery import app
from notifications.tasks import purge_expired_entries

RAN_IN = {}


def remember_thread(task_id=None, **kwargs):
    RAN_IN[task_id] = threading.get_ident()


@pytest.fixture
def thread_of_each_task():
    task_postrun.connect(remember_thread, weak=False)
    yield RAN_IN
    task_postrun.disconnect(remember_thread)


@pytest.mark.celery_worker
def test_worker_purges_expired_audit_entries(celery_worker, thread_of_each_task, settings):
    settings.AUDIT_RETENTION_DAYS = 180
    now = timezone.now()
    old = AuditEntry.objects.create(
        action=Action.VIEW, object_type="test", at=now - timedelta(days=200)
    )
    recent = AuditEntry.objects.create(
        action=Action.VIEW, object_type="test", at=now - timedelta(days=10)
    )

    result = purge_expired_entries.delay()
    assert not isinstance(result, EagerResult)  # sent to the broker, not run inline

    deadline = time.monotonic() + 20
    while AuditEntry.objects.filter(pk=old.pk).exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not AuditEntry.objects.filter(pk=old.pk).exists()
    assert AuditEntry.objects.filter(pk=recent.pk).exists()
    assert thread_of_each_task[result.id] != threading.get_ident()  # in the worker's thread


@pytest.mark.django_db
def test_every_schedule_names_a_registered_task_and_setup_is_idempotent():
    from django.core.management import call_command
    from django_celery_beat.models import PeriodicTask

    from caen_accompagnement.management.commands.setup_schedules import SCHEDULES

    app.loader.import_default_modules()  # what a worker does at start: autodiscover tasks
    call_command("setup_schedules", stdout=io.StringIO())
    call_command("setup_schedules", stdout=io.StringIO())
    assert PeriodicTask.objects.count() == len(SCHEDULES)
    for task in PeriodicTask.objects.all():
        assert task.task in app.tasks, task.task
        assert task.enabled and task.crontab is not None
    purge = PeriodicTask.objects.get(task="audit.purge_expired_entries")
    assert (purge.crontab.hour, purge.crontab.minute) == ("3", "15")
    imports = PeriodicTask.objects.get(task="households.purge_abandoned_imports")
    assert (imports.crontab.hour, imports.crontab.minute) == ("*", "40")  # hourly


@pytest.mark.django_db
def test_the_purge_task_body_keeps_recent_entries(settings):
    settings.AUDIT_RETENTION_DAYS = 30
    now = timezone.now()
    AuditEntry.objects.create(action=Action.VIEW, object_type="test", at=now - timedelta(days=31))
    AuditEntry.objects.create(action=Action.VIEW, object_type="test", at=now - timedelta(days=29))
    assert purge_expired_entries.apply().get() == 1
    assert AuditEntry.objects.count() == 1
