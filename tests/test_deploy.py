"""What a production deployment does: collect static files with hashed names, pass check --deploy."""

import io
import secrets

import pytest
from django.core.management import call_command
from django.urls import reverse

# The image uses whitenoise's CompressedManifestStaticFilesStorage; its manifest half (Django's)
# is what fails on a missing referenced file, and it is much faster without the compression.
MANIFEST = "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"


def test_static_files_collect_with_the_manifest_storage(settings, tmp_path, client, db):
    """STATIC_MANIFEST=1 (the Docker image): every referenced file, source maps included, exists."""
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": MANIFEST}}
    call_command("collectstatic", interactive=False, verbosity=0)
    assert (tmp_path / "static" / "staticfiles.json").exists()
    # Pages resolve their {% static %} references through the manifest.
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    assert "/static/vendor/bootstrap/bootstrap.min." in response.content.decode()


@pytest.mark.django_db
def test_check_deploy_has_no_error_and_only_the_documented_warnings(settings, monkeypatch):
    # Set by the Playwright fixtures of tests/e2e for the test server, never in production.
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)
    settings.DEBUG = False
    settings.SECRET_KEY = secrets.token_urlsafe(50)
    settings.ALLOWED_HOSTS = ["logement-accompagne.example.fr"]
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    out, err = io.StringIO(), io.StringIO()
    call_command("check", deploy=True, fail_level="ERROR", stdout=out, stderr=err)
    report = out.getvalue() + err.getvalue()
    ids = {word.strip("():") for word in report.split() if word.startswith("(security.")}
    assert ids <= {"security.W005", "security.W021"}, report  # documented in README


def test_docker_compose_declares_the_full_stack_with_health_checks():
    from pathlib import Path

    import yaml

    root = Path(__file__).resolve().parent.parent
    compose = yaml.safe_load((root / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"postgres", "redis", "web", "worker", "beat"}
    for name, service in services.items():
        test = service["healthcheck"]["test"]
        assert test[0] in ("CMD", "CMD-SHELL") and len(test) > 1, name
        for dependency, spec in service.get("depends_on", {}).items():
            assert dependency in services and spec["condition"] == "service_healthy"
    for name in ("web", "worker", "beat"):
        service = services[name]
        assert service["build"] == "." and service["image"] == "caen-accompagnement:latest"
        env = service["environment"]
        assert (
            env["DATABASE_URL"].startswith("postgres://")
            and "@postgres:5432/" in env["DATABASE_URL"]
        )
        assert env["REDIS_URL"] == "redis://redis:6379/0"
        assert env["STATIC_MANIFEST"] == "1" and env["DEBUG"] == "0"
    assert "gunicorn caen_accompagnement.wsgi:application" in " ".join(services["web"]["command"])
    assert "migrate" in " ".join(services["web"]["command"])
    assert services["worker"]["command"][3] == "worker"
    assert services["beat"]["command"][3] == "beat"
    assert "DatabaseScheduler" in " ".join(services["beat"]["command"])
    assert "/sante/" in " ".join(services["web"]["healthcheck"]["test"])
    assert set(compose["volumes"]) == {"pgdata", "redisdata", "private_media"}

    dockerfile = (root / "Dockerfile").read_text()
    assert dockerfile.startswith("#") and "FROM python:3.11-slim" in dockerfile
    for library in ("libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0"):
        assert library in dockerfile
    assert "collectstatic" in dockerfile and "STATIC_MANIFEST=1" in dockerfile
