"""`/sante/`: public JSON status of the database and (when configured) Redis; 503 if one is down."""

import socket

import pytest
from django.urls import reverse

from .conftest import configured_redis_url, require_postgresql


def closed_port():
    """A local TCP port nobody listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def anonymous(client, db):
    return client


def test_ok_with_database_and_redis(anonymous, settings):
    settings.REDIS_URL = configured_redis_url()
    response = anonymous.get(reverse("health"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok", "services": {"database": "ok", "redis": "ok"}}


def test_503_when_the_configured_redis_does_not_answer(anonymous, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{closed_port()}/0"
    response = anonymous.get(reverse("health"))
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "erreur"
    assert body["services"]["database"] == "ok"
    assert body["services"]["redis"].startswith("erreur : ")


def test_without_redis_only_the_database_is_checked(anonymous, settings):
    settings.REDIS_URL = ""
    response = anonymous.get(reverse("health"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "services": {"database": "ok"}}


def test_never_cached_and_get_only(anonymous, settings):
    settings.REDIS_URL = ""
    response = anonymous.get(reverse("health"))
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    assert anonymous.post(reverse("health")).status_code == 405


def test_503_when_the_database_does_not_answer(client, settings, django_db_blocker):
    """The database down is a JSON 503, not a 500 from the request's transaction."""
    from django.db import connection

    require_postgresql("une base qui ne répond pas sur son port TCP")
    settings.REDIS_URL = ""
    saved = dict(connection.settings_dict)
    with django_db_blocker.unblock():
        connection.close()
        connection.settings_dict.update(HOST="127.0.0.1", PORT=str(closed_port()))
        try:
            response = client.get(reverse("health"))
        finally:
            connection.close()
            connection.settings_dict.clear()
            connection.settings_dict.update(saved)
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "erreur"
    assert body["services"]["database"].startswith("erreur : ")
