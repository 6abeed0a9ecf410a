"""A POST that arrives after the session expired: a French message on the login page, and the
user sent back, once signed in, to the page of the form (docs/privacy.md, browser drafts)."""

from urllib.parse import quote

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse

from households.enums import Status
from tests.e2e.conftest import PASSWORD
from tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
EXPIRED = (
    "Votre session a expiré : reconnectez-vous, votre saisie a été conservée sur cet appareil."
)


@pytest.fixture
def household(social_worker):
    return HouseholdFactory(referent=social_worker, status=Status.ACCOMPANIED)


def expire(client, user):
    client.force_login(user)
    Session.objects.all().delete()


def test_post_only_url_sends_back_to_the_referring_page(client, social_worker, household):
    expire(client, social_worker)
    page = reverse("households:detail", args=[household.pk])
    post_url = reverse("households:change_status", args=[household.pk])
    response = client.post(post_url, {"status": "x"}, HTTP_REFERER=f"http://testserver{page}")
    assert response.status_code == 302
    assert response.url == f"{LOGIN}?next={quote(page)}"
    login_page = client.get(response.url)
    assert EXPIRED in login_page.content.decode()
    signed_in = client.post(
        response.url, {"username": social_worker.email, "password": PASSWORD, "next": page}
    )
    assert signed_in.url == page


@pytest.mark.parametrize("referer", [None, "https://ailleurs.example/menages/1/"])
def test_without_a_same_origin_referer_the_post_url_is_next(
    client, social_worker, household, referer
):
    expire(client, social_worker)
    url = reverse("households:edit", args=[household.pk])
    extra = {"HTTP_REFERER": referer} if referer else {}
    response = client.post(url, {"observations": "texte"}, **extra)
    assert response.url == f"{LOGIN}?next={quote(url)}"
    assert EXPIRED in client.get(response.url).content.decode()


def test_an_htmx_post_reloads_the_page_on_the_login_form(client, social_worker, household):
    expire(client, social_worker)
    page = reverse("diagnostics:list")
    response = client.post(
        reverse("households:edit", args=[household.pk]),
        {},
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL=f"http://testserver{page}",
    )
    assert response.status_code == 204
    assert response["HX-Redirect"] == f"{LOGIN}?next={quote(page)}"


def test_a_get_without_session_gets_no_message(client, household):
    url = reverse("households:edit", args=[household.pk])
    response = client.get(url)
    assert response.url == f"{LOGIN}?next={quote(url)}"
    assert EXPIRED not in client.get(response.url).content.decode()
