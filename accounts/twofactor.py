"""The second factor (docs/security.md: TOTP for every role): the one owner of the devices' state.

Each user has at most one confirmed TOTP device (an authenticator application, django-otp's
`TOTPDevice`) and one set of single-use backup codes (`StaticDevice`). Enrolment creates an
unconfirmed device whose key the user scans; the first valid code confirms it. A code is
accepted once: django-otp refuses a TOTP time step at or before the last one used (replay) and
deletes a backup code when it is used; both throttle after wrong codes (1 s, 2 s, 4 s…).
Resetting (the admin, `audit.actions.reset_second_factor`) deletes both devices.
"""

import base64
import re

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.db import transaction
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

APP_DEVICE_NAME = "Application d'authentification"
BACKUP_DEVICE_NAME = "Codes de secours"
# Set at login for a user who enrolled while REQUIRE_2FA is off: their second factor still counts.
SESSION_KEY = "second_factor_required"


def confirmed_device(user):
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def pending_device(user):
    """The unconfirmed device being enrolled (the same across reloads, so a scanned QR stays good)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)
    return device


def is_required(request) -> bool:
    return settings.REQUIRE_2FA or bool(request.session.get(SESSION_KEY))


def needs_verification(request) -> bool:
    user = request.user
    return user.is_authenticated and not user.is_verified() and is_required(request)


def secret_for_display(device) -> str:
    """The key in base32, in groups of four, for typing it into the application by hand."""
    secret = base64.b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_data_uri(device) -> str:
    """The provisioning QR code as an SVG data: URI (pure Python, no image library, no CDN)."""
    image = qrcode.make(
        device.config_url, image_factory=qrcode.image.svg.SvgPathImage, border=2, box_size=10
    )
    svg = image.to_string(encoding="unicode")
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def normalise(token: str) -> str:
    return re.sub(r"[\s-]", "", token or "").lower()


class Refused(Exception):
    """A code refused, with the French message to show. Raised outside the transaction that
    counted the failure, so the throttling survives the refusal."""


THROTTLED = "Trop de codes erronés : patientez quelques secondes avant de réessayer."


def _try(device, token) -> str | None:
    """Verify `token` on `device` (locked); None if accepted, else why not."""
    allowed, _ = device.verify_is_allowed()
    if not allowed:
        return THROTTLED
    return None if device.verify_token(token) else "wrong"


def verify(request, token: str):
    """Check `token` (a 6-digit TOTP code or a backup code); on success mark the session verified.

    Returns the device that accepted it; raises `Refused` with a French message otherwise.
    """
    user = request.user
    token = normalise(token)
    model = TOTPDevice if re.fullmatch(r"\d{6}", token) else StaticDevice
    problem = "wrong"
    with transaction.atomic():
        for device in model.objects.filter(user=user, confirmed=True).select_for_update():
            problem = _try(device, token)
            if problem is None:
                otp_login(request, device)
                return device
    if problem == THROTTLED:
        raise Refused(THROTTLED)
    raise Refused(
        "Code incorrect ou déjà utilisé : saisissez le code à 6 chiffres affiché en ce moment par "
        "l'application (ou un code de secours non utilisé)."
    )


def confirm(request, device, token: str) -> list[str]:
    """Enrolment: the first valid code confirms `device`; returns the new backup codes."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        problem = _try(device, normalise(token))
        if problem is None:
            TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            return new_backup_codes(device.user)
    if problem == THROTTLED:
        raise Refused(THROTTLED)
    raise Refused(
        "Code incorrect : vérifiez que l'heure du téléphone est juste et saisissez le code "
        "à 6 chiffres affiché en ce moment par l'application."
    )


@transaction.atomic
def new_backup_codes(user) -> list[str]:
    """Replace the user's backup codes with fresh ones (shown once, stored as given)."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(settings.BACKUP_CODES_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def backup_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def reset(user) -> int:
    """Delete every device of `user`: their next login enrols anew. Returns how many went."""
    count = TOTPDevice.objects.filter(user=user).delete()[1].get("otp_totp.TOTPDevice", 0)
    count += StaticDevice.objects.filter(user=user).delete()[1].get("otp_static.StaticDevice", 0)
    return count
