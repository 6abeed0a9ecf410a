"""accounts.policy: the preselection scope, and `household_q` agreeing with `can`."""

import pytest

from accounts import policy
from accounts.enums import Role
from accounts.models import RoleAssignment, User
from households.enums import Status
from households.models import Household
from tests.factories import HouseholdFactory, make_user

pytestmark = pytest.mark.django_db

WRITE_ACTIONS = ["household.change", "household.change_status"]


def test_preselection_statuses_are_the_first_two_of_the_pipeline():
    # accounts imports no domain app, so the policy names the statuses by value.
    assert set(policy.PRESELECTION_STATUSES) == {Status.PRESELECTED, Status.AWAITING_LEVEL}
    assert set(policy.PRESELECTION_STATUSES) <= set(Status.values)


@pytest.mark.parametrize("action", WRITE_ACTIONS)
def test_letting_officer_writes_households_in_preselection_only(action):
    officer = make_user(Role.LETTING_OFFICER)
    households = {status: HouseholdFactory(status=status) for status in Status}
    writable = set(Household.objects.visible_to(officer, action))
    assert writable == {households[Status.PRESELECTED], households[Status.AWAITING_LEVEL]}
    # Reading is not narrowed: the whole programme, but for archived households (retention).
    live = {h for status, h in households.items() if status != Status.ARCHIVED}
    assert set(Household.objects.visible_to(officer)) == live


def test_archived_households_are_out_of_every_scope_but_the_archive():
    """Retention: an archived file leaves every list and page; the archive action reads only it."""
    assert policy.ARCHIVED_STATUS in Status.values
    manager = make_user(Role.CCAS_MANAGER)
    live = HouseholdFactory(status=Status.EXITED)
    archived = HouseholdFactory(status=Status.ARCHIVED)
    for action in ["household.view", "diagnostic.view_detail", "contact.view", "debt.view"]:
        assert list(Household.objects.visible_to(manager, action)) == [live]
        assert policy.can(manager, action, live) and not policy.can(manager, action, archived)
    assert list(Household.objects.visible_to(manager, policy.ARCHIVE_VIEW)) == [archived]
    assert policy.can(manager, policy.ARCHIVE_VIEW, archived)
    assert not policy.can(manager, policy.ARCHIVE_VIEW, live)
    for role in Role:
        if role != Role.CCAS_MANAGER:
            assert not policy.can(make_user(role), policy.ARCHIVE_VIEW, archived), role


@pytest.mark.parametrize("action", WRITE_ACTIONS)
@pytest.mark.parametrize("role", [Role.LETTING_OFFICER, Role.CCAS_MANAGER, Role.SOCIAL_WORKER])
def test_can_agrees_with_the_queryset_for_every_status(action, role):
    user = make_user(role)
    households = [HouseholdFactory(status=status) for status in Status]
    households += [HouseholdFactory(status=status, referent=user) for status in Status]
    in_scope = set(Household.objects.filter(policy.household_q(user, action)))
    for household in households:
        assert policy.can(user, action, household) == (household in in_scope), household.status


def test_scope_through_a_prefix():
    """Models reaching Household through a foreign key filter on its status the same way."""
    from households.models import HouseholdSource

    officer = make_user(Role.LETTING_OFFICER)
    kept = HouseholdFactory(status=Status.AWAITING_LEVEL)
    HouseholdSource.objects.create(household=kept, source="dalo", reference="D-1")
    HouseholdSource.objects.create(
        household=HouseholdFactory(status=Status.ADMITTED), source="dalo", reference="D-2"
    )
    q = policy.household_q(officer, "household.change", prefix="household__")
    assert list(HouseholdSource.objects.filter(q).values_list("reference", flat=True)) == ["D-1"]


def test_the_whole_programme_through_a_prefix_reads_no_household_row():
    """A scope of ALL through a foreign key (the direction's lists of signals, diagnostics…):
    the archived households are left out (or, for the archive, kept alone) by an anti join on
    the archived ones, not by a join to every household (docs/performance.md)."""
    from households.models import HouseholdSource

    manager = make_user(Role.CCAS_MANAGER)
    for status, reference in ((Status.EXITED, "live"), (Status.ARCHIVED, "archived")):
        HouseholdSource.objects.create(
            household=HouseholdFactory(status=status), source="dalo", reference=reference
        )
    for action, expected in (("household.view", ["live"]), (policy.ARCHIVE_VIEW, ["archived"])):
        listed = HouseholdSource.objects.filter(
            policy.household_q(manager, action, prefix="household__")
        )
        assert list(listed.values_list("reference", flat=True)) == expected
        assert "JOIN" not in str(listed.query)


def test_the_agenda_scope_is_given_by_coordination_not_written_in_the_policy():
    """accounts is the bottom layer: coordination gives the AGENDA scope as its own QuerySet
    method (CoordinationConfig.ready()); the policy holds none of its joins."""
    from pathlib import Path

    from django.utils import timezone

    from coordination.models import AgendaItem, Meeting

    assert "agenda_items" not in Path(policy.__file__).read_text()
    member = make_user(Role.CELLULE_MEMBER)
    on_agenda, elsewhere, unpublished = HouseholdFactory(), HouseholdFactory(), HouseholdFactory()
    published = Meeting.objects.create(date=timezone.now(), agenda_published_at=timezone.now())
    published.members.add(member)
    AgendaItem.objects.create(meeting=published, kind="level", household=on_agenda)
    AgendaItem.objects.create(meeting=published, kind="manual", title="Bilan")  # no household
    not_sitting = Meeting.objects.create(date=timezone.now(), agenda_published_at=timezone.now())
    AgendaItem.objects.create(meeting=not_sitting, kind="level", household=elsewhere)
    draft = Meeting.objects.create(date=timezone.now())
    draft.members.add(member)
    AgendaItem.objects.create(meeting=draft, kind="level", household=unpublished)

    scope = policy.scope_households(policy.AGENDA, member)
    assert list(scope) == [{"household": on_agenda.pk}]
    assert list(Household.objects.visible_to(member)) == [on_agenda]
    assert [policy.can(member, "household.view", h) for h in (on_agenda, elsewhere)] == [
        True,
        False,
    ]


def test_a_scope_no_app_provides_is_a_configuration_error(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    monkeypatch.setattr(policy, "_SCOPE_HOUSEHOLDS", {})
    with pytest.raises(ImproperlyConfigured):
        Household.objects.visible_to(make_user(Role.CELLULE_MEMBER)).exists()


def test_diagnostics_visible_to_names_the_action_like_the_other_apps():
    from django.utils import timezone

    from coordination.models import AgendaItem, Meeting
    from diagnostics.models import Diagnostic

    member, worker = make_user(Role.CELLULE_MEMBER), make_user(Role.SOCIAL_WORKER)
    household = HouseholdFactory(referent=worker)
    sent = Diagnostic.objects.create(
        household=household, level=2, author=worker, status="submitted"
    )
    for _ in range(2):  # on two agendas: still one row
        meeting = Meeting.objects.create(date=timezone.now(), agenda_published_at=timezone.now())
        meeting.members.add(member)
        AgendaItem.objects.create(meeting=meeting, kind="level", household=household)
    assert list(Diagnostic.objects.visible_to(member, "diagnostic.view_synthesis")) == [sent]
    assert not Diagnostic.objects.visible_to(member).exists()  # the detail: CCAS only
    assert list(Diagnostic.objects.visible_to(worker)) == [sent]


def test_scopes_are_remembered_with_the_roles_they_came_from(client):
    """`scopes` is memoised on the user object, as its `roles` are: a role withdrawn shows from
    the next request (the middleware loads the user afresh), or at once when `roles` is reset."""
    user = make_user(Role.SOCIAL_WORKER)
    assert policy.scopes(user, "household.change") == {policy.OWN}
    assert policy.scopes(user, "household.change") is policy.scopes(user, "household.change")
    RoleAssignment.objects.filter(user=user).delete()
    del user.roles  # the cached property, as a fresh load of the user would have it
    assert policy.scopes(user, "household.change") == frozenset()
    assert not policy.can(User.objects.get(pk=user.pk), "household.view")
    user.is_active = False
    assert policy.scopes(user, "household.view") == frozenset()
