"""The cost every logged-in page pays before its own work (docs/performance.md, « The cost every
page pays »): three queries, none of them built by the ORM for the request, and a header badge
and a menu that stay exact although their SQL and markup are made once per user's roles."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.enums import Role
from accounts.models import RoleAssignment
from households.enums import Status
from notifications.enums import Kind
from notifications.models import Notification
from tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db

TRANSACTION_CONTROL = re.compile(r"^(SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK|BEGIN|COMMIT)\b")


def tables_read(queries):
    """The table each query reads first, transaction control left out."""
    return [
        re.search(r'FROM "?(\w+)"?', q["sql"]).group(1)
        for q in queries
        if not TRANSACTION_CONTROL.match(q["sql"])
    ]


def notify(user, kind, household, title="Rappel"):
    return Notification.objects.notify(
        user,
        kind=kind,
        title=title,
        url="/",
        obj=household,
        due_on=timezone.localdate(),
        household=household,
    )


def badge(client):
    """The count the header shows (0 when no badge)."""
    page = client.get(reverse("accessibility")).content.decode()
    found = re.search(r'<span class="badge text-bg-warning">(\d+)</span>', page)
    return int(found.group(1)) if found else 0


def test_a_logged_in_page_without_data_costs_three_queries(client, ccas_manager, social_worker):
    """Session, user with its roles, badge count: the page's own work is none
    (/accessibilite/)."""
    household = HouseholdFactory(referent=social_worker, status=Status.ACCOMPANIED)
    notify(ccas_manager, Kind.CONTACT_OVERDUE, household)
    client.force_login(ccas_manager)
    client.get(reverse("accessibility"))  # the statements of this user's roles made once
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("accessibility"))
    assert response.status_code == 200
    assert tables_read(queries) == [
        "django_session",
        "accounts_user",  # with its roles (accounts/backends.py)
        "notifications_notification",
    ]
    # The first page of a user whose roles the process has not seen yet costs the same.
    client.force_login(social_worker)
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("accessibility"))
    assert len(tables_read(queries)) == 3


def test_the_badge_follows_every_change_of_what_the_user_may_read(
    client, social_worker, other_social_worker, ccas_manager
):
    mine = HouseholdFactory(referent=social_worker, status=Status.ACCOMPANIED)
    other = HouseholdFactory(referent=other_social_worker, status=Status.ACCOMPANIED)
    contact = notify(social_worker, Kind.CONTACT_OVERDUE, mine)  # accompaniment.view: ALL
    signal = notify(social_worker, Kind.SIGNAL_WAITING, mine)  # signal.view: OWN
    notify(social_worker, Kind.CONTACT_OVERDUE, other, title="Autre")
    client.force_login(social_worker)

    def counts():
        exact = Notification.objects.visible_to(social_worker).unread().count()
        assert Notification.objects.unread_count(social_worker) == exact
        return badge(client)

    assert counts() == 3
    # A new notification, then one read.
    notify(social_worker, Kind.END_SOON, other)
    assert counts() == 4
    contact.mark_read()
    assert counts() == 3
    # The file changes hands: its signal is the référent's only (OWN), hidden at once.
    mine.assign_referent(other_social_worker, by=ccas_manager, reason="Réorganisation")
    assert counts() == 2
    mine.assign_referent(social_worker, by=ccas_manager, reason="Retour")
    assert counts() == 3
    # An archived file leaves every scope.
    other.archive(last_contact=timezone.now() - datetime.timedelta(days=3000))
    assert counts() == 1
    # Roles read afresh with the user on every request: without the role, nothing is readable.
    RoleAssignment.objects.filter(user=social_worker).delete()
    assert badge(client) == 0
    RoleAssignment.objects.create(user=social_worker, role=Role.SOCIAL_WORKER)
    assert badge(client) == 1
    assert signal.pk in Notification.objects.visible_to(social_worker).values_list("pk", flat=True)


def test_the_menu_follows_the_roles_and_the_page(client, social_worker):
    """The menu's markup is made once per roles and page: another page, or another role, gives
    another menu on the very next request."""
    client.force_login(social_worker)
    households = reverse("households:list")
    on_list = client.get(households).content.decode()
    elsewhere = client.get(reverse("accessibility")).content.decode()
    assert f'class="nav-link active"\n       aria-current="page"\n       href="{households}"' in (
        on_list
    )
    assert "aria-current" not in elsewhere
    assert reverse("housing:import") not in elsewhere
    RoleAssignment.objects.create(user=social_worker, role=Role.LETTING_OFFICER)
    assert reverse("housing:import") in client.get(reverse("accessibility")).content.decode()


def test_a_backlog_of_unread_reminders_is_counted_up_to_the_badges_99_plus(
    client, social_worker, count_queries
):
    """A référent with 400 unread reminders (the demo's) paid their count on every page; the
    badge reads at most 100 of them and says « 99+ » from 100 on."""
    household = HouseholdFactory(referent=social_worker, status=Status.ACCOMPANIED)
    Notification.objects.bulk_create(
        Notification(
            recipient=social_worker,
            kind=Kind.CONTACT_OVERDUE,
            title="Rappel",
            url="/",
            object_ref=f"accompaniment:{n}",
            household=household,
            due_on=timezone.localdate(),
        )
        for n in range(99)
    )
    client.force_login(social_worker)
    assert badge(client) == 99
    page = client.get(reverse("accessibility")).content.decode()
    assert "99+" not in page and "non lues" in page
    Notification.objects.create(
        recipient=social_worker,
        kind=Kind.CONTACT_OVERDUE,
        title="Rappel",
        url="/",
        object_ref="accompaniment:100",
        household=household,
        due_on=timezone.localdate(),
    )
    with count_queries() as ctx:
        page = client.get(reverse("accessibility")).content.decode()
    assert '<span class="badge text-bg-warning" aria-hidden="true">99+</span>' in page
    assert "plus de 99 non lues" in page
    (count,) = [q["sql"] for q in ctx.captured_queries if "notifications_notification" in q["sql"]]
    assert "LIMIT 100" in count
