"""A worker killed in the middle of a delivery task: the mail leaves once, after the restart.

A real Celery worker in a subprocess (prefork, one pool process) on the Redis at REDIS_URL and the
test database, with a mail backend that blocks until the test releases it
(tests/notifications/blocking_mail.py). The test kills the worker while it sends, then:

- the whole worker (main process and pool process, SIGKILL: a lost machine, the OOM killer):
  the message stays unacknowledged in Redis (`task_acks_late`); a new worker gets it back once
  the visibility timeout has passed (2 s here, tests/notifications/worker_settings.py);
- the pool process only: the worker requeues the message (`task_reject_on_worker_lost`) and runs
  it again at once (the visibility timeout is an hour here, as in production, so the redelivery
  is the worker's own; without that setting the message is acknowledged and lost).

Either way the killed attempt's transaction never committed, so the redelivered task finds the
mail still to send and sends it: one mail, though the sending started twice.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.utils import timezone

from accompaniments.models import Signal, SignalKind
from caen_accompagnement.celery import app
from households.enums import Status
from notifications.enums import Kind, MailState
from notifications.models import Notification, OutboxMessage
from tests.conftest import configured_redis_url, drop_broker_connections, require_postgresql
from tests.factories import HouseholdFactory

ROOT = Path(settings.BASE_DIR)


def wait_for(condition, seconds=60):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ", 1)[1][0] != "Z"  # a zombie is dead
    except FileNotFoundError:
        return False


def database_url_of_the_tests():
    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    return (
        f"postgres://{quote(db['USER'], safe='')}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    )


class Worker:
    """`celery worker` in its own process group, on the test database and REDIS_URL."""

    def __init__(self, mail_dir, redis_url, log, visibility_timeout):
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.notifications.worker_settings",
            "DATABASE_URL": database_url_of_the_tests(),
            "REDIS_URL": redis_url,
            "BLOCKING_MAIL_DIR": str(mail_dir),
            "TEST_VISIBILITY_TIMEOUT": str(visibility_timeout),
        }
        self.log = log
        self.process = None

    def start(self):
        command = [sys.executable, "-m", "celery", "-A", "caen_accompagnement", "worker"]
        command += ["-P", "prefork", "-c", "1", "-l", "INFO"]
        command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=log, stderr=log, start_new_session=True
            )

    def kill(self):
        """SIGKILL to the main process and its pool process at once."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


@pytest.fixture
def killable_worker(transactional_db, tmp_path):
    require_postgresql("the worker subprocess reads the test database")
    url = configured_redis_url()
    # This test owns the Redis database of REDIS_URL: start from an empty queue, with nothing
    # left unacknowledged by an interrupted run.
    redis.Redis.from_url(url).delete("celery", "unacked", "unacked_index")
    previous = {key: app.conf[key] for key in ("task_always_eager", "broker_url")}
    app.conf.update(task_always_eager=False, broker_url=url)
    drop_broker_connections()
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    workers = []

    def start(visibility_timeout):
        worker = Worker(mail_dir, url, tmp_path / "worker.log", visibility_timeout)
        worker.start()
        workers.append(worker)
        return worker

    start.mail_dir = mail_dir
    start.log = tmp_path / "worker.log"
    try:
        yield start
    finally:
        (mail_dir / "release").touch()
        for worker in workers:
            worker.kill()
        redis.Redis.from_url(url).delete("celery", "unacked", "unacked_index")
        app.conf.update(**previous)
        drop_broker_connections()


def pending_reminder(manager):
    notification = Notification.objects.notify(
        manager,
        kind=Kind.NO_CELLULE,
        title="Aucune cellule prévue ce trimestre",
        url="/cellule/",
        obj="programme:cellule",
        due_on=timezone.localdate(),
    )
    assert notification.mail_state == MailState.PENDING
    app.send_task("notifications.send_mails")  # what beat sends every five minutes

    def delivered():
        notification.refresh_from_db()
        return notification.mail_state == MailState.SENT

    def unchanged():
        notification.refresh_from_db()
        return notification.mail_state == MailState.PENDING and notification.mail_tries == 0

    return manager.email, delivered, unchanged


def signal_through_the_outbox(referent, tenancy_officer):
    household = HouseholdFactory(referent=referent, status=Status.ACCOMPANIED, tenant=True)
    # Its outbox message goes to the broker after the commit (notifications.relay_message).
    record = Signal.record(household, kind=SignalKind.LACK_OF_UPKEEP, by=tenancy_officer)
    message = OutboxMessage.objects.get()

    def delivered():
        message.refresh_from_db()
        return message.done_at is not None

    def unchanged():
        message.refresh_from_db()
        record.refresh_from_db()
        return message.done_at is None and message.attempts == 0 and record.notified_at is None

    return referent.email, delivered, unchanged


@pytest.mark.celery_worker
@pytest.mark.parametrize("killed", ["whole worker", "pool process"])
@pytest.mark.parametrize("work", ["reminder mail", "outbox message"])
def test_worker_killed_mid_task_delivers_once_after_restart(
    killable_worker, work, killed, ccas_manager, social_worker, tenancy_officer
):
    if work == "reminder mail":
        recipient, delivered, unchanged = pending_reminder(ccas_manager)
    else:
        recipient, delivered, unchanged = signal_through_the_outbox(social_worker, tenancy_officer)
    mail_dir = killable_worker.mail_dir
    visibility_timeout = 2 if killed == "whole worker" else 3600
    worker = killable_worker(visibility_timeout)

    def started():
        return sorted(mail_dir.glob("started-*"))

    assert wait_for(lambda: len(started()) == 1), killable_worker.log.read_text()
    pool_pid = int(started()[0].read_text())
    # Killed while the mail is being handed over: nothing was sent, nothing committed.
    if killed == "whole worker":
        worker.kill()
    else:
        os.kill(pool_pid, signal.SIGKILL)
    assert wait_for(lambda: not alive(pool_pid), 10)
    assert list(mail_dir.glob("sent-*")) == []
    assert unchanged()

    (mail_dir / "release").touch()
    if killed == "whole worker":
        killable_worker(
            visibility_timeout
        )  # the restart; the pool process case goes on in the same worker
    assert wait_for(delivered), killable_worker.log.read_text()
    assert len(started()) == 2  # the task really ran again after the kill
    time.sleep(3)  # past the visibility timeout: nothing is handed out a third time
    sent = list(mail_dir.glob("sent-*.eml"))
    assert len(sent) == 1, killable_worker.log.read_text()
    assert f"To: {recipient}" in sent[0].read_text()
    if work == "reminder mail":
        # Both attempts carried the same Message-ID (notifications.models.message_id): a copy
        # sent in the window before the commit would be the same message to the recipient's
        # mail system.
        assert "Message-ID: <notification-" in sent[0].read_text()
    assert len(started()) == 2
