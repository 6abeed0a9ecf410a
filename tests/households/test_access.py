"""Who reads and edits which household, page by page (docs/access.md, "identity, composition…").

| role | reads | edits |
|---|---|---|
| social worker | the programme | households they follow (référent or substitute) |
| CCAS manager | the programme | every household |
| letting officer | the programme | households in preselection (preselected, awaiting level) |
| debt, tenancy officers | Caen habitat tenants | nothing |
| cellule member | households on a published agenda of a meeting they sit in | nothing |
| state reader, admin | nothing | nothing |

Out of scope answers 404 (the file's existence does not leak), a role with no access 403.
"""

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.enums import Role
from audit.models import Action, AuditEntry
from coordination.models import AgendaItem, Meeting
from households.enums import Status
from tests.factories import HouseholdFactory, make_user

pytestmark = pytest.mark.django_db

KINDS = [
    "followed",
    "substituted",
    "other",
    "tenant",
    "agenda",
    "unpublished",
    "awaiting_level",
    "diagnostic",
    "accompanied",
]
PAST_PRESELECTION = {"diagnostic", "accompanied"}

# role → (kinds read, kinds edited); None: the role is refused the pages outright (403).
SCOPE = {
    "social_worker": (set(KINDS), {"followed", "substituted"}),
    "ccas_manager": (set(KINDS), set(KINDS)),
    "letting_officer": (set(KINDS), set(KINDS) - PAST_PRESELECTION),
    "debt_officer": ({"tenant"}, None),
    "tenancy_officer": ({"tenant"}, None),
    "cellule_member": ({"agenda"}, None),
    "state_reader": (None, None),
    "admin": (None, None),
}


@pytest.fixture
def world():
    users = {role: make_user(Role(role), email=f"{role}@acces.caen.fr") for role in SCOPE}
    other_worker = make_user(Role.SOCIAL_WORKER, email="autre@acces.caen.fr")
    me = users["social_worker"]
    households = {
        "followed": HouseholdFactory(referent=me),
        "substituted": HouseholdFactory(referent=other_worker, substitute=me),
        "other": HouseholdFactory(referent=other_worker),
        "tenant": HouseholdFactory(tenant=True, referent=other_worker),
        "agenda": HouseholdFactory(referent=other_worker),
        "unpublished": HouseholdFactory(referent=other_worker),
        "awaiting_level": HouseholdFactory(referent=other_worker, status=Status.AWAITING_LEVEL),
        "diagnostic": HouseholdFactory(referent=other_worker, status=Status.DIAGNOSTIC),
        "accompanied": HouseholdFactory(referent=other_worker, status=Status.ACCOMPANIED),
    }
    published = Meeting.objects.create(date=timezone.now(), agenda_published_at=timezone.now())
    draft = Meeting.objects.create(date=timezone.now())
    for meeting, kind in ((published, "agenda"), (draft, "unpublished")):
        meeting.members.add(users["cellule_member"])
        AgendaItem.objects.create(meeting=meeting, kind="level", household=households[kind])
    # A second meeting the cellule member does not sit in: its agenda gives them nothing.
    elsewhere = Meeting.objects.create(date=timezone.now(), agenda_published_at=timezone.now())
    AgendaItem.objects.create(meeting=elsewhere, kind="level", household=households["other"])
    return users, households


@pytest.mark.parametrize("role", list(SCOPE))
def test_list_shows_exactly_the_households_in_scope(client, world, role):
    users, households = world
    reads, _ = SCOPE[role]
    client.force_login(users[role])
    response = client.get(reverse("households:list"))
    if reads is None:
        assert response.status_code == 403
        return
    listed = {h.pk for h in response.context["page"].object_list}
    assert listed == {households[kind].pk for kind in reads}


@pytest.mark.parametrize("role", list(SCOPE))
def test_file_opens_in_scope_only_and_each_read_is_logged(client, world, role):
    users, households = world
    reads, _ = SCOPE[role]
    client.force_login(users[role])
    for kind, household in households.items():
        response = client.get(reverse("households:detail", args=[household.pk]))
        expected = 403 if reads is None else 200 if kind in reads else 404
        assert response.status_code == expected, kind
        if expected == 200:
            assert household.reference in response.content.decode()
    views = AuditEntry.objects.filter(action=Action.VIEW, actor=users[role])
    assert {e.household_id for e in views} == {households[kind].pk for kind in (reads or ())}


@pytest.mark.parametrize("role", list(SCOPE))
def test_edit_form_opens_where_the_role_may_write(client, world, role):
    users, households = world
    reads, edits = SCOPE[role]
    client.force_login(users[role])
    for kind, household in households.items():
        response = client.get(reverse("households:edit", args=[household.pk]))
        if edits is None:
            expected = 403
        elif kind in edits:
            expected = 200
        else:
            expected = 403 if kind in reads else 404
        assert response.status_code == expected, kind


def expected_write_status(role, kind):
    reads, edits = SCOPE[role]
    if edits is None:
        return 403
    if kind in edits:
        return 302
    return 403 if kind in reads else 404


@pytest.mark.parametrize("role", list(SCOPE))
def test_status_changes_where_the_role_may_write(client, world, role):
    users, households = world
    client.force_login(users[role])
    for kind, household in households.items():
        before = household.status
        response = client.post(
            reverse("households:change_status", args=[household.pk]),
            {
                "current_status": before,
                "to_status": Status.EXITED,
                "exit_reason": "departure",
                "reason": "Départ de Caen",
            },
        )
        expected = expected_write_status(role, kind)
        if kind == "accompanied" and expected == 302:
            # Leaving during an accompaniment is its closure: the status form refuses it (400).
            expected = 400
        assert response.status_code == expected, kind
        household.refresh_from_db()
        assert household.status == (Status.EXITED if expected == 302 else before), kind


@pytest.mark.parametrize("role", list(SCOPE))
def test_edit_button_and_status_form_show_where_the_role_may_write(client, world, role):
    users, households = world
    reads, edits = SCOPE[role]
    client.force_login(users[role])
    for kind in reads or ():
        household = households[kind]
        body = client.get(household.tab_url("situation")).content.decode()
        may_write = kind in (edits or ())
        assert (reverse("households:edit", args=[household.pk]) in body) == may_write, kind
        assert ("Modifier l&#x27;identité" in body or "Modifier l'identité" in body) == may_write
        # An accompanied household has no manual transition: it leaves by its closure.
        has_form = reverse("households:change_status", args=[household.pk]) in body
        assert has_form == (may_write and kind != "accompanied"), kind


@pytest.mark.parametrize(
    "name", ["households:detail", "households:edit", "households:change_status"]
)
def test_forged_ids_answer_404(client, world, name):
    users, _ = world
    client.force_login(users["ccas_manager"])
    url = reverse(name, args=[987654321])
    response = client.post(url, {}) if name.endswith("status") else client.get(url)
    assert response.status_code == 404


def test_forged_id_on_referent_assignment_answers_404(client, world):
    users, _ = world
    client.force_login(users["ccas_manager"])
    url = reverse("households:assign_referent", args=[987654321])
    assert client.post(url, {"referent": users["social_worker"].pk}).status_code == 404
