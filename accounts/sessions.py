"""settings.SESSION_ENGINE: Django's database sessions, remembering the expiry read with the row.

The row's `expire_date` says when the session was last saved (saving sets it to now +
SESSION_COOKIE_AGE): `accounts.middleware.IdleTimeoutMiddleware` pushes it back only when that
was more than SESSION_REFRESH_SECONDS ago. Same table and data as Django's engine.

Every logged-in request reads its session first: the row is read with one plain statement
rather than a QuerySet built and compiled for each request (0.08 against 0.39 ms, four fifths of
the cost being the ORM's; docs/performance.md, « The cost every page pays »). Same condition as
Django's engine: the key, and an expiry still ahead.
"""

import datetime

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import connections, router
from django.utils import timezone


class SessionStore(DatabaseSessionStore):
    expire_date = None  # of the row as loaded (None: no live row)

    def _get_session_from_db(self):
        model = self.model
        db = router.db_for_read(model)
        connection = connections[db]
        table = connection.ops.quote_name(model._meta.db_table)
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT session_data, expire_date FROM {table}"
                " WHERE session_key = %s AND expire_date > %s",
                [self.session_key, now],
            )
            row = cursor.fetchone()
        if row is None:
            self._session_key = None  # as Django's engine: no live row, a new key if saved
            self.expire_date = None
            return None
        data, expire_date = row
        if isinstance(expire_date, str):  # SQLite without its converters
            expire_date = datetime.datetime.fromisoformat(expire_date)
        if timezone.is_naive(expire_date):  # SQLite keeps UTC without its offset
            expire_date = timezone.make_aware(expire_date, datetime.UTC)
        self.expire_date = expire_date
        return model(session_key=self.session_key, session_data=data, expire_date=expire_date)


def purge_expired(now=None):
    """Delete the sessions whose expiry has passed (Django leaves them to `clearsessions`, and
    a logout by inactivity leaves its row behind): the number deleted. Run every night by the
    job `accounts.purge_expired_sessions` (notifications/tasks.py)."""
    return (
        SessionStore.get_model_class()
        .objects.filter(expire_date__lt=now or timezone.now())
        .delete()[0]
    )
