"""Text messages (SMS), sent through a pluggable backend like Django's mail backends.

`settings.SMS_BACKEND` is the dotted path of a backend class:
- `caen_accompagnement.sms.ConsoleBackend` (development, the default): prints the message;
- `caen_accompagnement.sms.FileBackend`: one file per message in `SMS_FILE_PATH` (development,
  tests, like Django's file-based mail backend);
- `caen_accompagnement.sms.LocmemBackend`: kept in `caen_accompagnement.sms.outbox` (tests);
- `caen_accompagnement.sms.BrevoBackend`: Brevo's transactional SMS API (production), with
  `SMS_BREVO_API_KEY`, `SMS_BREVO_URL`, `SMS_SENDER` and `SMS_TIMEOUT`.

A backend's `send(to, body)` returns the provider's message id (or a local one) and raises
`SmsError` when the message did not leave; the caller records the failure and retries. `to` is
an international number ("+33639981234"). This module imports no app.
"""

import json
import sys
import threading
import urllib.error
import urllib.request
import uuid
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

outbox: list[dict] = []  # LocmemBackend's sent messages


class SmsError(Exception):
    """The message did not leave (provider refused it, unreachable, timed out)."""


def get_backend(path=None, **kwargs):
    return import_string(path or settings.SMS_BACKEND)(**kwargs)


def send_sms(to: str, body: str, backend=None) -> str:
    return (backend or get_backend()).send(to, body)


class BaseBackend:
    def __init__(self, **kwargs):
        self.options = kwargs

    def send(self, to: str, body: str) -> str:  # pragma: no cover - interface
        raise NotImplementedError


class ConsoleBackend(BaseBackend):
    _lock = threading.Lock()

    def send(self, to, body):
        message_id = f"console-{uuid.uuid4().hex[:12]}"
        with self._lock:
            stream = self.options.get("stream") or sys.stdout
            stream.write(f"SMS à {to} ({message_id})\n{body}\n{'-' * 79}\n")
            stream.flush()
        return message_id


class FileBackend(BaseBackend):
    """One UTF-8 file per message: its recipient on the first line, then the text."""

    def send(self, to, body):
        directory = Path(self.options.get("file_path") or settings.SMS_FILE_PATH)
        directory.mkdir(parents=True, exist_ok=True)
        message_id = f"{timezone.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:12]}"
        (directory / f"{message_id}.sms").write_text(f"À : {to}\n\n{body}\n", encoding="utf-8")
        return message_id


class LocmemBackend(BaseBackend):
    def send(self, to, body):
        message_id = f"locmem-{len(outbox) + 1}"
        outbox.append({"to": to, "body": body, "id": message_id})
        return message_id


class BrevoBackend(BaseBackend):
    """Brevo (ex-Sendinblue) transactional SMS: POST {sender, recipient, content, type} as JSON
    with the `api-key` header to /v3/transactionalSMS/send; the answer carries `messageId`.
    The recipient is written with its country code and without "+" (33639981234)."""

    def send(self, to, body):
        url = self.options.get("url") or settings.SMS_BREVO_URL
        payload = {
            "sender": settings.SMS_SENDER,
            "recipient": to.lstrip("+"),
            "content": body,
            "type": "transactional",
            "unicodeEnabled": True,  # accents (é, à) as typed
        }
        request = urllib.request.Request(
            url,
            data=json.dumps(payload).encode(),
            method="POST",
            headers={
                "accept": "application/json",
                "content-type": "application/json",
                "api-key": self.options.get("api_key") or settings.SMS_BREVO_API_KEY,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=settings.SMS_TIMEOUT) as response:
                answer = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            raise SmsError(f"Brevo a refusé le SMS (HTTP {exc.code})") from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise SmsError(f"Brevo injoignable : {exc}") from exc
        except ValueError as exc:
            raise SmsError("Réponse de Brevo illisible") from exc
        message_id = answer.get("messageId")
        if message_id is None:
            raise SmsError("Réponse de Brevo sans identifiant de message")
        return str(message_id)
