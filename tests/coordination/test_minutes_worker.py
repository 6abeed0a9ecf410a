"""Approved minutes through a real Celery worker and Redis: queued on commit, one delivery row
per recipient."""

import time

import pytest
from django.core import mail

from coordination.models import MinutesDelivery

from .factories import AgendaItemFactory, MeetingFactory


@pytest.mark.celery_worker
def test_minutes_sent_by_a_real_worker(celery_worker, ccas_manager, cellule_member, settings):
    settings.DDCS_MINUTES_RECIPIENTS = ["hal@calvados.gouv.fr"]
    meeting = MeetingFactory(past=True, published=True, members=[ccas_manager, cellule_member])
    meeting.attendees.set([ccas_manager])
    AgendaItemFactory(meeting=meeting, household=None, kind="manual", title="Calendrier")
    minutes = meeting.approve_minutes(by=ccas_manager)  # autocommit: on_commit runs now
    for _ in range(150):
        if MinutesDelivery.objects.filter(minutes=minutes).count() == 3:
            break
        time.sleep(0.1)
    assert MinutesDelivery.objects.filter(minutes=minutes, status="sent").count() == 3
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [ccas_manager.email, cellule_member.email, "hal@calvados.gouv.fr"]
    )
