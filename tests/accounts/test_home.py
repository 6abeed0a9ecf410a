"""The role-aware home page: each role lands where its work is."""

import pytest
from django.urls import reverse

from accounts.enums import Role
from caen_accompagnement.views import HOME_OF_ROLE
from tests.factories import UserFactory, make_user

pytestmark = pytest.mark.django_db

HOME = reverse("home")


@pytest.mark.parametrize("role, url_name", HOME_OF_ROLE)
def test_each_role_lands_on_its_work_page(client, role, url_name):
    staff = {"is_staff": True} if role == Role.ADMIN else {}  # the admin site needs staff
    client.force_login(make_user(role, **staff))
    response = client.get(HOME)
    assert response.status_code == 302
    assert response.url == reverse(url_name)
    assert client.get(response.url).status_code == 200


@pytest.mark.parametrize(
    "role", [Role.CCAS_MANAGER, Role.LETTING_OFFICER, Role.DEBT_OFFICER, Role.TENANCY_OFFICER]
)
def test_household_roles_land_on_the_household_list(client, role):
    client.force_login(make_user(role))
    response = client.get(HOME)
    assert response.url == reverse("households:list")


def test_admin_lands_on_the_administration(client, admin_user):
    client.force_login(admin_user)
    assert client.get(HOME).url == reverse("admin:index")


def test_first_role_in_order_wins(client):
    user = UserFactory(roles=[Role.CELLULE_MEMBER, Role.DEBT_OFFICER])
    client.force_login(user)
    assert client.get(HOME).url == reverse("households:list")


def test_user_without_role_is_told_so(client):
    client.force_login(UserFactory(roles=[]))
    response = client.get(HOME)
    assert response.status_code == 200
    assert "pas encore de rôle" in response.content.decode()


def test_anonymous_is_sent_to_login(client):
    response = client.get(HOME)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
