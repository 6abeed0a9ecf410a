"""Login throttling that an attacker cannot turn against a colleague (django-axes handler).

Two limits, no CAPTCHA:

- per account *and* address (axes itself, `AXES_LOCKOUT_PARAMETERS`): `AXES_FAILURE_LIMIT`
  failures lock that pair for `AXES_COOLOFF_TIME`. A bad guess from elsewhere never locks the
  account on its owner's computer;
- per account, from anywhere: past `LOGIN_USERNAME_CAP` failures in 24 hours (a spread-out
  guessing attack), an address from which the account has *not* logged in successfully in the
  last `LOGIN_KNOWN_ADDRESS_DAYS` days waits a back-off after the last failure, doubling with each
  further failure (`LOGIN_BACKOFF_MINUTES`, 2×, 4×… up to a day). The addresses the account
  logged in from before keep only the first limit, so the owner still gets in.

Failures and successful logins are axes' own records (`AccessFailureLog`, `AccessLog`).
"""

from datetime import timedelta

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessFailureLog, AccessLog
from django.conf import settings
from django.utils import timezone

WINDOW = timedelta(hours=24)
MAX_BACKOFF = timedelta(hours=24)


def backoff_until(username, ip_address, now=None):
    """When `ip_address` may try `username` again, or None if it may now."""
    if not username or settings.LOGIN_USERNAME_CAP <= 0:
        return None
    now = now or timezone.now()
    failures = AccessFailureLog.objects.filter(username=username, attempt_time__gte=now - WINDOW)
    count = failures.count()
    if count < settings.LOGIN_USERNAME_CAP:
        return None
    known = AccessLog.objects.filter(
        username=username,
        ip_address=ip_address,
        attempt_time__gte=now - timedelta(days=settings.LOGIN_KNOWN_ADDRESS_DAYS),
    ).exists()
    if known:
        return None
    last = failures.order_by("-attempt_time").values_list("attempt_time", flat=True).first()
    excess = min(count - settings.LOGIN_USERNAME_CAP, 20)
    delay = min(timedelta(minutes=settings.LOGIN_BACKOFF_MINUTES) * 2**excess, MAX_BACKOFF)
    until = last + delay
    return until if until > now else None


def _backoff(request, credentials):
    until = backoff_until(
        get_client_username(request, credentials), getattr(request, "axes_ip_address", None)
    )
    if until is not None:
        request.login_backoff_until = until
    return until


class LockoutHandler(AxesDatabaseHandler):
    def is_locked(self, request, credentials=None) -> bool:
        """Before authenticating: the per-pair lockout, then the per-account back-off."""
        return super().is_locked(request, credentials) or _backoff(request, credentials) is not None

    def user_login_failed(self, sender, credentials, request=None, **kwargs):
        """After a failure (a refused try counts too): answer with the lockout page (429) when
        this address is now in back-off, as axes does when the pair reaches its limit."""
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is not None and not request.axes_locked_out and _backoff(request, credentials):
            request.axes_locked_out = True
            request.axes_credentials = credentials
