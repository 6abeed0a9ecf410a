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
