"""Second factor (docs/security.md: TOTP for every role): enrolment with a real code computed from the
key the page shows, login with a code, replay refused, backup codes, admin reset (logged)."""

import base64
import datetime
import hashlib
import hmac
import re
import struct
import time

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.enums import Role
from audit.models import Action, AuditEntry
from tests.e2e.conftest import PASSWORD
from tests.factories import make_user

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
VERIFY = reverse("accounts:two_factor_verify")
SETUP = reverse("accounts:two_factor_setup")
CASE_PAGE = reverse("households:list")


@pytest.fixture(autouse=True)
def _required(settings):
    settings.REQUIRE_2FA = True


def totp(secret_b32: str, at: float | None = None) -> str:
    """RFC 6238 (SHA-1, 30 s, 6 digits), written here independently of django-otp."""
    key = base64.b32decode(secret_b32.replace(" ", ""))
    counter = int((time.time() if at is None else at) // 30)
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    number = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{number % 1_000_000:06d}"


def log_in(client, user):
    response = client.post(LOGIN, {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    return response


def enrol(client, user):
    """Log in, scan (read the key the page shows), confirm with a real code. Returns (key, codes)."""
    log_in(client, user)
    page = client.get(SETUP)
    assert page.status_code == 200
    secret = page.context["secret"]
    response = client.post(SETUP, {"code": totp(secret), "next": "/"})
    assert response.status_code == 200
    return secret, response.context["codes"]


def test_every_page_waits_for_the_second_factor_then_enrolment(client, social_worker):
    log_in(client, social_worker)
    response = client.get(CASE_PAGE)
    assert response.status_code == 302
    assert response.url == f"{VERIFY}?next={CASE_PAGE}"
    # No device yet: the verification page sends the user to enrolment, `next` kept.
    response = client.get(response.url)
    assert response.status_code == 302 and response.url.startswith(SETUP)
    page = client.get(response.url)
    html = page.content.decode()
    assert "Activer la double authentification" in html
    assert 'src="data:image/svg+xml;base64,' in html
    assert page.context["secret"] in html
    # An SVG drawn in Python, without style (CSP); the key it encodes names the programme.
    svg = base64.b64decode(re.search(r"data:image/svg\+xml;base64,([^\"]+)", html).group(1))
    assert svg.startswith(b"<svg") and b"<path" in svg and b"style" not in svg
    device = TOTPDevice.objects.get(user=social_worker)
    assert not device.confirmed
    assert "issuer=Logement%20accompagn%C3%A9%20Caen" in device.config_url
    # Reloading keeps the same key (a scanned code stays good).
    assert client.get(SETUP).context["secret"] == page.context["secret"]
    assert client.get(CASE_PAGE).status_code == 302  # still nothing before confirmation

    wrong = client.post(SETUP, {"code": "000000", "next": CASE_PAGE})
    assert wrong.status_code == 400
    assert "Code incorrect" in wrong.content.decode()
    device.refresh_from_db()
    assert not device.confirmed

    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=5)):  # throttle: 1 s
        done = client.post(SETUP, {"code": totp(page.context["secret"]), "next": CASE_PAGE})
        assert done.status_code == 200
        assert len(done.context["codes"]) == 10
        assert "ne seront plus affichés" in done.content.decode()
        device.refresh_from_db()
        assert device.confirmed
        assert StaticDevice.objects.get(user=social_worker).token_set.count() == 10
        assert client.get(CASE_PAGE).status_code == 200


def test_login_with_a_code_a_replayed_code_is_refused(client, ccas_manager):
    secret, _ = enrol(client, ccas_manager)
    client.post(reverse("accounts:logout"))
    later = time.time() + 90
    with time_machine.travel(later, tick=False):
        log_in(client, ccas_manager)
        assert client.get(CASE_PAGE).url.startswith(VERIFY)
        code = totp(secret, at=later)
        ok = client.post(VERIFY, {"code": code, "next": CASE_PAGE})
        assert ok.status_code == 302 and ok.url == CASE_PAGE
        assert client.get(CASE_PAGE).status_code == 200
        client.post(reverse("accounts:logout"))
        # The same code again (seen over a shoulder, replayed): refused, in French.
        log_in(client, ccas_manager)
        replay = client.post(VERIFY, {"code": code, "next": CASE_PAGE})
    assert replay.status_code == 400
    html = replay.content.decode()
    assert "Code incorrect ou déjà utilisé" in html
    assert client.get(CASE_PAGE).status_code == 302


def test_wrong_code_french_message_then_throttled(client, social_worker):
    enrol(client, social_worker)
    client.post(reverse("accounts:logout"))
    log_in(client, social_worker)
    wrong = client.post(VERIFY, {"code": "123 456"})
    assert wrong.status_code == 400
    assert "Code incorrect ou déjà utilisé" in wrong.content.decode()
    assert 'value="123 456"' in wrong.content.decode()  # what was typed stays
    again = client.post(VERIFY, {"code": "654321"})
    assert again.status_code == 400
    assert "patientez quelques secondes" in again.content.decode()


def test_a_backup_code_works_once(client, social_worker):
    _, codes = enrol(client, social_worker)
    client.post(reverse("accounts:logout"))
    log_in(client, social_worker)
    response = client.post(VERIFY, {"code": codes[0].upper(), "next": CASE_PAGE})
    assert response.status_code == 302 and response.url == CASE_PAGE
    client.post(reverse("accounts:logout"))
    log_in(client, social_worker)
    assert client.post(VERIFY, {"code": codes[0]}).status_code == 400
    assert StaticDevice.objects.get(user=social_worker).token_set.count() == 9


def test_new_backup_codes_replace_the_old_ones(client, social_worker):
    _, codes = enrol(client, social_worker)
    account = client.get(reverse("accounts:account"))
    assert "Codes de secours non utilisés : 10" in account.content.decode()
    fresh = client.post(reverse("accounts:backup_codes")).context["codes"]
    assert set(fresh).isdisjoint(codes)
    client.post(reverse("accounts:logout"))
    log_in(client, social_worker)
    assert client.post(VERIFY, {"code": codes[1]}).status_code == 400
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=5)):  # throttle: 1 s
        assert client.post(VERIFY, {"code": fresh[1]}).status_code == 302


@pytest.mark.parametrize("role", [r for r in Role])
def test_required_for_every_role(client, role):
    user = make_user(role, email=f"{role}@2fa.caen.fr", is_staff=role == Role.ADMIN)
    client.force_login(user)
    for url in ("/", CASE_PAGE, "/admin/", reverse("accounts:account")):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(VERIFY), (role, url)
    assert client.get(reverse("health")).status_code == 200  # public pages stay public


def test_an_htmx_request_reloads_the_page_to_the_verification(client, social_worker):
    client.force_login(social_worker)
    response = client.get(
        CASE_PAGE, HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL=f"http://testserver{CASE_PAGE}"
    )
    assert response.status_code == 204
    assert response["HX-Redirect"] == f"{VERIFY}?next={CASE_PAGE}"


def test_an_enrolled_device_cannot_be_replaced_without_a_code(client, social_worker):
    enrol(client, social_worker)
    client.post(reverse("accounts:logout"))
    log_in(client, social_worker)
    response = client.get(SETUP)
    assert response.status_code == 302 and response.url.startswith(VERIFY)
    assert TOTPDevice.objects.filter(user=social_worker).count() == 1


def test_optional_mode_still_asks_an_enrolled_user(client, settings, social_worker, ccas_manager):
    """REQUIRE_2FA=0 (`make run`): no code for users without a device; a device still counts."""
    settings.REQUIRE_2FA = False
    log_in(client, ccas_manager)
    assert client.get(CASE_PAGE).status_code == 200
    client.post(reverse("accounts:logout"))
    enrol(client, social_worker)
    client.post(reverse("accounts:logout"))
    log_in(client, social_worker)
    assert client.get(CASE_PAGE).url.startswith(VERIFY)


def test_admin_resets_a_device_and_it_is_logged(client, admin_user, social_worker):
    enrol(client, social_worker)
    client.post(reverse("accounts:logout"))
    client.force_login(admin_user)
    admin_device = TOTPDevice.objects.create(user=admin_user, name="a", confirmed=True)
    session = client.session
    session["otp_device_id"] = admin_device.persistent_id
    session.save()
    changelist = reverse("admin:accounts_user_changelist")
    assert client.get(changelist).status_code == 200
    response = client.post(
        changelist,
        {"action": "reset_second_factor", "_selected_action": [social_worker.pk]},
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=social_worker).exists()
    assert not StaticDevice.objects.filter(user=social_worker).exists()
    entry = AuditEntry.objects.get(object_type="accounts.User", object_id=str(social_worker.pk))
    assert entry.actor == admin_user and entry.action == Action.UPDATE
    assert "Double authentification réinitialisée" in entry.label
    # The device's secrets have no admin page.
    assert client.get("/admin/otp_totp/totpdevice/").status_code == 404
    assert client.get("/admin/otp_static/staticdevice/").status_code == 404
    # The user enrols again at the next login.
    client.post(reverse("accounts:logout"))
    log_in(client, social_worker)
    assert client.get(VERIFY).url.startswith(SETUP)


def test_the_gate_costs_one_query_per_page(client, settings, social_worker):
    """A verified session loads its device once per request; nothing else is added."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    enrol(client, social_worker)
    with CaptureQueriesContext(connection) as verified:
        assert client.get(reverse("accounts:account")).status_code == 200
    settings.REQUIRE_2FA = False
    session = client.session
    del session["otp_device_id"]
    session.save()
    with CaptureQueriesContext(connection) as plain:
        assert client.get(reverse("accounts:account")).status_code == 200
    assert len(verified) <= len(plain) + 1
