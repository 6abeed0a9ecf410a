"""Walk every URL pattern with every role and compare with tests/access_table.py."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.enums import Role
from tests.access_table import ANON, ROLES, ROWS, build_world
from tests.factories import make_user

SKIPPED_NAMESPACES = {"admin"}  # Django's own admin: staff-only, tested by Django


def named_patterns(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or ""
            if ns in SKIPPED_NAMESPACES:
                continue
            prefix = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            yield from named_patterns(entry, prefix)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}:{entry.name}" if namespace else entry.name


def test_every_url_has_a_row():
    missing = sorted(set(named_patterns()) - set(ROWS))
    assert not missing, f"URL sans ligne dans tests/access_table.py : {missing}"


@pytest.mark.django_db
def test_every_url_with_every_role(client, settings):
    settings.AXES_ENABLED = False
    users = {
        role: make_user(Role(role), email=f"{role}@walk.caen.fr") for role in ROLES if role != ANON
    }
    world = build_world(users)
    failures = []
    for name, (kwargs, expected) in sorted(ROWS.items()):
        url = reverse(name, kwargs=kwargs(world) if kwargs else None)
        for role in ROLES:
            client.logout()
            if role != ANON:
                client.force_login(users[role])
            status = client.get(url).status_code
            if status != expected[role]:
                failures.append(
                    f"{name} ({url}) as {role}: got {status}, expected {expected[role]}"
                )
    assert not failures, "\n".join(failures)
