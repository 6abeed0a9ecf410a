"""Two workers at once: the database, not luck, keeps each reminder and each mail single."""

import threading
import time

import pytest
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone

from accompaniments.models import Signal, SignalKind
from households.enums import Status
from notifications.enums import Kind, MailState
from notifications.models import Notification, OutboxMessage
from tests.conftest import require_postgresql
from tests.factories import HouseholdFactory


class SlowBackend:
    """A mail server that takes its time: the second worker arrives while the first sends."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        time.sleep(0.5)
        mail.outbox.extend(messages)
        return len(messages)


def in_threads(func, count=2):
    results, errors = [], []

    def run():
        try:
            results.append(func())
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert not errors, errors
    return results


@pytest.mark.django_db(transaction=True)
def test_two_workers_create_one_reminder_and_send_one_mail(social_worker, settings):
    require_postgresql("deux transactions concurrentes verrouillant des lignes")
    settings.EMAIL_BACKEND = "tests.notifications.test_concurrency.SlowBackend"
    mail.outbox = []
    household = HouseholdFactory(referent=social_worker, status=Status.ACCOMPANIED)
    signal = Signal.objects.create(household=household, kind=SignalKind.LACK_OF_UPKEEP)
    barrier = threading.Barrier(2)

    def notify():
        barrier.wait()
        with transaction.atomic():
            found = Notification.objects.notify(
                social_worker,
                kind=Kind.SIGNAL_WAITING,
                title="Signalement en attente",
                url=signal.get_absolute_url(),
                obj=signal,
                due_on=timezone.localdate(),
                household=household,
            )
            time.sleep(0.3)  # the other worker's insert waits on the unique index meanwhile
        return found

    created = [n for n in in_threads(notify) if n is not None]
    assert len(created) == 1 and Notification.objects.count() == 1
    pk = created[0].pk

    def deliver():
        barrier.wait()
        return Notification.deliver(pk)

    assert sorted(in_threads(deliver)) == [0, 1]
    assert len(mail.outbox) == 1
    assert Notification.objects.get(pk=pk).mail_state == MailState.SENT


@pytest.mark.django_db(transaction=True)
def test_two_relays_run_an_outbox_message_once(social_worker, tenancy_officer, settings):
    require_postgresql("deux transactions concurrentes verrouillant des lignes")
    settings.EMAIL_BACKEND = "tests.notifications.test_concurrency.SlowBackend"
    mail.outbox = []
    household = HouseholdFactory(referent=social_worker, status=Status.ACCOMPANIED)
    # Recorded without its fast path (as when the broker lost it): two relays race for it.
    signal = Signal.objects.create(household=household, kind=SignalKind.LACK_OF_UPKEEP)
    message = OutboxMessage.record("accompaniments.tasks.notify_signal", [signal.pk])
    barrier = threading.Barrier(2)

    def relay():
        barrier.wait()
        return OutboxMessage.relay(message.pk)

    assert sorted(in_threads(relay)) == [0, 1]
    assert len(mail.outbox) == 1
