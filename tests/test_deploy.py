"""What a production deployment does: collect static files with hashed names, pass check --deploy."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

from django.core.management import call_command
from django.urls import reverse

# The image uses whitenoise's CompressedManifestStaticFilesStorage; its manifest half (Django's)
# is what fails on a missing referenced file, and it is much faster without the compression.
MANIFEST = "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
ROOT = Path(__file__).resolve().parent.parent


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


def test_check_deploy_with_the_readme_production_example_prints_no_warning():
    """Only what README's production example sets (DEBUG unset): safe by default, no warning."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "logement-accompagne.example.fr,localhost,127.0.0.1",
        "CSRF_TRUSTED_ORIGINS": "https://logement-accompagne.example.fr",
    }
    out = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    report = out.stdout + out.stderr
    assert out.returncode == 0, report
    assert "System check identified no issues (0 silenced)." in report, report


def test_check_deploy_warns_when_mail_links_would_not_reach_the_app(settings):
    from django.core.checks import run_checks

    settings.SITE_URL = "http://127.0.0.1:8000"
    assert "caen.W001" in {m.id for m in run_checks(include_deployment_checks=True)}
    settings.SITE_URL = "https://logement-accompagne.example.fr"
    assert "caen.W001" not in {m.id for m in run_checks(include_deployment_checks=True)}


def test_docker_compose_declares_the_full_stack_with_health_checks():
    import yaml

    root = ROOT
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
