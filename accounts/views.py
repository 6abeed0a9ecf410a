from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_POST

from . import twofactor
from .forms import CodeForm, EnrolForm, LoginForm
from .middleware import second_factor_not_required


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        # A user who enrolled while the second factor is optional still has to give a code.
        if twofactor.confirmed_device(form.get_user()) is not None:
            self.request.session[twofactor.SESSION_KEY] = True
        return response


@second_factor_not_required
@require_POST
def logout_view(request):
    logout(request)  # flushes the server-side session
    response = redirect("accounts:login")
    # The browser drops what it stored for the app: form drafts typed by this user (drafts.js
    # also clears them on the logout button, for browsers ignoring the header).
    response["Clear-Site-Data"] = '"storage"'
    return response


def _next_url(request, default="home"):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(default)


def _with_next(url_name, next_url):
    return f"{reverse(url_name)}?{urlencode({'next': next_url})}"


@second_factor_not_required
def two_factor_verify(request):
    """Second step of the login: a code from the application, or a backup code."""
    next_url = _next_url(request)
    if not twofactor.needs_verification(request):
        return redirect(next_url)
    if twofactor.confirmed_device(request.user) is None:
        return redirect(_with_next("accounts:two_factor_setup", next_url))
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                twofactor.verify(request, form.cleaned_data["code"])
            except twofactor.Refused as refused:
                form.add_error("code", str(refused))
            else:
                return redirect(next_url)
        status = 400
    return render(
        request,
        "registration/two_factor_verify.html",
        {"form": form, "next": next_url},
        status=status,
    )


@second_factor_not_required
def two_factor_setup(request):
    """Enrolment: scan the QR code (or type the key), then give the first code."""
    next_url = _next_url(request)
    if twofactor.confirmed_device(request.user) is not None:
        if not request.user.is_verified():
            return redirect(_with_next("accounts:two_factor_verify", next_url))
        messages.info(request, "La double authentification est déjà activée sur ce compte.")
        return redirect("accounts:account")
    device = twofactor.pending_device(request.user)
    form = EnrolForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                codes = twofactor.confirm(request, device, form.cleaned_data["code"])
            except twofactor.Refused as refused:
                form.add_error("code", str(refused))
            else:
                return render(
                    request,
                    "registration/backup_codes.html",
                    {"codes": codes, "next": next_url, "enrolled": True},
                )
        status = 400
    context = {
        "form": form,
        "next": next_url,
        "qr": twofactor.qr_data_uri(device),
        "secret": twofactor.secret_for_display(device),
    }
    return render(request, "registration/two_factor_setup.html", context, status=status)


def account(request):
    """The user's own account: password, second factor, backup codes left."""
    device = twofactor.confirmed_device(request.user)
    context = {
        "device": device,
        "backup_codes_left": twofactor.backup_codes_left(request.user) if device else 0,
    }
    return render(request, "registration/account.html", context)


@require_POST
def backup_codes(request):
    """New backup codes (the old ones stop working), shown once."""
    if twofactor.confirmed_device(request.user) is None:
        messages.error(request, "Activez d'abord la double authentification.")
        return redirect("accounts:two_factor_setup")
    codes = twofactor.new_backup_codes(request.user)
    return render(
        request,
        "registration/backup_codes.html",
        {"codes": codes, "next": reverse("accounts:account")},
    )


class PasswordChangeView(auth_views.PasswordChangeView):
    """The old password is required; the other sessions end (their session hash no longer
    matches), this one is kept (`update_session_auth_hash`)."""

    template_name = "registration/password_change.html"
    success_url = reverse_lazy("accounts:account")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(
            self.request,
            "Votre mot de passe a été modifié. Vos sessions ouvertes sur d'autres postes sont fermées.",
        )
        return response

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response
