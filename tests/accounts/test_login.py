"""Login and logout pages, throttling after repeated failures, server-side session end."""

import datetime

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.e2e.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
LOGOUT = reverse("accounts:logout")


def attempt(client, email, password, ip="192.0.2.10"):
    return client.post(LOGIN, {"username": email, "password": password}, REMOTE_ADDR=ip)


def test_login_page_is_french_and_public(client):
    response = client.get(LOGIN)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Adresse e-mail" in html and "Mot de passe" in html and "Se connecter" in html


def test_login_with_email_any_case_then_home(client, ccas_manager):
    response = attempt(client, ccas_manager.email.upper(), PASSWORD)
    assert response.status_code == 302
    assert response.url == reverse("home")
    assert client.get(reverse("households:list")).status_code == 200


def test_wrong_password_explained_in_french(client, ccas_manager):
    response = attempt(client, ccas_manager.email, "mauvais")
    assert response.status_code == 200
    assert "Adresse e-mail ou mot de passe incorrect." in response.content.decode()
    assert f'value="{ccas_manager.email}"' in response.content.decode()  # what was typed stays
    assert "_auth_user_id" not in client.session


def test_inactive_account_cannot_log_in(client, ccas_manager):
    ccas_manager.is_active = False
    ccas_manager.save()
    response = attempt(client, ccas_manager.email, PASSWORD)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_lockout_after_repeated_failures(client, settings, social_worker):
    settings.AXES_FAILURE_LIMIT = 5
    for _ in range(4):
        assert attempt(client, social_worker.email, "mauvais").status_code == 200
    locked = attempt(client, social_worker.email, "mauvais")
    assert locked.status_code == 429
    html = locked.content.decode()
    assert "Connexion temporairement bloquée" in html
    assert "Trop de tentatives" in html
    # Even the right password is refused while locked.
    response = attempt(client, social_worker.email, PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_lockout_ends_after_the_cooloff(client, settings, social_worker):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        attempt(client, social_worker.email, "mauvais")
    assert attempt(client, social_worker.email, PASSWORD).status_code == 429
    later = timezone.now() + settings.AXES_COOLOFF_TIME + datetime.timedelta(minutes=1)
    with time_machine.travel(later, tick=False):
        response = attempt(client, social_worker.email, PASSWORD)
    assert response.status_code == 302


def test_lockout_is_per_account_and_address(client, settings, social_worker, ccas_manager):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        attempt(client, social_worker.email, "mauvais")
    # A colleague on the same network still logs in; the account from elsewhere too.
    assert attempt(client, ccas_manager.email, PASSWORD).status_code == 302
    client.logout()
    assert attempt(client, social_worker.email, PASSWORD, ip="198.51.100.7").status_code == 302


def test_success_resets_the_failure_count(client, settings, social_worker):
    settings.AXES_FAILURE_LIMIT = 3
    attempt(client, social_worker.email, "mauvais")
    attempt(client, social_worker.email, "mauvais")
    assert attempt(client, social_worker.email, PASSWORD).status_code == 302
    client.logout()
    attempt(client, social_worker.email, "mauvais")
    attempt(client, social_worker.email, "mauvais")
    assert attempt(client, social_worker.email, PASSWORD).status_code == 302


def test_logout_invalidates_the_session_on_the_server(client, ccas_manager):
    attempt(client, ccas_manager.email, PASSWORD)
    session_key = client.cookies["sessionid"].value
    assert Session.objects.filter(session_key=session_key).exists()
    response = client.post(LOGOUT)
    assert response.status_code == 302
    assert response.url == LOGIN
    assert not Session.objects.filter(session_key=session_key).exists()
    # Replaying the old cookie does not bring the session back.
    client.cookies["sessionid"] = session_key
    response = client.get(reverse("households:list"))
    assert response.status_code == 302
    assert response.url.startswith(LOGIN)


def test_logout_is_post_only(client, ccas_manager):
    client.force_login(ccas_manager)
    assert client.get(LOGOUT).status_code == 405
    assert client.get(reverse("households:list")).status_code == 200


def test_session_expires_after_inactivity(client, settings, ccas_manager):
    attempt(client, ccas_manager.email, PASSWORD)
    idle = datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    with time_machine.travel(timezone.now() + idle - datetime.timedelta(minutes=1), tick=False):
        assert client.get(reverse("households:list")).status_code == 200  # activity renews it
    with time_machine.travel(timezone.now() + 2 * idle, tick=False):
        response = client.get(reverse("households:list"))
    assert response.status_code == 302
    assert response.url.startswith(LOGIN)


def session_writes(client, url):
    """The page's statements that write the session row, and the row's expiry afterwards."""
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if "django_session" in q["sql"] and not q["sql"].lstrip().upper().startswith("SELECT")
    ]
    return writes, Session.objects.get().expire_date


def test_the_session_is_written_once_a_minute_not_on_every_request(client, settings, ccas_manager):
    """IdleTimeoutMiddleware: requests within SESSION_REFRESH_SECONDS leave the session row
    alone; the first one past it pushes the expiry back; idle expiry still logs out."""
    settings.SESSION_REFRESH_SECONDS = 60
    url = reverse("households:list")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        attempt(client, ccas_manager.email, PASSWORD)
        first_expiry = Session.objects.get().expire_date
        assert first_expiry == start + datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    with time_machine.travel(start + datetime.timedelta(seconds=30), tick=False):
        writes, expiry = session_writes(client, url)
    assert writes == [] and expiry == first_expiry
    with time_machine.travel(start + datetime.timedelta(seconds=59), tick=False):
        writes, expiry = session_writes(client, url)
    assert writes == [] and expiry == first_expiry
    later = start + datetime.timedelta(seconds=61)
    with time_machine.travel(later, tick=False):
        writes, expiry = session_writes(client, url)
    assert len(writes) == 1
    assert expiry == later + datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    # Idle from `later` on: the session ends SESSION_COOKIE_AGE after that last refresh.
    idle = datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    with time_machine.travel(later + idle + datetime.timedelta(seconds=1), tick=False):
        response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(LOGIN)


def test_a_request_without_session_creates_none(client):
    assert client.get(reverse("health")).status_code == 200
    assert client.get(LOGIN).status_code == 200
    assert not Session.objects.exists()


def test_an_expired_session_is_not_revived(client, settings, ccas_manager):
    attempt(client, ccas_manager.email, PASSWORD)
    idle = datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    with time_machine.travel(timezone.now() + idle + datetime.timedelta(minutes=1), tick=False):
        assert client.get(reverse("households:list")).status_code == 302
        assert not Session.objects.filter(expire_date__gt=timezone.now()).exists()


def test_an_attacker_elsewhere_cannot_lock_the_owner_out(client, settings, social_worker):
    """Failures from many addresses reach the per-account cap: unknown addresses wait a back-off,
    the owner's usual address (a past successful login) is not locked."""
    settings.AXES_FAILURE_LIMIT = 3
    settings.LOGIN_USERNAME_CAP = 6
    settings.LOGIN_BACKOFF_MINUTES = 1
    home = "192.0.2.10"
    assert attempt(client, social_worker.email, PASSWORD, ip=home).status_code == 302
    client.logout()
    for n in range(8):  # a spread-out guessing attack: two tries from each of four addresses
        attempt(client, social_worker.email, "mauvais", ip=f"203.0.113.{n // 2}")
    # A new address, even with the right password, waits (no CAPTCHA: time), in French.
    blocked = attempt(client, social_worker.email, PASSWORD, ip="198.51.100.7")
    assert blocked.status_code == 429
    assert "depuis d'autres adresses" in blocked.content.decode()
    assert "_auth_user_id" not in client.session
    # The owner, from the usual address, still gets in.
    assert attempt(client, social_worker.email, PASSWORD, ip=home).status_code == 302
    client.logout()
    # The back-off doubles with each failure past the cap (2 past it here: 4 minutes; the
    # refused tries count too), then the new address may try again.
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=5), tick=False):
        assert attempt(client, social_worker.email, PASSWORD, ip="198.51.100.7").status_code == 429
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=30), tick=False):
        assert attempt(client, social_worker.email, PASSWORD, ip="198.51.100.7").status_code == 302


def test_the_forwarded_header_is_ignored_without_a_trusted_proxy(client, settings, social_worker):
    settings.AXES_FAILURE_LIMIT = 3
    for n in range(3):  # a forged header per try does not make each try a new address
        client.post(
            LOGIN,
            {"username": social_worker.email, "password": "mauvais"},
            REMOTE_ADDR="192.0.2.10",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
        )
    assert attempt(client, social_worker.email, PASSWORD, ip="192.0.2.10").status_code == 429


def test_behind_a_trusted_proxy_the_client_address_is_the_forwarded_one(
    client, settings, social_worker
):
    settings.AXES_FAILURE_LIMIT = 3
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]

    def through_proxy(password, client_address):
        return client.post(
            LOGIN,
            {"username": social_worker.email, "password": password},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR=f"{client_address}, 10.0.0.7",
        )

    for _ in range(3):
        through_proxy("mauvais", "203.0.113.9")
    assert through_proxy(PASSWORD, "203.0.113.9").status_code == 429
    # Everyone else behind the same proxy is not locked out.
    assert through_proxy(PASSWORD, "192.0.2.44").status_code == 302
    # The access log records the client's address too; a forged entry left of it is ignored.
    from django.test import RequestFactory

    from audit.models import Action, log

    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 192.0.2.44, 10.0.0.7"
    )
    request.user = social_worker
    assert log(request, Action.VIEW, social_worker).ip == "192.0.2.44"
    settings.TRUSTED_PROXIES = []
    assert log(request, Action.VIEW, social_worker).ip == "10.0.0.2"
