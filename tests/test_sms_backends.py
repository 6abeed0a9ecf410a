"""The SMS backends (caen_accompagnement/sms.py): the Brevo adapter against a local fake of
Brevo's HTTP API (success, HTTP 500, timeout), the file and in-memory backends."""

import io
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from caen_accompagnement import sms


class FakeBrevo:
    """POST /v3/transactionalSMS/send on 127.0.0.1, a random port: records each request and
    answers with `status` (and a messageId when 201), after `delay` seconds."""

    def __init__(self):
        self.requests, self.status, self.delay = [], 201, 0.0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                fake.requests.append(
                    {
                        "path": self.path,
                        "headers": {k.lower(): v for k, v in self.headers.items()},
                        "json": json.loads(body),
                    }
                )
                time.sleep(fake.delay)
                answer = {"messageId": 1511882900176220} if fake.status == 201 else {}
                payload = json.dumps(answer).encode()
                try:
                    self.send_response(fake.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/v3/transactionalSMS/send"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def brevo(settings):
    with FakeBrevo() as fake:
        settings.SMS_BACKEND = "caen_accompagnement.sms.BrevoBackend"
        settings.SMS_BREVO_URL = fake.url
        settings.SMS_BREVO_API_KEY = "cle-de-test"
        settings.SMS_SENDER = "CCASCaen"
        settings.SMS_TIMEOUT = 0.5
        yield fake


def test_brevo_request_format_and_message_id(brevo):
    assert sms.send_sms("+33639981234", "Rappel : mardi 3 décembre à 14 h 30") == (
        "1511882900176220"
    )
    (request,) = brevo.requests
    assert request["path"] == "/v3/transactionalSMS/send"
    assert request["headers"]["api-key"] == "cle-de-test"
    assert request["headers"]["content-type"] == "application/json"
    assert request["json"] == {
        "sender": "CCASCaen",
        "recipient": "33639981234",
        "content": "Rappel : mardi 3 décembre à 14 h 30",
        "type": "transactional",
        "unicodeEnabled": True,
    }


def test_brevo_server_error_raises(brevo):
    brevo.status = 500
    with pytest.raises(sms.SmsError, match="HTTP 500"):
        sms.send_sms("+33639981234", "Rappel")


def test_brevo_timeout_raises(brevo):
    brevo.delay = 2
    with pytest.raises(sms.SmsError, match="injoignable"):
        sms.send_sms("+33639981234", "Rappel")


def test_file_locmem_and_console_backends(settings, tmp_path):
    settings.SMS_BACKEND = "caen_accompagnement.sms.FileBackend"
    settings.SMS_FILE_PATH = str(tmp_path / "sms")
    sms.send_sms("+33639981234", "Bonjour")
    (written,) = Path(settings.SMS_FILE_PATH).glob("*.sms")
    assert written.read_text(encoding="utf-8") == "À : +33639981234\n\nBonjour\n"
    sms.outbox.clear()
    sms.send_sms(
        "+33639981234", "Bonjour", backend=sms.get_backend("caen_accompagnement.sms.LocmemBackend")
    )
    assert sms.outbox[0]["body"] == "Bonjour"
    stream = io.StringIO()
    sms.ConsoleBackend(stream=stream).send("+33639981234", "Bonjour")
    assert "SMS à +33639981234" in stream.getvalue()


@pytest.mark.django_db
def test_a_visit_reminder_through_brevo_then_a_failure_marked(brevo, social_worker):
    """The whole path: the job sends through the adapter; Brevo answering 500 leaves the
    message to retry, then failed after VISIT_MESSAGE_MAX_TRIES (shown to the référent)."""
    import datetime

    import time_machine
    from django.utils import timezone

    from accompaniments import tasks
    from accompaniments.models import (
        MessageState,
        PlannedVisit,
        ReminderChannel,
        ReminderConsent,
        VisitMessage,
    )
    from households.enums import Status
    from tests.accompaniments.factories import AccompanimentFactory
    from tests.factories import HouseholdFactory

    def accompaniment():
        acc = AccompanimentFactory(
            household=HouseholdFactory(referent=social_worker, status=Status.ACCOMPANIED)
        )
        ReminderConsent.record(
            acc.household,
            channel=ReminderChannel.SMS,
            phone="06 39 98 00 01",
            given_on=timezone.localdate(),
            by=social_worker,
        )
        PlannedVisit.plan(
            acc,
            kind="home_visit",
            starts_at=timezone.now() + datetime.timedelta(hours=30),
            by=social_worker,
        )
        return acc

    accompaniment()
    tasks.remind_visits.apply()
    sent = VisitMessage.objects.get()
    assert sent.state == MessageState.SENT and sent.provider_id == "1511882900176220"
    assert brevo.requests[0]["json"]["recipient"] == "33639980001"

    brevo.status = 500
    accompaniment()
    tasks.remind_visits.apply()
    failing = VisitMessage.objects.exclude(pk=sent.pk).get()
    assert failing.state == MessageState.PENDING and "HTTP 500" in failing.error
    for hours in range(1, 5):  # the waits grow: 10, 20, 40 minutes…
        with time_machine.travel(timezone.now() + datetime.timedelta(hours=hours)):
            tasks.remind_visits.apply()
    failing.refresh_from_db()
    assert failing.state == MessageState.FAILED
    assert failing.tries == 4  # VISIT_MESSAGE_MAX_TRIES, no more
    assert len(brevo.requests) == 1 + 4
