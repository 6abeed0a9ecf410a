"""Every periodic job of `setup_schedules` records its runs (notifications.JobRun), the audit
purge included although audit sits below notifications: its beat task is declared in
notifications/tasks.py and calls `AuditEntry.purge_expired`."""

import io
import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from audit.models import Action, AuditEntry
from caen_accompagnement.celery import app
from caen_accompagnement.management.commands.setup_schedules import SCHEDULES
from notifications.enums import Outcome
from notifications.models import JobRun

pytestmark = pytest.mark.django_db


def test_every_scheduled_job_records_its_runs():
    app.loader.import_default_modules()  # every app's tasks, as a worker registers them
    for _label, (task, _crontab, _description) in SCHEDULES.items():
        assert getattr(app.tasks[task], "records_runs", False), (
            f"{task}: declare it with caen_accompagnement.celery.periodic_job"
        )


def test_the_audit_purge_run_is_on_the_jobs_page_with_its_count(client, ccas_manager, settings):
    settings.AUDIT_RETENTION_DAYS = 180
    now = timezone.now()
    for days in (200, 190, 10):
        AuditEntry.objects.create(
            action=Action.VIEW, object_type="test", at=now - timedelta(days=days)
        )
    call_command("setup_schedules", stdout=io.StringIO())
    entry = PeriodicTask.objects.get(task="audit.purge_expired_entries")
    app.loader.import_default_modules()
    # What beat does: the scheduled task, by name.
    assert app.tasks[entry.task].apply().get() == 2
    run = JobRun.objects.get(job="audit.purge_expired_entries")
    assert run.outcome == Outcome.SUCCESS and run.processed == 2 and run.finished_at
    assert AuditEntry.objects.count() == 1

    client.force_login(ccas_manager)
    response = client.get(reverse("notifications:jobs"))
    rows = {row["task"]: row for row in response.context["jobs"]}
    assert rows["audit.purge_expired_entries"]["run"].pk == run.pk
    assert rows["audit.purge_expired_entries"]["run"].processed == 2
    html = response.content.decode()
    assert "Non suivie" not in html
    label = next(k for k, v in SCHEDULES.items() if v[0] == "audit.purge_expired_entries")
    row = html.split(label, 1)[1].split("</tr>", 1)[0]
    assert "Réussie" in row and re.search(r"<td>\s*2\s*</td>", row)


def test_a_failing_job_records_its_failure(settings):
    settings.AUDIT_RETENTION_DAYS = "pas un nombre"  # the purge raises TypeError
    app.loader.import_default_modules()
    with pytest.raises(TypeError):
        app.tasks["audit.purge_expired_entries"].apply().get()
    run = JobRun.objects.get(job="audit.purge_expired_entries")
    assert run.outcome == Outcome.FAILED and run.processed is None and "TypeError" in run.error


def test_the_jobs_page_reads_each_jobs_last_run_in_one_query(count_queries):
    from notifications.views import job_rows

    first = JobRun.objects.create(job="notifications.relay_outbox")
    purge = JobRun.objects.create(job="audit.purge_expired_entries")
    last = JobRun.objects.create(job="notifications.relay_outbox")
    JobRun.objects.create(job="une.tache.retiree")  # no longer scheduled: not shown
    with count_queries() as ctx:
        runs = {row["task"]: row["run"] for row in job_rows()}
    assert len(ctx.captured_queries) == 1
    assert runs["notifications.relay_outbox"] == last != first
    assert runs["audit.purge_expired_entries"] == purge
    assert runs["notifications.send_mails"] is None
    assert "une.tache.retiree" not in runs


def test_a_jobs_last_run_is_one_step_down_its_index():
    """1,500 runs a day: the last run of a daily job is read from `jobrun_latest`, not found by
    grouping the whole history (the page's former `GROUP BY job`) nor by walking back through
    a day of the relay's runs."""
    from django.db import connection

    from tests.conftest import require_postgresql

    require_postgresql("plans d'exécution")
    JobRun.objects.create(job="audit.purge_expired_entries")  # at night; then a day of relays
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO notifications_jobrun (job, started_at, outcome, error)"
            " SELECT 'notifications.relay_outbox', now(), 'success', ''"
            " FROM generate_series(1, 5000)"
        )
        cursor.execute("ANALYZE notifications_jobrun")
    plan = JobRun.latest_of(["audit.purge_expired_entries"]).explain()
    assert "jobrun_latest" in plan, plan


def test_the_nightly_purge_drops_old_runs_and_done_messages_only(settings, monkeypatch):
    from accounts.models import User
    from notifications.models import Notification, OutboxMessage

    settings.JOB_RECORD_RETENTION_DAYS = 90
    monkeypatch.setattr("notifications.models.PURGE_BATCH", 1)  # two batches of old runs
    now = timezone.now()
    old_run, older_run = (
        JobRun.objects.create(job="notifications.relay_outbox", started_at=now - timedelta(days=d))
        for d in (91, 400)
    )
    recent_run = JobRun.objects.create(
        job="notifications.relay_outbox", started_at=now - timedelta(days=89)
    )
    notification = Notification.objects.create(
        recipient=User.objects.create(email="agent@test.caen.fr"),
        kind="contact_due",
        title="Contact à faire",
        url="/",
        object_ref="x",
        due_on=now.date(),
        job=old_run,
    )
    days = timedelta(days=91)
    old_done = OutboxMessage.objects.create(task="t", next_at=now - days, done_at=now - days)
    kept = [
        OutboxMessage.objects.create(task="t", next_at=now - days),  # never run: still owed
        OutboxMessage.objects.create(task="t", next_at=now - days, failed_at=now - days),
        OutboxMessage.objects.create(task="t", next_at=now, done_at=now - timedelta(days=89)),
    ]

    call_command("setup_schedules", stdout=io.StringIO())
    entry = PeriodicTask.objects.get(task="notifications.purge_job_records")
    app.loader.import_default_modules()
    assert app.tasks[entry.task].apply().get() == 3  # what beat runs, by its name

    assert not JobRun.objects.filter(pk__in=[old_run.pk, older_run.pk]).exists()
    assert JobRun.objects.filter(pk=recent_run.pk).exists()
    assert JobRun.objects.get(job=entry.task).processed == 3  # the purge's own run
    notification.refresh_from_db()
    assert notification.job is None  # the notification stays
    assert not OutboxMessage.objects.filter(pk=old_done.pk).exists()
    assert set(OutboxMessage.objects.all()) == set(kept)
