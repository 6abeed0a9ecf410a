"""Redis down or frozen: the web change is saved at once, its work waits in the outbox and is
delivered once when the relay runs (one mechanism for every kind of work)."""

import socket
import threading
import time
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accompaniments.models import Signal, SignalKind
from caen_accompagnement.celery import app
from households.enums import Status
from notifications.models import OutboxMessage
from notifications.tasks import relay_outbox
from tests.conftest import drop_broker_connections
from tests.factories import HouseholdFactory
from tests.test_once import form_key


class FrozenServer:
    """Accepts connections and never answers (a Redis that hangs)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.clients = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.clients.append(conn)

    def close(self):
        for conn in self.clients:
            conn.close()
        self.sock.close()


@pytest.fixture
def broker(request):
    """`broker("down")` or `broker("frozen")`: the app's broker for the test, then put back."""
    servers = []
    previous = app.conf.task_always_eager, app.conf.broker_url

    def use(state):
        if state == "frozen":
            servers.append(FrozenServer())
            url = f"redis://127.0.0.1:{servers[-1].port}/0"
        else:
            url = "redis://127.0.0.1:9/0"  # nothing listens there
        app.conf.task_always_eager = False
        app.conf.broker_url = url
        drop_broker_connections()

    yield use
    app.conf.task_always_eager, app.conf.broker_url = previous
    for server in servers:
        server.close()
    drop_broker_connections()


@pytest.mark.django_db
@pytest.mark.parametrize("state", ["down", "frozen"])
def test_signal_saved_fast_and_delivered_once_when_the_relay_runs(
    state, broker, client, social_worker, tenancy_officer, django_capture_on_commit_callbacks
):
    household = HouseholdFactory(referent=social_worker, status=Status.ACCOMPANIED, tenant=True)
    broker(state)
    client.force_login(tenancy_officer)
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accompaniments:signal_create"),
            {
                "household": household.reference,
                "kind": SignalKind.UNPAID_RENT,
                "amount": "300",
                "months": "1",
                "description": "Un loyer impayé.",
            },
        )
    elapsed = time.monotonic() - started
    assert response.status_code == 302
    assert elapsed < 2, elapsed  # the request never waits for the broker
    signal = Signal.objects.get()
    message = OutboxMessage.objects.get()
    assert message.done_at is None and signal.notified_at is None and mail.outbox == []

    # Redis is back (or not: the periodic relay runs the message in the worker itself).
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        assert relay_outbox.apply().get() == 1
        assert relay_outbox.apply().get() == 0
    assert [m.to for m in mail.outbox] == [[social_worker.email]]
    assert Signal.objects.count() == 1


@pytest.mark.django_db
def test_a_failing_message_is_retried_then_abandoned(social_worker, tenancy_officer, settings):
    settings.EMAIL_BACKEND = "tests.notifications.test_centre.BrokenBackend"
    household = HouseholdFactory(referent=social_worker, status=Status.ACCOMPANIED)
    Signal.record(household, kind=SignalKind.LACK_OF_UPKEEP, by=tenancy_officer)
    message = OutboxMessage.objects.get()
    now = timezone.now() + timedelta(minutes=2)
    for attempt in range(1, 9):
        with time_machine.travel(now):
            assert relay_outbox.apply().get() == 0
        message.refresh_from_db()
        assert message.attempts == attempt
        now = message.next_at
    assert message.failed_at is not None and "serveur indisponible" in message.error
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(now + timedelta(days=1)):
        assert relay_outbox.apply().get() == 0  # abandoned: visible in the admin, not retried
    assert mail.outbox == []


@pytest.mark.celery_worker
def test_fast_path_through_a_real_worker_runs_once(celery_worker, social_worker, tenancy_officer):
    household = HouseholdFactory(referent=social_worker, status=Status.ACCOMPANIED)
    signal = Signal.record(household, kind=SignalKind.LACK_OF_UPKEEP, by=tenancy_officer)
    message = OutboxMessage.objects.get()
    deadline = time.monotonic() + 30
    while not OutboxMessage.objects.filter(pk=message.pk, done_at__isnull=False).exists():
        assert time.monotonic() < deadline
        time.sleep(0.1)
    # The periodic relay finds nothing left; the message is not run twice.
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        assert relay_outbox.apply().get() == 0
    signal.refresh_from_db()
    assert signal.notified_at is not None
    assert [m.to for m in mail.outbox] == [[social_worker.email]]


@pytest.mark.django_db
def test_a_signal_form_submitted_twice_records_one_signal(
    client, social_worker, tenancy_officer, django_capture_on_commit_callbacks
):
    household = HouseholdFactory(referent=social_worker, status=Status.ACCOMPANIED, tenant=True)
    client.force_login(tenancy_officer)
    key = form_key(client.get(reverse("accompaniments:signal_create")))
    data = {
        "household": household.reference,
        "kind": SignalKind.LACK_OF_UPKEEP,
        "description": "Parties communes encombrées.",
        "once_key": key,
    }
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(reverse("accompaniments:signal_create"), data)
        again = client.post(reverse("accompaniments:signal_create"), data)  # a retried submit
    assert first.status_code == again.status_code == 302
    assert first.url == again.url
    assert Signal.objects.count() == 1 and OutboxMessage.objects.count() == 1
    assert [m.to for m in mail.outbox] == [[social_worker.email]]
    other = form_key(client.get(reverse("accompaniments:signal_create")))
    assert other != key  # each displayed form has its own
