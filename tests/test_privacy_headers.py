"""Headers on every page (CSP, Permissions-Policy, no-store), no inline script or style in the
templates the browser renders, absolute links in e-mails from SITE_URL."""

import re
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse

from households.enums import Status
from tests.accompaniments.factories import SignalFactory
from tests.factories import HouseholdFactory

ROOT = Path(__file__).resolve().parent.parent


def directives(response):
    header = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


@pytest.mark.django_db
def test_case_pages_carry_csp_permissions_policy_and_no_store(client, social_worker, household):
    client.force_login(social_worker)
    for url in (
        reverse("households:list"),
        reverse("households:detail", args=[household.pk]),
        reverse("accounts:login"),
    ):
        response = client.get(url)
        assert response.status_code in (200, 302), url
        csp = directives(response)
        assert csp["default-src"] == ["'self'"]
        assert csp["script-src"] == ["'self'"] and csp["style-src"] == ["'self'"]
        assert csp["frame-ancestors"] == ["'none'"] and csp["object-src"] == ["'none'"]
        assert not any("unsafe" in value for values in csp.values() for value in values)
        assert "camera=()" in response.headers["Permissions-Policy"]
        assert "geolocation=()" in response.headers["Permissions-Policy"]
        cache = response.headers["Cache-Control"]
        assert "no-store" in cache and "private" in cache, url


@pytest.mark.django_db
def test_htmx_fragments_are_not_stored_either(client, social_worker, household):
    client.force_login(social_worker)
    response = client.get(reverse("households:list"), HTTP_HX_REQUEST="true")
    assert "no-store" in response.headers["Cache-Control"]


def test_no_inline_script_or_style_in_browser_templates():
    """The CSP allows no inline code: behaviours live in static/js, styles in static/css.
    (PDF templates are rendered by WeasyPrint on the server, not by a browser.)"""
    inline = re.compile(
        r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle\s*=|\son[a-z]+\s*=|javascript:",
        re.IGNORECASE,
    )
    offenders = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        if "pdf" in path.relative_to(ROOT / "templates").parts:
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if inline.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not offenders, "\n".join(offenders)


@pytest.mark.django_db
def test_mail_links_are_absolute_from_site_url(settings, social_worker):
    from accompaniments.tasks import notify_signal

    settings.SITE_URL = "https://logement-accompagne.example.fr"
    household = HouseholdFactory(referent=social_worker, status=Status.ACCOMPANIED, tenant=True)
    signal = SignalFactory(household=household, kind="unpaid_rent", amount=300, months=1)
    notify_signal(signal.pk)
    url = "https://logement-accompagne.example.fr" + reverse(
        "accompaniments:signal_detail", args=[signal.pk]
    )
    assert url in mail.outbox[0].body
