"""A test-only mail backend for a worker subprocess (tests/notifications/test_worker_killed.py).

Each message first writes a `started-*` marker (with the process id), then waits until a
`release` file appears in BLOCKING_MAIL_DIR, then writes the message as `sent-*.eml`: the test
kills the worker while it waits, in the middle of a delivery task.
"""

import os
import time
import uuid
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend


class EmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        folder = Path(os.environ["BLOCKING_MAIL_DIR"])
        for message in email_messages:
            (folder / f"started-{uuid.uuid4().hex}").write_text(str(os.getpid()))
            deadline = time.monotonic() + 120
            while not (folder / "release").exists():
                if time.monotonic() > deadline:
                    raise TimeoutError("release never came")
                time.sleep(0.05)
            (folder / f"sent-{uuid.uuid4().hex}.eml").write_bytes(message.message().as_bytes())
        return len(email_messages)
