import logging
import os
import queue
import threading

from celery import Celery
from django.db import transaction

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "caen_accompagnement.settings")

app = Celery("caen_accompagnement")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

logger = logging.getLogger(__name__)


def enqueue_on_commit(task, *args):
    """Ask for `task(*args)` once the current transaction has committed (the outbox).

    The request writes the work down in its own transaction (notifications.OutboxMessage) and
    never talks to the broker: after the commit, a background thread hands the message to Redis,
    and the periodic relay runs whatever is still pending (broker down or frozen, message lost).
    Without a broker (no REDIS_URL) the message is run right after the commit, in this process.
    """
    from notifications.models import OutboxMessage

    message = OutboxMessage.record(task.name, args)
    transaction.on_commit(lambda: _relay_soon(message.pk))


def _relay_soon(pk):
    from notifications.models import OutboxMessage

    if app.conf.task_always_eager:
        OutboxMessage.relay(pk)
    else:
        _publisher().put(("notifications.relay_message", [pk]))


_queue = queue.SimpleQueue()
_thread = None
_thread_lock = threading.Lock()


def _publisher():
    """One daemon thread per process hands (task name, args) to the broker; a frozen Redis
    blocks it, not the requests (the periodic relay still runs the work)."""
    global _thread
    with _thread_lock:
        if _thread is None or not _thread.is_alive():
            _thread = threading.Thread(target=_publish_forever, name="outbox", daemon=True)
            _thread.start()
    return _queue


def _publish_forever():
    while True:
        task_name, args = _queue.get()
        try:
            # send_task: always through the broker (never run eagerly in this thread).
            app.send_task(task_name, args=args)
        except Exception:  # noqa: BLE001 - the periodic relay will run it
            logger.warning(
                "Tâche %s%s non transmise au broker : le relais périodique la prendra",
                task_name,
                tuple(args),
            )


def periodic_job(name):
    """Declare a periodic job (scheduled in `setup_schedules`): the task records its run, its
    outcome, the count it returns (rows handled: mails sent, entries purged…) and the
    notifications it produced (notifications.JobRun, read by the operators' page). The decorated
    function receives the run and passes it to `Notification.objects.notify`. Every job of
    `setup_schedules` is declared this way (tests/notifications/test_job_runs.py).
    """
    from functools import wraps

    from celery import shared_task

    def decorator(func):
        @shared_task(name=name)
        @wraps(func)
        def job():
            from notifications.models import JobRun

            with JobRun.track(name) as run:
                run.processed = func(run)
            return run.processed

        job.records_runs = True
        return job

    return decorator
