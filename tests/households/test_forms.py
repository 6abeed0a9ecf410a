"""Create and edit a household with its members: who may, what is checked, concurrent edits."""

import pytest
from django.urls import reverse

from accounts.enums import Role
from audit.models import Action, AuditEntry
from households.enums import Public, Relation, Status
from households.models import Household, Person, StatusChange
from tests.factories import HouseholdFactory, make_user

pytestmark = pytest.mark.django_db

CREATE = reverse("households:create")


def edit_url(household):
    return reverse("households:edit", args=[household.pk])


def household_fields(**overrides):
    fields = {
        "public": Public.THIRD_PARTY,
        "sne_number": "",
        "tenant_account": "",
        "declared_size": "3",
        "address": "12 rue de Bretagne, Caen",
        "quartier": "centre",
        "phone": "02 31 00 00 00",
        "accommodation": "Chez sa sœur",
        "observations": "",
    }
    fields.update(overrides)
    return fields


def person(last="Lenoir", first="Claire", birth="1988-04-12", relation=Relation.REFERENCE, **kw):
    return {
        "last_name": last,
        "first_name": first,
        "birth_date": birth,
        "gender": "F",
        "relation": relation,
        "employment": "employee",
        **kw,
    }


def post_data(fields, members, *, existing=0, extra_blank=1, version=None):
    data = dict(fields)
    if version is not None:
        data["version"] = str(version)
    total = len(members) + extra_blank
    data.update(
        {
            "members-TOTAL_FORMS": str(total),
            "members-INITIAL_FORMS": str(existing),
            "members-MIN_NUM_FORMS": "0",
            "members-MAX_NUM_FORMS": "1000",
        }
    )
    for i, member in enumerate(members):
        for key, value in member.items():
            data[f"members-{i}-{key}"] = value
    return data


def existing_members(household):
    return [
        person(
            last=p.last_name,
            first=p.first_name,
            birth=p.birth_date.isoformat() if p.birth_date else "",
            relation=p.relation,
            id=str(p.pk),
        )
        for p in household.members_list
    ]


# --- create ---------------------------------------------------------------------------


def test_letting_officer_creates_a_household_with_members(client, letting_officer):
    client.force_login(letting_officer)
    assert client.get(CREATE).status_code == 200
    data = post_data(
        household_fields(),
        [
            person(),
            person(first="Théo", birth="2016-05-01", relation=Relation.CHILD),
            person(first="Léa", birth="2019-11-30", relation=Relation.CHILD),
        ],
    )
    response = client.post(CREATE, data)
    household = Household.objects.get()
    assert response.status_code == 302
    assert response.url == household.tab_url("situation")
    assert [p.first_name for p in household.members_list] == ["Claire", "Théo", "Léa"]
    assert [p.position for p in household.members_list] == [0, 1, 2]
    assert household.family_structure == "single_parent"
    assert household.sne_number is None  # blank number stored as NULL (unique column)
    assert household.referent is None
    opening = StatusChange.objects.get(household=household)
    assert (opening.to_status, opening.by) == (Status.PRESELECTED, letting_officer)
    entry = AuditEntry.objects.get(action=Action.CREATE)
    assert (entry.actor, entry.household_id) == (letting_officer, household.pk)


def test_social_worker_creating_a_file_becomes_its_referent(client, social_worker):
    client.force_login(social_worker)
    client.post(CREATE, post_data(household_fields(), [person()]))
    household = Household.objects.get()
    assert household.referent == social_worker
    assert household.referent_assignments.get().by == social_worker
    # …so that they may go on editing it.
    assert client.get(edit_url(household)).status_code == 200


@pytest.mark.parametrize(
    "role", [Role.DEBT_OFFICER, Role.TENANCY_OFFICER, Role.CELLULE_MEMBER, Role.STATE_READER]
)
def test_roles_that_may_not_create(client, role):
    client.force_login(make_user(role))
    assert client.get(CREATE).status_code == 403
    assert client.post(CREATE, post_data(household_fields(), [person()])).status_code == 403
    assert not Household.objects.exists()


def test_bad_input_keeps_what_was_typed_and_explains_in_french(client, letting_officer):
    client.force_login(letting_officer)
    data = post_data(
        household_fields(public="", phone="pas un numéro", address="3 place Saint-Sauveur"),
        [person(last="", first="Rémi", birth="2999-01-01")],
    )
    response = client.post(CREATE, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Choisissez le public du ménage." in html
    assert "Saisissez un numéro de téléphone" in html
    assert "Indiquez le nom." in html
    assert "La date de naissance ne peut pas être dans le futur." in html
    assert 'value="3 place Saint-Sauveur"' in html
    assert 'value="Rémi"' in html
    assert not Household.objects.exists() and not Person.objects.exists()
    assert not AuditEntry.objects.filter(action=Action.CREATE).exists()


def test_exactly_one_reference_person(client, letting_officer):
    client.force_login(letting_officer)
    two = [person(), person(first="Marc", relation=Relation.REFERENCE)]
    response = client.post(CREATE, post_data(household_fields(), two))
    assert "une et une seule personne de référence" in response.content.decode()
    none = [person(relation=Relation.SPOUSE)]
    response = client.post(CREATE, post_data(household_fields(), none))
    assert "une et une seule personne de référence" in response.content.decode()
    empty = client.post(CREATE, post_data(household_fields(), [], extra_blank=0))
    assert "au moins une personne" in empty.content.decode()
    assert not Household.objects.exists()


def test_eviction_threat_needs_a_tenant_account(client, letting_officer):
    client.force_login(letting_officer)
    data = post_data(household_fields(public=Public.EVICTION_THREAT), [person()])
    response = client.post(CREATE, data)
    assert "indiquez son compte locataire" in response.content.decode()
    data["tenant_account"] = "ch004512"
    client.post(CREATE, data)
    assert Household.objects.get().tenant_account == "CH004512"


def test_sne_number_is_unique_with_a_french_message(client, letting_officer):
    HouseholdFactory(sne_number="0141234500099")
    client.force_login(letting_officer)
    response = client.post(
        CREATE, post_data(household_fields(sne_number="0141234500099"), [person()])
    )
    assert "déjà celui d&#x27;un autre ménage" in response.content.decode()
    assert Household.objects.count() == 1


# --- edit -----------------------------------------------------------------------------


def test_referent_edits_identity_and_members(client, social_worker):
    household = HouseholdFactory(referent=social_worker, members=[{"first_name": "Anne"}])
    client.force_login(social_worker)
    response = client.get(edit_url(household))
    assert response.status_code == 200
    members = existing_members(household)
    members[0]["employment"] = "retired"
    members.append(person(first="Paul", relation=Relation.SPOUSE))
    data = post_data(
        household_fields(phone="06 11 22 33 44"),
        members,
        existing=1,
        version=household.version,
    )
    response = client.post(edit_url(household), data)
    assert response.status_code == 302
    household.refresh_from_db()
    assert household.phone == "06 11 22 33 44"
    assert household.version == 2
    assert [(p.first_name, p.position) for p in household.members_list] == [
        ("Anne", 0),
        ("Paul", 1),
    ]
    assert household.members_list[0].employment == "retired"
    assert household.family_structure == "couple"
    assert AuditEntry.objects.filter(action=Action.UPDATE, household_id=household.pk).count() == 1


def test_member_can_be_removed(client, letting_officer):
    household = HouseholdFactory(
        members=[{"first_name": "Anne"}, {"first_name": "Bob", "relation": Relation.OTHER}]
    )
    client.force_login(letting_officer)
    members = existing_members(household)
    members[1]["DELETE"] = "on"
    client.post(
        edit_url(household),
        post_data(household_fields(), members, existing=2, version=household.version),
    )
    assert [p.first_name for p in Household.objects.get().members_list] == ["Anne"]


PRESELECTION = [Status.PRESELECTED, Status.AWAITING_LEVEL]


def new_phone(household):
    """The edit form of `household` as it stands, with a new phone number."""
    return post_data(
        household_fields(phone="06 11 22 33 44"),
        existing_members(household),
        existing=1,
        version=household.version,
    )


@pytest.mark.parametrize("status", PRESELECTION)
def test_letting_officer_edits_a_household_in_preselection(client, letting_officer, status):
    household = HouseholdFactory(status=status, members=[{"first_name": "Anne"}])
    client.force_login(letting_officer)
    page = client.get(household.get_absolute_url()).content.decode()
    assert f'href="{edit_url(household)}"' in page
    assert client.get(edit_url(household)).status_code == 200
    assert client.post(edit_url(household), new_phone(household)).status_code == 302
    household.refresh_from_db()
    assert household.phone == "06 11 22 33 44"


# An archived household is out of every page (retention: tests/privacy/test_retention.py).
@pytest.mark.parametrize(
    "status", [s for s in Status if s not in PRESELECTION and s != Status.ARCHIVED]
)
def test_letting_officer_may_not_edit_a_household_past_preselection(
    client, letting_officer, status
):
    """docs/access.md: the letting officer writes identity and composition at preselection only."""
    household = HouseholdFactory(status=status, members=[{"first_name": "Anne"}])
    client.force_login(letting_officer)
    page = client.get(household.get_absolute_url())
    assert page.status_code == 200  # still read: the whole programme
    assert edit_url(household) not in page.content.decode()
    assert "Modifier l&#x27;identité et la composition" not in page.content.decode()
    assert client.get(edit_url(household)).status_code == 403
    assert client.post(edit_url(household), new_phone(household)).status_code == 403
    household.refresh_from_db()
    assert household.phone == ""
    assert [p.first_name for p in household.members_list] == ["Anne"]
    assert not AuditEntry.objects.filter(action=Action.UPDATE, household_id=household.pk).exists()


def test_social_worker_may_not_edit_a_household_they_do_not_follow(client, other_social_worker):
    household = HouseholdFactory()
    client.force_login(other_social_worker)
    assert client.get(edit_url(household)).status_code == 403
    assert client.post(edit_url(household), new_phone(household)).status_code == 403
    household.refresh_from_db()
    assert household.phone == ""


@pytest.mark.parametrize("role", [Role.DEBT_OFFICER, Role.TENANCY_OFFICER])
def test_tenancy_roles_read_their_tenants_but_do_not_edit(client, role):
    tenant = HouseholdFactory(tenant=True)
    client.force_login(make_user(role))
    assert client.get(reverse("households:detail", args=[tenant.pk])).status_code == 200
    assert client.get(edit_url(tenant)).status_code == 403


def test_forged_id_on_edit_answers_404(client, letting_officer):
    client.force_login(letting_officer)
    assert client.get(reverse("households:edit", args=[987654])).status_code == 404


def test_second_concurrent_edit_gets_the_conflict_message_and_keeps_its_input(
    client, letting_officer, ccas_manager
):
    from django.test import Client

    household = HouseholdFactory(members=[{"first_name": "Anne"}])
    members = existing_members(household)
    read_version = household.version
    # Two people open the form at the same version…
    client.force_login(letting_officer)
    other = Client()
    other.force_login(ccas_manager)
    first = post_data(
        household_fields(phone="02 31 11 11 11"), members, existing=1, version=read_version
    )
    assert client.post(edit_url(household), first).status_code == 302
    # …the second save must not silently overwrite the first.
    changed = [dict(members[0], first_name="Annie")]
    second = post_data(
        household_fields(phone="02 31 22 22 22", address="5 rue Écuyère"),
        changed,
        existing=1,
        version=read_version,
    )
    response = other.post(edit_url(household), second)
    assert response.status_code == 400
    html = response.content.decode()
    assert "modifié par quelqu&#x27;un d&#x27;autre" in html
    assert 'value="02 31 22 22 22"' in html and 'value="5 rue Écuyère"' in html
    assert 'value="Annie"' in html
    household.refresh_from_db()
    assert household.phone == "02 31 11 11 11"
    assert household.members_list[0].first_name == "Anne"  # nothing half-written
    assert AuditEntry.objects.filter(action=Action.UPDATE).count() == 1


def test_member_removed_meanwhile_is_a_conflict(client, letting_officer):
    household = HouseholdFactory(
        members=[{"first_name": "Anne"}, {"first_name": "Bob", "relation": Relation.OTHER}]
    )
    members = existing_members(household)
    Person.objects.filter(first_name="Bob").delete()
    client.force_login(letting_officer)
    response = client.post(
        edit_url(household),
        post_data(household_fields(), members, existing=2, version=household.version),
    )
    assert "modifié par quelqu&#x27;un d&#x27;autre" in response.content.decode()


def test_edit_get_method_only_shows_and_writes_nothing(client, letting_officer):
    household = HouseholdFactory()
    client.force_login(letting_officer)
    client.get(edit_url(household))
    household.refresh_from_db()
    assert household.version == 1
    assert not AuditEntry.objects.filter(action=Action.UPDATE).exists()
