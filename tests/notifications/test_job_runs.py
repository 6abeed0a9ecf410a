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
