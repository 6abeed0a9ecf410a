"""`manage.py seed_demo`: deterministic, idempotent, every status, every role can log in."""

import io

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
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
    # The new files that reached « accompagné » were begun (and closed) by the owners too.
    from accompaniments.models import Accompaniment

    accompanied = Household.objects.filter(status=Status.ACCOMPANIED)
    assert accompanied.count() == Accompaniment.objects.active().count()
    assert StatusChange.objects.filter(to_status=Status.ACCOMPANIED).count() == (
        Accompaniment.objects.count()
    )


@time_machine.travel(NOW, tick=False)
def test_every_status_and_public_with_a_consistent_history(db):
    seed(households=120)
    assert set(Household.objects.values_list("status", flat=True)) == set(Status.values)
    # Every public of §1.2 (« à qualifier » is what an import leaves, not a demo public).
    publics = set(Public.values) - {Public.TO_QUALIFY}
    assert set(Household.objects.values_list("public", flat=True)) == publics
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
def test_demo_of_300_households_passes_check_pipeline(db, django_assert_max_num_queries):
    """Issue 10, points 7–8: the demo's files agree with their records (status, documents
    signed before the accompaniment, cellule decisions, agendas), checked in one query."""
    seed(households=300)
    from housing.models import AgreementDocument, DocumentStatus

    accompanied = Household.objects.filter(status=Status.ACCOMPANIED)
    assert accompanied.count() > 20
    # Households staying in place (eviction threat) signed their documents too.
    assert (
        AgreementDocument.objects.filter(
            household__in=accompanied.filter(public=Public.EVICTION_THREAT),
            status=DocumentStatus.SIGNED,
        ).count()
        >= 2
    )
    # Every household that reached « accompagné » has its accompaniment, on its history's
    # dates: begun that day, closed the day it left (post-autonomy, exit, …).
    from accompaniments.models import Accompaniment

    spans = {}
    for change in StatusChange.objects.order_by("at", "pk"):
        if change.to_status == Status.ACCOMPANIED:
            spans[change.household_id] = [timezone.localdate(change.at), None]
        elif change.household_id in spans and spans[change.household_id][1] is None:
            spans[change.household_id][1] = timezone.localdate(change.at)
    accompaniments = {a.household_id: a for a in Accompaniment.objects.all()}
    assert set(accompaniments) == set(spans)
    assert all([a.start, a.closed_on] == spans[pk] for pk, a in accompaniments.items()), (
        "accompaniment dates differ from the household's history"
    )
    out = io.StringIO()
    with django_assert_max_num_queries(1):
        call_command("check_pipeline", stdout=out, stderr=io.StringIO())
    assert "aucune incohérence" in out.getvalue()


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
