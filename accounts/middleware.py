"""The second-factor gate: a logged-in user who must and did not verify a code sees nothing else.

Runs after django-otp's OTPMiddleware (which tells whether the session is verified). Public
views (`login_not_required`) and the views of the second factor itself
(`second_factor_not_required`: verify, enrol, logout) stay reachable; every other view, the
admin included, redirects to the verification page, which sends a user without a device on to
enrolment.
"""

from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.urls import reverse

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
