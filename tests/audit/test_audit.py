"""The access log: written in the change's transaction, append-only, read by managers only."""

import datetime
import re

import pytest
import time_machine
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.enums import Role
from audit.models import Action, AppendOnlyError, AuditEntry, log, log_households
from households.enums import Owner, Status
from households.models import Household, StatusChange
from tests.conftest import require_postgresql
from tests.factories import HouseholdFactory, make_user

JOURNAL = reverse("audit:list")


# --- same transaction as the change ---------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_rolled_back_change_leaves_no_audit_row():
    manager = make_user(Role.CCAS_MANAGER)
    household = HouseholdFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        household.move_to(Status.AWAITING_LEVEL, by=manager, owner=Owner.AGENDA)
        log(None, Action.UPDATE, household, actor=manager, label="Statut")
        raise RuntimeError("échec après l'écriture")
    assert not AuditEntry.objects.exists()
    assert not StatusChange.objects.exists()
    assert Household.objects.get().status == Status.PRESELECTED


@pytest.mark.django_db(transaction=True)
def test_change_and_audit_row_commit_together(client):
    manager = make_user(Role.CCAS_MANAGER)
    household = HouseholdFactory()
    client.force_login(manager)
    client.post(
        reverse("households:change_status", args=[household.pk]),
        {
            "current_status": "preselected",
            "to_status": "exited",
            "exit_reason": "no_contact",
            "reason": "Injoignable",
        },
    )
    change = StatusChange.objects.get()
    entry = AuditEntry.objects.get(action=Action.UPDATE)
    assert (entry.actor, entry.household_id, change.by) == (manager, household.pk, manager)


@pytest.fixture
def failing_commit(django_db_blocker):
    """A deferred PostgreSQL trigger that refuses, at COMMIT, any transaction that changed a
    household: the request's writes all happened, then the database rolls them back."""
    require_postgresql("un déclencheur différé au COMMIT")
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE OR REPLACE FUNCTION test_fail_at_commit() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION 'refusé au commit'; END $$ LANGUAGE plpgsql"
        )
        cursor.execute(
            "CREATE CONSTRAINT TRIGGER test_fail_at_commit AFTER UPDATE ON households_household "
            "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION test_fail_at_commit()"
        )
    yield
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER IF EXISTS test_fail_at_commit ON households_household")
        cursor.execute("DROP FUNCTION IF EXISTS test_fail_at_commit()")


@pytest.mark.django_db(transaction=True)
def test_request_whose_commit_fails_leaves_no_audit_row(client, failing_commit):
    manager = make_user(Role.CCAS_MANAGER)
    household = HouseholdFactory()
    client.force_login(manager)
    with pytest.raises(DatabaseError, match="refusé au commit"):
        client.post(
            reverse("households:change_status", args=[household.pk]),
            {
                "current_status": "preselected",
                "to_status": "exited",
                "exit_reason": "no_contact",
                "reason": "Injoignable",
            },
        )
    assert not StatusChange.objects.exists()
    assert not AuditEntry.objects.filter(action=Action.UPDATE).exists()
    assert Household.objects.get().status == Status.PRESELECTED


@pytest.mark.django_db(transaction=True)
def test_refused_access_is_logged_even_though_the_request_rolls_back(client):
    social_worker = make_user(Role.SOCIAL_WORKER)
    household = HouseholdFactory()  # not theirs
    client.force_login(social_worker)
    url = reverse("households:change_status", args=[household.pk])
    assert client.post(url, {"to_status": "exited"}).status_code == 403
    entry = AuditEntry.objects.get(action=Action.DENIED)
    assert (entry.actor, entry.label) == (social_worker, url)


@pytest.mark.django_db(transaction=True)
def test_out_of_scope_file_refused_with_404_is_logged(client):
    """docs/access.md: a refusal answered 404 (existence must not leak) is logged like a 403."""
    debt_officer = make_user(Role.DEBT_OFFICER)  # Caen habitat tenants only
    household = HouseholdFactory()  # not a tenant
    client.force_login(debt_officer)
    url = reverse("households:detail", args=[household.pk])
    assert client.get(url).status_code == 404
    entry = AuditEntry.objects.get(action=Action.DENIED)
    assert (entry.actor, entry.label) == (debt_officer, url)
    assert not AuditEntry.objects.filter(action=Action.VIEW).exists()
    # An address that is no page at all is not a refusal.
    assert client.get("/favicon.ico").status_code == 404
    assert AuditEntry.objects.count() == 1
    client.logout()
    assert client.get("/favicon.ico").status_code == 404


@pytest.mark.django_db
def test_entry_records_who_what_when_and_ip(rf, letting_officer):
    household = HouseholdFactory()
    request = rf.get("/", REMOTE_ADDR="203.0.113.5")
    request.user = letting_officer
    with time_machine.travel(datetime.datetime(2026, 3, 2, 9, 30, tzinfo=datetime.UTC), tick=False):
        entry = log(request, Action.EXPORT, household, label="Export de la liste")
    assert entry.actor == letting_officer
    assert entry.action == Action.EXPORT
    assert (entry.object_type, entry.object_id) == ("households.Household", str(household.pk))
    assert entry.household_id == household.pk
    assert entry.ip == "203.0.113.5"
    assert entry.at == datetime.datetime(2026, 3, 2, 9, 30, tzinfo=datetime.UTC)


@pytest.mark.django_db
def test_a_list_page_logs_each_household_it_shows_in_one_insert(
    rf, letting_officer, django_assert_num_queries
):
    one, two = HouseholdFactory(), HouseholdFactory()
    HouseholdFactory()  # not shown
    request = rf.get("/", REMOTE_ADDR="203.0.113.6")
    request.user = letting_officer
    with django_assert_num_queries(1):
        log_households(request, [one, two, one.pk], "Liste des ménages")  # each one once
    entries = AuditEntry.objects.order_by("household_id")
    assert [e.household_id for e in entries] == [one.pk, two.pk]
    for entry, household in zip(entries, (one, two), strict=True):
        assert entry.actor == letting_officer and entry.ip == "203.0.113.6"
        assert entry.action == Action.VIEW and entry.label == "Liste des ménages"
        assert (entry.object_type, entry.object_id) == ("households.Household", str(household.pk))
    with django_assert_num_queries(0):
        assert log_households(request, [], "Liste des ménages") == []  # an empty page


# --- append-only ----------------------------------------------------------------------


@pytest.fixture
def entry(db, ccas_manager):
    return log(None, Action.VIEW, HouseholdFactory(), actor=ccas_manager)


def test_an_entry_cannot_be_changed_or_deleted_through_the_model(entry):
    entry.label = "falsifié"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(label="falsifié")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(AppendOnlyError), transaction.atomic():
        AuditEntry.objects.bulk_update([entry], ["label"])
    entry.refresh_from_db()
    assert entry.label == ""
    assert AuditEntry.objects.count() == 1


def test_the_it_admin_does_not_read_the_log(client, admin_user, ccas_manager, entry):
    """The audit log is the direction's to read (docs/security.md), not the IT admin's in /admin/."""
    client.force_login(admin_user)
    assert client.get("/admin/audit/auditentry/").status_code == 404
    assert client.get(f"/admin/audit/auditentry/{entry.pk}/change/").status_code == 404
    assert "auditentry" not in client.get(reverse("admin:index")).content.decode()
    assert client.get(JOURNAL).status_code == 403
    client.force_login(ccas_manager)
    assert client.get(JOURNAL).status_code == 200


def test_the_journal_page_changes_nothing_on_post(client, ccas_manager, entry):
    client.force_login(ccas_manager)
    assert client.post(JOURNAL, {"action": "delete", "pk": entry.pk}).status_code == 405
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_only_the_retention_purge_deletes(db, settings, ccas_manager):
    settings.AUDIT_RETENTION_DAYS = 180
    now = timezone.now()
    with time_machine.travel(now - datetime.timedelta(days=200)):
        old = log(None, Action.VIEW, actor=ccas_manager, object_type="x")
    recent = log(None, Action.VIEW, actor=ccas_manager, object_type="x")
    AuditEntry.purge_expired(now=now)
    assert list(AuditEntry.objects.all()) == [recent]
    assert not AuditEntry.objects.filter(pk=old.pk).exists()


# --- the manager's page ---------------------------------------------------------------


@pytest.mark.parametrize(
    "role",
    [
        Role.SOCIAL_WORKER,
        Role.LETTING_OFFICER,
        Role.DEBT_OFFICER,
        Role.TENANCY_OFFICER,
        Role.CELLULE_MEMBER,
        Role.STATE_READER,
        Role.ADMIN,
    ],
)
def test_journal_is_for_managers_only(client, db, role):
    client.force_login(make_user(role))
    assert client.get(JOURNAL).status_code == 403


@pytest.fixture
def journal(db, ccas_manager, social_worker, letting_officer):
    one, two = HouseholdFactory(), HouseholdFactory()
    with time_machine.travel(datetime.datetime(2026, 1, 10, 10, tzinfo=datetime.UTC)):
        log(None, Action.VIEW, one, actor=social_worker)
    with time_machine.travel(datetime.datetime(2026, 2, 10, 10, tzinfo=datetime.UTC)):
        log(None, Action.UPDATE, one, actor=letting_officer, label="Identité et composition")
        log(None, Action.VIEW, two, actor=letting_officer)
    return one, two


def shown(response):
    return [(e.actor.email, e.action, e.household_id) for e in response.context["page"]]


def test_journal_lists_entries_newest_first(client, ccas_manager, journal):
    client.force_login(ccas_manager)
    response = client.get(JOURNAL)
    assert response.status_code == 200
    assert len(shown(response)) == 3
    html = response.content.decode()
    assert "Identité et composition" in html and "Modification" in html
    assert "10/02/2026" in html


def test_journal_rows_say_the_paris_time_the_actor_the_action_and_dashes(
    client, ccas_manager, journal
):
    """Each row's cells, formatted by the view (`audit.views._rows`): the time in Paris, the
    actor's name, the action's label, the object, the household's id, « — » where nothing."""
    one, _two = journal
    with time_machine.travel(datetime.datetime(2026, 7, 1, 22, 5, 9, tzinfo=datetime.UTC)):
        AuditEntry.objects.create(action=Action.EXPORT, object_type="reporting.Bilan", ip=None)
    client.force_login(ccas_manager)
    html = client.get(JOURNAL).content.decode()
    rows = [
        [re.sub(r"\s+", " ", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", html.split("<tbody>")[1], re.S)
    ]
    export = AuditEntry.objects.get(action=Action.EXPORT)
    assert rows[0] == [
        "02/07/2026 00:05:09",
        "—",
        export.get_action_display(),
        "reporting.Bilan",
        "—",
        "",
        "—",
    ]
    update = AuditEntry.objects.get(action=Action.UPDATE)
    assert next(row for row in rows if row[2] == "Modification") == [
        "10/02/2026 11:00:00",
        str(update.actor),
        "Modification",
        f"households.Household {one.pk}",
        str(one.pk),
        "Identité et composition",
        update.ip or "—",
    ]


def test_journal_filters(client, ccas_manager, social_worker, letting_officer, journal):
    one, two = journal
    client.force_login(ccas_manager)
    assert shown(client.get(JOURNAL, {"actor": social_worker.pk})) == [
        (social_worker.email, "view", one.pk)
    ]
    assert shown(client.get(JOURNAL, {"action": "update"})) == [
        (letting_officer.email, "update", one.pk)
    ]
    assert {h for *_, h in shown(client.get(JOURNAL, {"household_id": two.pk}))} == {two.pk}
    assert len(shown(client.get(JOURNAL, {"after": "2026-02-01"}))) == 2
    assert len(shown(client.get(JOURNAL, {"before": "2026-01-31"}))) == 1
    assert shown(client.get(JOURNAL, {"action": "export"})) == []


def test_journal_paginates(client, ccas_manager):
    for _ in range(55):
        log(None, Action.VIEW, actor=ccas_manager, object_type="x")
    client.force_login(ccas_manager)
    assert len(shown(client.get(JOURNAL))) == 50
    assert len(shown(client.get(JOURNAL, {"page": 2}))) == 5


def test_journal_page_links_keep_the_filters_and_name_the_page_once(client, ccas_manager):
    for _ in range(120):
        log(None, Action.VIEW, actor=ccas_manager, object_type="x")
    client.force_login(ccas_manager)
    html = client.get(JOURNAL, {"action": "view", "page": 2}).content.decode()
    links = re.findall(r'class="page-link" href="([^"]*)"', html)
    # Before the shared partial: "?action=view&page=2&page=1" and "?action=view&page=2&page=3".
    assert links == ["?action=view&amp;page=1", "?action=view&amp;page=3"]
    assert "Page 2" in html and "Page 2 sur" not in html  # the log is never counted


def test_the_journal_never_counts_the_log(client, ccas_manager, count_queries):
    """The log grows by every list page viewed and is kept a year: a COUNT would read all of
    it on every view. 50 rows are shown and a 51st read only to know a next page exists."""
    for _ in range(50):
        log(None, Action.VIEW, actor=ccas_manager, object_type="x")
    client.force_login(ccas_manager)
    client.get(JOURNAL)
    with count_queries() as ctx:
        full = client.get(JOURNAL).content.decode()
    assert not [q for q in ctx.captured_queries if "COUNT(" in q["sql"] and "audit" in q["sql"]]
    assert "la plus ancienne : 1 à 50" in full and "Suivante" not in full  # exactly one page
    log(None, Action.VIEW, actor=ccas_manager, object_type="x")
    assert "Suivante" in client.get(JOURNAL).content.decode()
    second = client.get(JOURNAL, {"page": 2}).content.decode()
    assert (
        "la plus ancienne : 51 à 51" in second
        and "Précédente" in second
        and "Suivante" not in second
    )
    beyond = client.get(JOURNAL, {"page": 9}).content.decode()
    assert "Aucune entrée." in beyond and "?page=8" in beyond
    assert "la plus ancienne : 1 à 50" in client.get(JOURNAL, {"page": "abc"}).content.decode()
    assert client.get(JOURNAL, {"page": "9" * 30}).status_code == 200  # no bigint overflow


@pytest.mark.django_db
def test_journal_days_are_paris_days(client, ccas_manager):
    """A day filter bounds `at` from midnight in Paris: 23:10 UTC on 31/01 is 1 February."""
    for at in ("2026-01-31T22:50:00+00:00", "2026-01-31T23:10:00+00:00"):
        AuditEntry.objects.create(
            at=datetime.datetime.fromisoformat(at), actor=ccas_manager, action=Action.VIEW
        )
    client.force_login(ccas_manager)
    after = [e.at.minute for e in client.get(JOURNAL, {"after": "2026-02-01"}).context["page"]]
    before = [e.at.minute for e in client.get(JOURNAL, {"before": "2026-01-31"}).context["page"]]
    assert (after, before) == ([10], [50])


@pytest.mark.django_db
def test_journal_query_count_does_not_grow(
    client, ccas_manager, social_worker, letting_officer, count_queries
):
    """Filtered on everything, the journal reads the same number of queries for 3 entries of
    one actor as for 120 entries of three (no query per row, no per-actor lookup)."""
    filters = {"action": "view", "after": "2000-01-01", "before": "2100-01-01"}
    client.force_login(ccas_manager)

    def measure():
        client.get(JOURNAL, filters)
        with count_queries() as ctx:
            assert client.get(JOURNAL, filters).status_code == 200
        return len(ctx.captured_queries)

    for _ in range(3):
        log(None, Action.VIEW, HouseholdFactory(), actor=social_worker)
    few = measure()
    for actor in (social_worker, letting_officer, ccas_manager):
        for _ in range(40):
            log(None, Action.VIEW, HouseholdFactory(), actor=actor)
    assert measure() == few
