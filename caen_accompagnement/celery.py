import logging
import os

from celery import Celery
from django.db import transaction
from kombu.exceptions import OperationalError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "caen_accompagnement.settings")

app = Celery("caen_accompagnement")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

logger = logging.getLogger(__name__)


def enqueue_on_commit(task, *args):
    """Send `task` to the worker once the current transaction has committed.

    By then the user's change is saved: if the broker cannot be reached, the page must not turn
    into an error (the user would redo a change that was made), so the failure is logged for the
    administrator instead. Errors of the task itself are not caught here.
    """

    def send():
        try:
            task.delay(*args)
        except OperationalError:
            logger.exception("Tâche %s%r non transmise : broker injoignable", task.name, args)

    transaction.on_commit(send)


def run_each(task, pks, failure):
    """Catch-up jobs: run `task` here, in this worker, for each primary key; a failure is logged
    with `failure % pk` and does not stop the others. Returns the sum of what the runs return."""
    done = 0
    for pk in pks:
        try:
            done += task(pk)
        except Exception:  # noqa: BLE001 - one failure must not stop the others
            logger.exception(failure, pk)
    return done


def periodic_job(name):
    """Declare a periodic job (scheduled in `setup_schedules`): the task records its run, its
    outcome and the notifications it produced (notifications.JobRun, read by the operators'
    page). The decorated function receives the run and passes it to `Notification.objects.notify`.
    """
    from functools import wraps

    from celery import shared_task

    def decorator(func):
        @shared_task(name=name)
        @wraps(func)
        def job():
            from notifications.models import JobRun

            with JobRun.track(name) as run:
                return func(run)

        return job

    return decorator
