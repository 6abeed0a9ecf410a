"""Expired sessions are deleted every night by a scheduled job (Django's database sessions are
never deleted by Django itself): the live ones stay, and their users stay logged in."""

import io
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from caen_accompagnement.celery import app
from notifications.models import JobRun

pytestmark = pytest.mark.django_db


def test_the_nightly_job_deletes_expired_sessions_only(client, social_worker, ccas_manager):
    client.force_login(social_worker)
    live = client.session.session_key
    for minutes in (31, 60 * 24 * 40):  # one idle past its 30 minutes, one long forgotten
        other = type(client)()
        other.force_login(ccas_manager)
        Session.objects.filter(session_key=other.session.session_key).update(
            expire_date=timezone.now() - timedelta(minutes=minutes - 30)
        )
    assert Session.objects.count() == 3

    call_command("setup_schedules", stdout=io.StringIO())
    entry = PeriodicTask.objects.get(name="Suppression des sessions expirées")
    app.loader.import_default_modules()
    assert app.tasks[entry.task].apply().get() == 2  # what beat runs, by its name

    assert list(Session.objects.values_list("session_key", flat=True)) == [live]
    assert JobRun.objects.get(job=entry.task).processed == 2
    assert client.get(reverse("accompaniments:caseload")).status_code == 200  # still logged in
