"""The IT admin manages users and settings in the Django admin, never household content."""

import pytest
from django.urls import reverse

from tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db


def test_admin_site_shows_no_household(client, admin_user):
    household = HouseholdFactory(members=[{"last_name": "Hamidi", "first_name": "Samia"}])
    client.force_login(admin_user)
    index = client.get(reverse("admin:index")).content.decode()
    assert reverse("admin:households_household_changelist") not in index
    for url in (
        reverse("admin:households_household_changelist"),
        reverse("admin:households_household_change", args=[household.pk]),
        reverse("admin:households_household_add"),
        reverse("admin:households_household_delete", args=[household.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "Hamidi" not in response.content.decode()
