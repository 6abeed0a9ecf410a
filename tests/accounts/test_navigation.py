"""The main menu asks the policy: each role sees a link exactly to the menu pages it can open."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from accounts.enums import Role
from tests.factories import make_user


def menu_links(html):
    menu = re.search(r'<ul class="navbar-nav[^"]*">(.*?)</ul>', html, re.S)
    return set(re.findall(r'href="([^"]+)"', menu.group(1))) if menu else set()


@pytest.mark.django_db
def test_each_role_sees_the_menu_pages_it_can_open_and_only_those(client):
    users = {role: make_user(role, email=f"{role}@menu.caen.fr") for role in Role}
    shown = {}
    for role, user in users.items():
        client.force_login(user)
        shown[role] = menu_links(client.get(reverse("accessibility")).content.decode())
    every = set().union(*shown.values())
    # Every app's list pages are in someone's menu.
    for name in (
        "households:list",
        "diagnostics:list",
        "housing:dwelling_list",
        "housing:letting_board",
        "housing:import",
        "accompaniments:caseload",
        "accompaniments:surveys",
        "accompaniments:signals",
        "coordination:list",
        "coordination:partners",
        "audit:list",
    ):
        assert reverse(name) in every
    for role, user in users.items():
        client.force_login(user)
        opens = {url for url in every if client.get(url).status_code == 200}
        assert shown[role] == opens, role


def test_no_template_repeats_the_roles_of_the_policy():
    """The menus and pages ask `{% if user|may:"action" %}` (accounts/templatetags/access.py)."""
    roles = "|".join(re.escape(role.value) for role in Role)
    pattern = re.compile(rf"[\"']({roles})[\"']\s+in\s+|user_roles")
    offenders = [
        str(path.relative_to(settings.BASE_DIR))
        for path in Path(settings.BASE_DIR, "templates").rglob("*.html")
        if pattern.search(path.read_text())
    ]
    assert not offenders
