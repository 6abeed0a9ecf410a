"""The second-factor gate: a logged-in user who must and did not verify a code sees nothing else.

Runs after django-otp's OTPMiddleware (which tells whether the session is verified). Public
views (`login_not_required`) and the views of the second factor itself
(`second_factor_not_required`: verify, enrol, logout) stay reachable; every other view, the
admin included, redirects to the verification page, which sends a user without a device on to
enrolment.
"""

import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from . import twofactor


def second_factor_not_required(view):
    view.second_factor_required = False
    return view


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not getattr(view_func, "login_required", True):
            return None
        if not getattr(view_func, "second_factor_required", True):
            return None
        if not twofactor.needs_verification(request):
            return None
        if getattr(request, "htmx", False):
            # An htmx request would swap the verification page into a fragment: reload instead.
            target = request.htmx.current_url_abs_path or "/"
            response = HttpResponse(status=204)
            response["HX-Redirect"] = redirect_to_login(
                target, reverse("accounts:two_factor_verify"), "next"
            ).url
            return response
        return redirect_to_login(
            request.get_full_path(), reverse("accounts:two_factor_verify"), "next"
        )


SESSION_EXPIRED = (
    "Votre session a expiré : reconnectez-vous, votre saisie a été conservée sur cet appareil."
)


class LoginRequiredKeepingInputMiddleware(LoginRequiredMiddleware):
    """Django's LoginRequiredMiddleware, except for a POST that arrives without a session.

    The typed text is kept in the browser (static/js/drafts.js, docs/privacy.md); the login page
    says so and the user comes back, once signed in, to the page of the form (its Referer when
    same-origin, the POST URL otherwise), where the draft is restored.
    """

    def handle_no_permission(self, request, view_func):
        htmx = getattr(request, "htmx", False)
        if request.method != "POST" and not htmx:
            return super().handle_no_permission(request, view_func)
        if request.method == "POST":
            messages.warning(request, SESSION_EXPIRED)
        referer = request.htmx.current_url if htmx else request.headers.get("Referer")
        target = request.get_full_path()
        if referer and url_has_allowed_host_and_scheme(
            referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            parts = urlsplit(referer)
            target = parts.path + (f"?{parts.query}" if parts.query else "")
        login_url = resolve_url(self.get_login_url(view_func))
        response = redirect_to_login(target, login_url, self.get_redirect_field_name(view_func))
        if htmx:
            # An htmx request would swap the login page into a fragment: reload instead.
            htmx_response = HttpResponse(status=204)
            htmx_response["HX-Redirect"] = response.url
            return htmx_response
        return response


class IdleTimeoutMiddleware:
    """The inactivity timeout without writing the session on every request.

    A session expires SESSION_COOKIE_AGE after it was last saved (its row's `expire_date`; the
    cookie itself lasts until the browser closes). Saving it on every request
    (SESSION_SAVE_EVERY_REQUEST) cost an UPDATE and a commit per page; here it is saved when its
    data changed anyway, or when its last save is more than SESSION_REFRESH_SECONDS old (the
    expiry read with the row, accounts/sessions.py). A session therefore ends between
    SESSION_COOKIE_AGE − SESSION_REFRESH_SECONDS and SESSION_COOKIE_AGE after the last request
    (29 to 30 minutes by default): never later than before, at most a minute earlier.

    Placed after SessionMiddleware, so that its response phase runs first. A request without a
    session (no cookie, or one naming no live session) is left alone: no session is created.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or session.modified or session.session_key is None:
            return response  # no session, or saved anyway
        if response.status_code >= 500 or not session.keys():  # loads the row if not yet
            return response  # not saved on an error (SessionMiddleware); no live session
        expire_date = getattr(session, "expire_date", None)
        age = datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE)
        refresh = datetime.timedelta(seconds=settings.SESSION_REFRESH_SECONDS)
        if expire_date is None or expire_date - timezone.now() <= age - refresh:
            session.modified = True  # SessionMiddleware saves it: a new expiry
        return response
