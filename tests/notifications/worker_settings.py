"""Settings of the worker subprocess of tests/notifications/test_worker_killed.py: the project's,
with the blocking mail backend and the visibility timeout the test asks for (2 s: a message left
unacknowledged by a killed worker comes back after 2 s instead of an hour)."""

import os

from caen_accompagnement.settings import *  # noqa: F403

EMAIL_BACKEND = "tests.notifications.blocking_mail.EmailBackend"
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(os.environ["TEST_VISIBILITY_TIMEOUT"]),
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}
