import os
import sys

import kombu.pools
import pytest
import redis
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.conf import settings as django_settings
from django.db import connection, connections
from django.template.base import Template
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from accounts.enums import Role

from .factories import HouseholdFactory, make_user

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def service_unavailable(reason):
    """A test needing a service fails under REQUIRE_SERVICES=1 (CI), else it is skipped."""
    if REQUIRE_SERVICES:
        pytest.fail(f"Service requis indisponible : {reason}")
    pytest.skip(reason)


def require_postgresql(why):
    """For a test that only PostgreSQL can run (`why`): skipped on SQLite, the database of a
    fresh clone with nothing configured, and failed under REQUIRE_SERVICES=1."""
    if connection.vendor != "postgresql":
        service_unavailable(f"PostgreSQL requis ({why}) ; DATABASE_URL ne désigne pas PostgreSQL")


class UnknownTemplateVariable(str):
    """`string_if_invalid` in tests: a `{{ variable }}` the context does not hold fails the test.

    A `str`, as Django's system checks require, whose `%` (Django formats the missing name into
    it) fails the test; `pytest.fail` raises past any `except Exception` between the template
    and the test. `{% if %}` and `{% firstof %}` still read an unknown variable as false, as in
    production: an optional variable is tested with them, never with `|default`.
    """

    def __mod__(self, name):
        pytest.fail(f"Unknown template variable '{name}' in {_rendering_template()}", pytrace=False)


def _rendering_template():
    frame = sys._getframe(2)
    while frame is not None:
        template = frame.f_locals.get("self")
        if isinstance(template, Template):
            return template.origin.name
        frame = frame.f_back
    return "a template"


@pytest.fixture(autouse=True, scope="session")
def _fail_on_unknown_template_variables():
    with pytest.MonkeyPatch.context() as patch:
        for engine in django_settings.TEMPLATES:
            patch.setitem(engine["OPTIONS"], "string_if_invalid", UnknownTemplateVariable("%s"))
        yield


@pytest.fixture(autouse=True, scope="session")
def _celery_inline():
    """Task bodies run inline in tests; tests/test_celery_worker.py uses a real worker instead."""
    from caen_accompagnement.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager = False


def configured_redis_url():
    """REDIS_URL, once it answers; else the test fails (CI) or is skipped."""
    url = os.environ.get("REDIS_URL", "")
    if not url:
        service_unavailable("REDIS_URL n'est pas défini : Redis non configuré")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        service_unavailable(f"Redis ne répond pas à {url} : {exc}")
    return url


def drop_broker_connections():
    """Forget broker connection pools. kombu keeps them in a global registry keyed by URL, and the
    app caches its own references: resetting one without the other leaves a closed pool that the
    next `delay()` fails on ("Acquire on closed pool"), even in eager mode."""
    from caen_accompagnement.celery import app

    kombu.pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def celery_worker(transactional_db):
    """A real Celery worker thread consuming from the Redis at REDIS_URL.

    Tests using it need committed rows (the worker has its own database connection), hence
    `transactional_db`. Everything is put back afterwards, so tests that follow run inline again.
    """
    from caen_accompagnement.celery import app

    url = configured_redis_url()
    keys = ("task_always_eager", "broker_url", "result_backend")
    previous = {key: app.conf[key] for key in keys}
    app.conf.update(task_always_eager=False, broker_url=url, result_backend=url)
    drop_broker_connections()  # pools an earlier test built for the memory broker
    task_postrun.connect(_close_worker_connections, weak=False)
    try:
        app.control.purge()  # messages left over by an interrupted run
        with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING") as worker:
            yield worker
    finally:
        task_postrun.disconnect(_close_worker_connections)
        app.conf.update(**previous)
        drop_broker_connections()


def _close_worker_connections(**kwargs):
    # The worker thread's database connections must not outlive the test database.
    connections.close_all()


@pytest.fixture(autouse=True, scope="session")
def _plain_http():
    """The suite talks plain HTTP (test client, live server) like `LOCAL_HTTP=1`, whatever the
    production defaults; set for the whole session, before the live server builds its
    middleware (SecurityMiddleware reads SECURE_SSL_REDIRECT once)."""
    with override_settings(
        SECURE_SSL_REDIRECT=False,
        SECURE_HSTS_SECONDS=0,
        SECURE_COOKIES=False,
        SESSION_COOKIE_SECURE=False,
        CSRF_COOKIE_SECURE=False,
    ):
        yield


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.AXES_ENABLED = True
    # tests/accounts/test_two_factor.py turns it on; elsewhere force_login stands for a full login.
    settings.REQUIRE_2FA = False
    # Text messages to households land in files of the test's own folder (docs/reminders.md).
    settings.SMS_BACKEND = "caen_accompagnement.sms.FileBackend"
    settings.SMS_FILE_PATH = str(tmp_path / "sms")
    # A statement built once (caen_accompagnement/statements.py) is built again on every call
    # and compared with the one kept: a key leaving out what its SQL depends on fails here.
    settings.CHECK_STATEMENTS = True


@pytest.fixture
def social_worker(db):
    return make_user(Role.SOCIAL_WORKER, email="ts@test.caen.fr")


@pytest.fixture
def other_social_worker(db):
    return make_user(Role.SOCIAL_WORKER, email="ts2@test.caen.fr")


@pytest.fixture
def ccas_manager(db):
    return make_user(Role.CCAS_MANAGER, email="direction@test.caen.fr")


@pytest.fixture
def letting_officer(db):
    return make_user(Role.LETTING_OFFICER, email="location@test.caen.fr")


@pytest.fixture
def debt_officer(db):
    return make_user(Role.DEBT_OFFICER, email="contentieux@test.caen.fr")


@pytest.fixture
def tenancy_officer(db):
    return make_user(Role.TENANCY_OFFICER, email="gestion@test.caen.fr")


@pytest.fixture
def cellule_member(db):
    return make_user(Role.CELLULE_MEMBER, email="cellule@test.caen.fr")


@pytest.fixture
def state_reader(db):
    return make_user(Role.STATE_READER, email="ddcs@test.caen.fr")


@pytest.fixture
def admin_user(db):
    return make_user(Role.ADMIN, email="admin@test.caen.fr", is_staff=True, is_superuser=True)


@pytest.fixture
def household(db, social_worker):
    return HouseholdFactory(referent=social_worker)


@pytest.fixture
def count_queries(django_assert_max_num_queries):
    """`with count_queries() as ctx:` then `len(ctx.captured_queries)`."""
    from django.db import connection

    return lambda: CaptureQueriesContext(connection)
