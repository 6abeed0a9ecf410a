"""`manage.py seed_demo`: deterministic, idempotent, every status, every role can log in."""

import io

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.urls import include, path, reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from accounts.demo import ACCOUNTS
from accounts.enums import Role
from accounts.models import Organisation, User
from households.enums import TRANSITIONS, Public, Status
from households.models import Household, HouseholdSource, Person, StatusChange

NOW = "2026-11-28 10:00 +01:00"


def seed(households=40, seed=14):
    call_command("seed_demo", households=households, seed=seed, stdout=io.StringIO())


def snapshot():
    """Everything the demo wrote about households, without database ids."""
    rows = []
    for h in Household.objects.prefetch_related("members", "sources", "status_changes__by"):
        rows.append(
            (
                sorted((s.source, s.reference, s.decision_date) for s in h.sources.all()),
                h.public,
                h.status,
                h.sne_number,
                h.tenant_account,
                h.rent_debt,
                h.quartier,
                h.referent.email if h.referent else None,
                h.created_at,
                [(p.last_name, p.first_name, p.birth_date, p.relation) for p in h.members_list],
                [(c.from_status, c.to_status, c.at, c.by.email) for c in h.status_changes.all()],
            )
        )
    return sorted(rows)


@time_machine.travel(NOW, tick=False)
def test_same_seed_same_data_other_seed_other_data(db):
    with transaction.atomic():
        seed(seed=7)
        first = snapshot()
        transaction.set_rollback(True)
    with transaction.atomic():
        seed(seed=8)
        other = snapshot()
        transaction.set_rollback(True)
    seed(seed=7)
    assert snapshot() == first
    assert other != first
    assert len(first) == 40


@time_machine.travel(NOW, tick=False)
def test_running_twice_is_harmless_and_tops_up(db):
    seed(households=30)
    counts = (
        User.objects.count(),
        Organisation.objects.count(),
        Household.objects.count(),
        Person.objects.count(),
        HouseholdSource.objects.count(),
        StatusChange.objects.count(),
        PeriodicTask.objects.count(),
    )
    before = snapshot()
    seed(households=30)
    assert (
        User.objects.count(),
        Organisation.objects.count(),
        Household.objects.count(),
        Person.objects.count(),
        HouseholdSource.objects.count(),
        StatusChange.objects.count(),
        PeriodicTask.objects.count(),
    ) == counts
    assert snapshot() == before
    # A larger --households adds only the missing households, the first 30 unchanged.
    seed(households=45)
    assert Household.objects.count() == 45
    after = snapshot()
    assert all(row in after for row in before)


@time_machine.travel(NOW, tick=False)
def test_every_status_and_public_with_a_consistent_history(db):
    seed(households=120)
    assert set(Household.objects.values_list("status", flat=True)) == set(Status.values)
    assert set(Household.objects.values_list("public", flat=True)) == set(Public.values)
    social_workers = {f"ts{k}@demo.caen.fr" for k in range(1, 5)}
    for h in Household.objects.prefetch_related("status_changes", "members", "sources"):
        changes = list(h.status_changes.all())
        assert changes[0].from_status == "" and changes[0].to_status == Status.PRESELECTED
        for before, after in zip(changes, changes[1:], strict=False):
            assert after.from_status == before.to_status
            assert after.to_status in TRANSITIONS[before.to_status]
            assert after.at > before.at
        assert changes[-1].to_status == h.status
        assert h.status_changed_at == changes[-1].at
        assert timezone.localdate(changes[-1].at) < timezone.localdate()
        assert h.members.exists() and h.sources.exists()
        assert all(p.search_key and "|" in p.match_key for p in h.members.all())
        if h.status not in (Status.PRESELECTED, Status.AWAITING_LEVEL) and any(
            c.to_status == Status.DIAGNOSTIC for c in changes
        ):
            assert h.referent.email in social_workers
            assert h.referent_assignments.filter(referent=h.referent).exists()
        if h.public == Public.EVICTION_THREAT:
            assert h.tenant_account and h.rent_debt > 0 and h.months_unpaid >= 3
        if h.status == Status.EXITED:
            assert h.exit_reason
    # The seeded text is searchable like typed names (keys computed despite bulk_create).
    person = Person.objects.order_by("pk").first()
    assert Household.objects.search(person.last_name.upper()).filter(pk=person.household_id)


@time_machine.travel(NOW, tick=False)
def test_every_role_logs_in_with_the_demo_password(client, db):
    seed(households=12)
    expected_roles = {
        "ts1": Role.SOCIAL_WORKER,
        "ts4": Role.SOCIAL_WORKER,
        "direction": Role.CCAS_MANAGER,
        "location": Role.LETTING_OFFICER,
        "contentieux": Role.DEBT_OFFICER,
        "gestion": Role.TENANCY_OFFICER,
        "cellule": Role.CELLULE_MEMBER,
        "ddcs": Role.STATE_READER,
        "admin": Role.ADMIN,
    }
    assert len(ACCOUNTS) == 11
    for key in ACCOUNTS:
        email = f"{key}@demo.caen.fr"
        response = client.post(
            reverse("accounts:login"),
            {"username": email, "password": settings.DEMO_PASSWORD},
        )
        assert response.status_code == 302, email
        user = User.objects.get(email=email)
        if key in expected_roles:
            assert user.roles == {expected_roles[key]}
        client.post(reverse("accounts:logout"))
    admin = User.objects.get(email="admin@demo.caen.fr")
    assert admin.is_staff and admin.is_superuser
    assert User.objects.get(email="ts2@demo.caen.fr").organisation.name == "CCAS de Caen"
    assert User.objects.get(email="gestion@demo.caen.fr").organisation.name == "Caen habitat"
    assert User.objects.get(email="ddcs@demo.caen.fr").organisation.name == "DDCS du Calvados"
    assert Organisation.objects.filter(name__startswith="Conseil départemental").exists()
    # A wrong password is refused.
    response = client.post(
        reverse("accounts:login"), {"username": "ts1@demo.caen.fr", "password": "mauvais"}
    )
    assert response.status_code == 200


@pytest.mark.django_db
def test_seed_sets_up_the_audit_purge_schedule():
    with time_machine.travel(NOW, tick=False):
        seed(households=10)
    task = PeriodicTask.objects.get(task="audit.purge_expired_entries")
    assert task.enabled and task.crontab.hour == "3"
    assert str(task.crontab.timezone) == "Europe/Paris"


@time_machine.travel(NOW, tick=False)
def test_bench_measures_the_list_pages_that_exist(db):
    out = io.StringIO()
    call_command("bench", households=15, repeat=3, stdout=out)
    report = out.getvalue()
    assert Household.objects.count() == 15
    assert "requêtes" in report and "médiane" in report
    line = next(line for line in report.splitlines() if line.startswith("/journal/"))
    assert " 200 " in line and "direction" in line


def fake_vacancy_list(request):
    from django.http import HttpResponse

    return HttpResponse("liste")


# A URLconf with a list page the bench's table does not name: it must find and measure it.
urlpatterns = [
    path(
        "essai/logements-vacants/",
        include(([path("", fake_vacancy_list, name="vacancy_list")], "housing")),
    ),
]


@time_machine.travel(NOW, tick=False)
def test_bench_finds_list_pages_by_their_url_names(db, settings):
    settings.ROOT_URLCONF = __name__
    out = io.StringIO()
    call_command("bench", households=3, repeat=2, stdout=out)
    line = next(line for line in out.getvalue().splitlines() if line.startswith("/essai/"))
    assert "location" in line and " 200 " in line


def test_bench_refuses_a_database_with_real_households(db):
    from django.core.management.base import CommandError

    from .factories import HouseholdFactory

    HouseholdFactory()
    with pytest.raises(CommandError, match="--force"):
        call_command("bench", households=5, repeat=1, stdout=io.StringIO())
    assert Household.objects.count() == 1


@pytest.mark.django_db
def test_seed_creates_notifications_in_every_state():
    from notifications.enums import MailState
    from notifications.models import JobRun, Notification

    with time_machine.travel(NOW, tick=False):
        seed(households=40)
        seed(households=40)  # idempotent
    states = set(Notification.objects.values_list("mail_state", flat=True))
    assert {MailState.SENT, MailState.PENDING, MailState.FAILED, MailState.DROPPED} <= states
    assert MailState.DIGEST in states or MailState.NONE in states
    assert Notification.objects.filter(read_at__isnull=False).exists()
    assert Notification.objects.filter(read_at__isnull=True).exists()
    assert JobRun.objects.filter(job="accompaniments.remind_contacts", outcome="success").exists()
    keys = Notification.objects.values_list("kind", "object_ref", "recipient", "due_on")
    assert len(set(keys)) == len(keys)
