"""settings.SESSION_ENGINE: Django's database sessions, remembering the expiry read with the row.

The row's `expire_date` says when the session was last saved (saving sets it to now +
SESSION_COOKIE_AGE): `accounts.middleware.IdleTimeoutMiddleware` pushes it back only when that
was more than SESSION_REFRESH_SECONDS ago. Same table and data as Django's engine.
"""

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore


class SessionStore(DatabaseSessionStore):
    expire_date = None  # of the row as loaded (None: no live row)

    def _get_session_from_db(self):
        row = super()._get_session_from_db()
        self.expire_date = row.expire_date if row else None
        return row
