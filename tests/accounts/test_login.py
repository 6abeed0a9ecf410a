"""Login and logout pages, throttling after repeated failures, server-side session end."""

import datetime

import pytest
import time_machine
from django.contrib.sessions.models import Session
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
