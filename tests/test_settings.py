"""Settings come from the environment (12-factor): each variable of the README changes them."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from tests.conftest import require_postgresql

ROOT = Path(__file__).resolve().parent.parent

PRINT_SETTINGS = """
import json
from django.conf import settings
db = settings.DATABASES["default"]
print(json.dumps({
    "db": {k: str(db.get(k)) for k in ("ENGINE", "NAME", "HOST", "PORT", "USER")},
    "atomic": db["ATOMIC_REQUESTS"],
    "health_checks": db["CONN_HEALTH_CHECKS"],
    "db_options": {k: v for k, v in db.get("OPTIONS", {}).items() if k != "options"},
    "cache": settings.CACHES["default"],
    "broker": settings.CELERY_BROKER_URL,
    "eager": settings.CELERY_TASK_ALWAYS_EAGER,
    "secret": settings.SECRET_KEY,
    "debug": settings.DEBUG,
    "hosts": settings.ALLOWED_HOSTS,
    "email": [settings.EMAIL_BACKEND, settings.EMAIL_HOST, settings.EMAIL_PORT,
              settings.EMAIL_HOST_USER, settings.EMAIL_USE_TLS],
    "language": settings.LANGUAGE_CODE,
    "tz": settings.TIME_ZONE,
    "middleware": settings.MIDDLEWARE,
    "https": [settings.SECURE_SSL_REDIRECT, settings.SECURE_HSTS_SECONDS,
              settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE],
    "require_2fa": settings.REQUIRE_2FA,
    "site_url": settings.SITE_URL,
    "trusted_proxies": settings.TRUSTED_PROXIES,
}))
"""

VARIABLES = (
    "DATABASE_URL",
    "REDIS_URL",
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "EMAIL_URL",
    "LOCAL_HTTP",
    "REQUIRE_2FA",
    "SITE_URL",
    "CSRF_TRUSTED_ORIGINS",
    "TRUSTED_PROXIES",
    "SESSION_REFRESH_SECONDS",
    "DB_PREPARED_STATEMENTS",
)


def run_settings(**variables):
    env = {k: v for k, v in os.environ.items() if k not in VARIABLES}
    env.update(variables, DJANGO_SETTINGS_MODULE="caen_accompagnement.settings")
    return subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )


def settings_with(**variables):
    out = run_settings(**variables)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_every_variable_is_read():
    s = settings_with(
        DATABASE_URL="postgres://caen:motdepasse@db.interne:5433/caen_prod",
        REDIS_URL="redis://cache.interne:6379/4",
        SECRET_KEY="une-cle-secrete-de-production",
        DEBUG="1",
        ALLOWED_HOSTS="logement.caen.fr,intranet.caen.fr",
        EMAIL_URL="smtp+tls://envoi:secret@smtp.caen.fr:587",
    )
    assert s["db"] == {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "caen_prod",
        "HOST": "db.interne",
        "PORT": "5433",
        "USER": "caen",
    }
    assert s["atomic"] is True and s["health_checks"] is True
    assert s["cache"]["LOCATION"] == "redis://cache.interne:6379/4"
    assert s["broker"] == "redis://cache.interne:6379/4" and s["eager"] is False
    assert s["secret"] == "une-cle-secrete-de-production"
    assert s["debug"] is True
    assert s["hosts"] == ["logement.caen.fr", "intranet.caen.fr"]
    assert s["email"] == [
        "django.core.mail.backends.smtp.EmailBackend",
        "smtp.caen.fr",
        587,
        "envoi",
        True,
    ]
    assert (s["language"], s["tz"]) == ("fr-fr", "Europe/Paris")
    # Django's LoginRequiredMiddleware, keeping typed input when the session expired.
    assert "accounts.middleware.LoginRequiredKeepingInputMiddleware" in s["middleware"]


def test_without_services_the_app_runs_on_sqlite_with_inline_tasks():
    s = settings_with(SECRET_KEY="une-cle")
    assert s["db"]["ENGINE"] == "django.db.backends.sqlite3"
    assert s["atomic"] is True
    assert s["cache"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    assert s["eager"] is True
    assert s["debug"] is False
    assert s["email"][0] == "django.core.mail.backends.console.EmailBackend"


def test_without_a_secret_key_the_app_refuses_to_start_outside_development():
    out = run_settings()
    assert out.returncode != 0
    assert "SECRET_KEY n'est pas défini" in out.stderr
    # In development (`make run`: DEBUG=1) the development key is used.
    assert settings_with(DEBUG="1")["secret"].startswith("django-insecure-")


def test_production_defaults_are_https_and_second_factor():
    s = settings_with(SECRET_KEY="une-cle")
    assert s["https"] == [True, 31_536_000, True, True]
    assert s["require_2fa"] is True
    assert s["trusted_proxies"] == []


def test_plain_http_is_one_variable_away_and_implied_by_debug():
    assert settings_with(SECRET_KEY="une-cle", LOCAL_HTTP="1")["https"] == [False, 0, False, False]
    development = settings_with(DEBUG="1")
    assert development["https"] == [False, 0, False, False]
    assert development["require_2fa"] is False
    assert settings_with(DEBUG="1", REQUIRE_2FA="1")["require_2fa"] is True


def test_site_url_for_mail_links():
    s = settings_with(
        SECRET_KEY="une-cle", CSRF_TRUSTED_ORIGINS="https://logement-accompagne.example.fr"
    )
    assert s["site_url"] == "https://logement-accompagne.example.fr"
    s = settings_with(SECRET_KEY="une-cle", SITE_URL="https://logement.caen.fr/")
    assert s["site_url"] == "https://logement.caen.fr"


@pytest.mark.django_db
def test_postgresql_connections_run_without_jit():
    """The dashboard's grouped counts pass jit_above_cost at 10,000 households: compiling them
    cost ~1 s for ~30 ms of work (docs/performance.md). Set per connection, not per server."""
    require_postgresql("réglage de connexion PostgreSQL")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


def test_prepared_statements_are_on_for_postgresql_and_one_variable_away():
    url = "postgres://caen@db.interne:5432/caen_prod"
    on = settings_with(SECRET_KEY="k", DATABASE_URL=url)["db_options"]
    assert on == {"server_side_binding": True, "prepare_threshold": 2}
    off = settings_with(SECRET_KEY="k", DATABASE_URL=url, DB_PREPARED_STATEMENTS="0")
    assert off["db_options"] == {}  # behind PgBouncer in transaction mode
    assert settings_with(SECRET_KEY="k")["db_options"] == {}  # SQLite


@pytest.mark.django_db
def test_a_statement_run_again_on_a_connection_is_prepared(social_worker):
    """PostgreSQL parses (and, once its generic plan is as good, plans) a page's statements
    once per connection instead of on every run (docs/performance.md, « Prepared
    statements »): from its second run, a query is a prepared statement of the session."""
    require_postgresql("instructions préparées de PostgreSQL")
    from accounts.models import User

    def prepared():
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement FROM pg_prepared_statements")
            return [row[0] for row in cursor.fetchall()]

    for _ in range(3):
        assert User.objects.filter(email=social_worker.email).count() == 1
    statements = prepared()
    assert any('"accounts_user"' in s and "$1" in s for s in statements), statements


@pytest.mark.django_db
def test_a_forms_choices_from_a_queryset_are_read_in_one_round_trip(social_worker):
    """ModelChoiceField iterates its queryset with `.iterator()`: on PostgreSQL a server-side
    cursor by default, DECLARE + FETCH + CLOSE for a dozen rows (docs/performance.md)."""
    from django import forms
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User

    field = forms.ModelChoiceField(queryset=User.objects.all())
    with CaptureQueriesContext(connection) as queries:
        assert len([choice for choice in field.choices]) == 2  # the empty one, the worker
    assert len(queries.captured_queries) == 1, [q["sql"][:80] for q in queries.captured_queries]
    assert not queries.captured_queries[0]["sql"].startswith("DECLARE")


PRINT_TEMPLATE_LOADERS = """
import django, json
django.setup()
from django.template import engines
from django.conf import settings
engine = engines["django"].engine
def names(loaders):
    return [type(loader).__module__ + "." + type(loader).__name__ for loader in loaders]
(outer,) = engine.template_loaders
print(json.dumps({
    "loaders": names([outer]) + names(outer.loaders),
    "string_if_invalid": engine.string_if_invalid,
    "session_save_every_request": settings.SESSION_SAVE_EVERY_REQUEST,
    "session_refresh_seconds": settings.SESSION_REFRESH_SECONDS,
}))
"""


def test_production_renders_with_cached_templates_and_no_template_guard():
    """Per-request costs of every page (docs/performance.md, "The cost every page pays"):
    templates are parsed once per process (Django's cached loader, no `loaders` set); the
    unknown-variable guard is the tests' own (tests/conftest.py); the session is not written on
    every request."""
    env = {k: v for k, v in os.environ.items() if k not in VARIABLES}
    env.update(SECRET_KEY="une-cle", DJANGO_SETTINGS_MODULE="caen_accompagnement.settings")
    out = subprocess.run(
        [sys.executable, "-c", PRINT_TEMPLATE_LOADERS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    s = json.loads(out.stdout)
    # django-template-partials wraps Django's default: the cached loader.
    assert s["loaders"] == [
        "template_partials.loader.Loader",
        "django.template.loaders.cached.Loader",
    ]
    assert s["string_if_invalid"] == ""
    assert s["session_save_every_request"] is False
    assert s["session_refresh_seconds"] == 60


def test_the_server_process_tunes_its_garbage_collector():
    """gunicorn's worker (and `runserver`) load `caen_accompagnement.wsgi`: start-up's objects
    frozen out of the collector's scans, young collections every 50,000 allocations."""
    env = {k: v for k, v in os.environ.items() if k not in VARIABLES}
    env.update(SECRET_KEY="test-only", DJANGO_SETTINGS_MODULE="caen_accompagnement.settings")
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import gc; import caen_accompagnement.wsgi; "
            "print(gc.get_threshold()[0], gc.get_freeze_count())",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    threshold, frozen = map(int, out.stdout.split())
    assert threshold == 50_000
    assert frozen > 10_000  # Django and the apps, not a handful of objects
