"""One signal through a real Celery worker and Redis: queued on commit, sent by the worker."""

import time

import pytest
from django.core import mail

from accompaniments.models import Signal, SignalKind
from households.enums import Status
from tests.factories import HouseholdFactory


@pytest.mark.celery_worker
def test_signal_mail_sent_by_a_real_worker(celery_worker, social_worker, tenancy_officer):
    household = HouseholdFactory(referent=social_worker, status=Status.ACCOMPANIED)
    signal = Signal.record(household, kind=SignalKind.LACK_OF_UPKEEP, by=tenancy_officer)
    # transactional_db: record() committed, so on_commit has queued the task.
    for _ in range(100):
        signal.refresh_from_db()
        if signal.notified_at:
            break
        time.sleep(0.1)
    assert signal.notified_at is not None
    assert [m.to for m in mail.outbox] == [[social_worker.email]]
