import pytest
from django.urls import reverse

from audit.models import AuditEntry


@pytest.mark.django_db
def test_health_is_public(client):
    response = client.get(reverse("health"))
    assert response.status_code == 200
    assert response.json()["services"]["database"] == "ok"


def test_login_page_in_french(client, db):
    response = client.get(reverse("accounts:login"))
    assert "Connexion" in response.content.decode()


def test_anonymous_redirected_to_login(client, db):
    response = client.get(reverse("audit:list"))
    assert response.status_code == 302
    assert response.url.startswith("/connexion/")


def test_audit_list_manager_only(client, ccas_manager, social_worker):
    client.force_login(social_worker)
    assert client.get(reverse("audit:list")).status_code == 403
    assert AuditEntry.objects.filter(action="denied", actor=social_worker).exists()
    client.force_login(ccas_manager)
    assert client.get(reverse("audit:list")).status_code == 200


# The only pages an anonymous visitor may open; LoginRequiredMiddleware guards every other one.
PUBLIC_URLS = {"health", "accessibility", "accounts:login", "privacy:personal_data"}


def _views(resolver=None, namespace=""):
    from django.urls import URLPattern, URLResolver, get_resolver

    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":  # Django's admin: its own staff login
                continue
            ns = ":".join(filter(None, [namespace, entry.namespace]))
            yield from _views(entry, ns)
        elif isinstance(entry, URLPattern) and entry.name:
            yield (f"{namespace}:{entry.name}" if namespace else entry.name), entry.callback


def test_only_the_listed_urls_are_public(client, db):
    public = {name for name, view in _views() if not getattr(view, "login_required", True)}
    assert public == PUBLIC_URLS
    for name in PUBLIC_URLS:
        assert client.get(reverse(name)).status_code == 200, name
