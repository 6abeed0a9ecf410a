"""Approved minutes through a real Celery worker and Redis: queued on commit, one delivery row
per recipient."""

import os
import time

import pytest
from django.core import mail

from coordination.models import MinutesDelivery
from tests.conftest import service_unavailable

from .factories import AgendaItemFactory, MeetingFactory

REDIS = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/5")


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_minutes_sent_by_a_real_worker(ccas_manager, cellule_member, settings):
    import redis
    from celery.contrib.testing.worker import start_worker

    from caen_accompagnement.celery import app

    try:
        redis.Redis.from_url(REDIS, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        service_unavailable(f"Redis indisponible ({REDIS})")
    settings.DDCS_MINUTES_RECIPIENTS = ["hal@calvados.gouv.fr"]
    meeting = MeetingFactory(past=True, published=True, members=[ccas_manager, cellule_member])
    meeting.attendees.set([ccas_manager])
    AgendaItemFactory(meeting=meeting, household=None, kind="manual", title="Calendrier")
    keys = ("task_always_eager", "broker_url", "result_backend")
    previous = {key: app.conf[key] for key in keys}
    app.conf.update(
        task_always_eager=False,
        broker_url=REDIS,
        result_backend=REDIS,
        broker_connection_retry_on_startup=True,
    )
    _drop_cached_connections(app)
    try:
        with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
            minutes = meeting.approve_minutes(by=ccas_manager)  # autocommit: on_commit runs now
            for _ in range(150):
                if MinutesDelivery.objects.filter(minutes=minutes).count() == 3:
                    break
                time.sleep(0.1)
    finally:
        app.conf.update(**previous)
        _drop_cached_connections(app)
    assert MinutesDelivery.objects.filter(minutes=minutes, status="sent").count() == 3
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [ccas_manager.email, cellule_member.email, "hal@calvados.gouv.fr"]
    )


def _drop_cached_connections(app):
    app.amqp._producer_pool = None
    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
