"""One signal through a real Celery worker and Redis: queued on commit, sent by the worker."""

import os
import time

import pytest
from django.core import mail

from accompaniments.models import Signal, SignalKind
from households.enums import Status
from tests.conftest import service_unavailable
from tests.factories import HouseholdFactory

REDIS = os.environ.get("TEST_REDIS_URL", os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/7"))


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_signal_mail_sent_by_a_real_worker(social_worker, tenancy_officer):
    import redis
    from celery.contrib.testing.worker import start_worker

    from caen_accompagnement.celery import app

    try:
        redis.Redis.from_url(REDIS, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        service_unavailable(f"Redis indisponible ({REDIS})")
    household = HouseholdFactory(referent=social_worker, status=Status.ACCOMPANIED)
    keys = ("task_always_eager", "broker_url", "result_backend")
    previous = {key: app.conf[key] for key in keys}
    app.conf.update(
        task_always_eager=False,
        broker_url=REDIS,
        result_backend=REDIS,
        broker_connection_retry_on_startup=True,
    )
    _drop_cached_connections(app)  # earlier tests may have built them for the memory broker
    try:
        with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
            signal = Signal.record(household, kind=SignalKind.LACK_OF_UPKEEP, by=tenancy_officer)
            # transaction=True: record() committed, so on_commit has queued the task.
            for _ in range(100):
                signal.refresh_from_db()
                if signal.notified_at:
                    break
                time.sleep(0.1)
    finally:
        app.conf.update(**previous)
        _drop_cached_connections(app)
    assert signal.notified_at is not None
    assert [m.to for m in mail.outbox] == [[social_worker.email]]


def _drop_cached_connections(app):
    app.amqp._producer_pool = None
    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
