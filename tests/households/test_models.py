"""The household model: derived characteristics, file reference, pipeline, référent history."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from accounts.enums import Role
from households.enums import (
    TRANSITIONS,
    AgeBand,
    ExitReason,
    FamilyStructure,
    Origin,
    Owner,
    Public,
    Relation,
    Status,
)
from households.models import Household, PossibleDuplicate, ReferentAssignment, StatusChange
from tests.factories import HouseholdFactory, PersonFactory, make_user

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")


def household_of(*relations):
    return HouseholdFactory(members=[{"relation": r} for r in relations])


def test_prefetched_members_come_in_display_order(django_assert_num_queries):
    """The list pages prefetch "members" / "household__members" as plain lookups: Person's
    Meta.ordering (position, then pk) is their display order, as Household.members_list reads it."""
    from accompaniments.models import Signal, SignalKind

    household = HouseholdFactory(members=[])
    for position in (2, 0, 1):
        PersonFactory(household=household, position=position)
    Signal.objects.create(household=household, kind=SignalKind.LACK_OF_UPKEEP)
    with django_assert_num_queries(3):
        listed = Household.objects.with_members_and_sources().get(pk=household.pk)
    assert [p.position for p in listed.members.all()] == [0, 1, 2]
    signal = Signal.objects.prefetch_related("household__members").select_related("household").get()
    assert [p.position for p in signal.household.members.all()] == [0, 1, 2]
    assert [p.position for p in signal.household.members_list] == [0, 1, 2]


@pytest.mark.parametrize(
    "relations, expected",
    [
        ([Relation.REFERENCE], FamilyStructure.SINGLE),
        ([Relation.REFERENCE, Relation.CHILD], FamilyStructure.SINGLE_PARENT),
        ([Relation.REFERENCE, Relation.CHILD, Relation.CHILD], FamilyStructure.SINGLE_PARENT),
        ([Relation.REFERENCE, Relation.SPOUSE], FamilyStructure.COUPLE),
        ([Relation.REFERENCE, Relation.SPOUSE, Relation.CHILD], FamilyStructure.COUPLE_CHILDREN),
        ([Relation.REFERENCE, Relation.OTHER], FamilyStructure.OTHER),
    ],
)
def test_family_structure_is_derived_from_members(relations, expected):
    household = household_of(*relations)
    assert household.family_structure == expected
    assert household.get_family_structure_display() == expected.label


@pytest.mark.parametrize("declared_size", [None, 1])
def test_one_person_listed_and_no_more_declared_lives_alone(declared_size):
    household = HouseholdFactory(declared_size=declared_size)
    assert household.family_structure == FamilyStructure.SINGLE


def test_one_person_listed_but_more_declared_is_to_be_specified():
    """As an imported list leaves a household: its reference person and « nb_personnes »."""
    household = HouseholdFactory(declared_size=3)
    assert household.family_structure is None
    assert household.get_family_structure_display() == "À préciser"


def test_family_structure_of_a_household_without_members():
    household = HouseholdFactory(members=[])
    assert household.family_structure is None
    assert household.get_family_structure_display() == "—"
    assert household.display_name == "(sans membre)"


@pytest.mark.parametrize(
    "birth_date, expected",
    [
        (datetime.date(2002, 3, 16), AgeBand.UNDER_25),  # 24 the day before the birthday
        (datetime.date(2001, 3, 15), AgeBand.FROM_25),  # 25 on the day
        (datetime.date(1991, 3, 16), AgeBand.FROM_25),  # 34
        (datetime.date(1991, 3, 15), AgeBand.FROM_35),  # 35
        (datetime.date(1966, 3, 16), AgeBand.FROM_35),  # 59
        (datetime.date(1966, 3, 15), AgeBand.OVER_60),  # 60
    ],
)
def test_age_band_of_the_reference_person(birth_date, expected):
    household = HouseholdFactory(
        members=[
            {"relation": Relation.CHILD, "birth_date": datetime.date(2020, 1, 1), "position": 0},
            {"relation": Relation.REFERENCE, "birth_date": birth_date, "position": 1},
        ]
    )
    with time_machine.travel(datetime.datetime(2026, 3, 15, 12, tzinfo=PARIS), tick=False):
        assert household.age_band == expected
        assert household.get_age_band_display() == expected.label


def test_age_band_unknown_without_birth_date():
    household = HouseholdFactory(members=[{"birth_date": None}])
    assert household.age_band is None
    assert household.get_age_band_display() == "—"


@pytest.mark.parametrize(
    "public, origin",
    [
        (Public.EMERGENCY_SHELTER, Origin.EMERGENCY),
        (Public.FIXED_TERM_PERMIT, Origin.EMERGENCY),
        (Public.AHI_STRUCTURE, Origin.EMERGENCY),
        (Public.THIRD_PARTY, Origin.EMERGENCY),
        (Public.ALT, Origin.EMERGENCY),
        (Public.EVICTION_THREAT, Origin.EVICTION),
        (Public.DALO, Origin.MEDIATION),
    ],
)
def test_origin_is_derived_from_the_public(public, origin):
    household = HouseholdFactory(public=public)
    assert household.origin == origin
    assert household.get_origin_display() == origin.label


def test_every_public_has_an_origin():
    assert {HouseholdFactory(public=p).origin for p in Public} == set(Origin)


def test_file_reference_is_year_and_padded_number():
    household = HouseholdFactory(created_at=datetime.datetime(2026, 5, 4, 10, tzinfo=PARIS))
    assert household.reference == f"LA-2026-{household.pk:04d}"
    assert len(household.reference.split("-")[2]) >= 4
    assert Household.pk_from_reference(household.reference.lower()) == household.pk
    assert Household.pk_from_reference("Dupont") is None
    assert Household().reference == "LA-nouveau"


def test_file_reference_year_is_the_paris_year():
    # 31 December 23:30 UTC is already 1 January in Caen.
    household = HouseholdFactory(
        created_at=datetime.datetime(2025, 12, 31, 23, 30, tzinfo=datetime.UTC)
    )
    assert household.reference.startswith("LA-2026-")


def test_search_by_file_reference():
    wanted, _other = HouseholdFactory(), HouseholdFactory()
    assert list(Household.objects.search(wanted.reference)) == [wanted]


def test_search_ignores_accents_case_and_hyphens():
    heloise = HouseholdFactory(members=[{"last_name": "Lefèvre-Martin", "first_name": "Héloïse"}])
    HouseholdFactory(members=[{"last_name": "Durand", "first_name": "Paul"}])
    for text in ["lefevre", "LEFÈVRE MARTIN", "heloise lefevre", "Martin", "  héloïse  "]:
        assert list(Household.objects.search(text)) == [heloise], text
    assert not Household.objects.search("lefevre paul").exists()


def test_search_finds_any_member_and_the_sne_number():
    household = HouseholdFactory(
        sne_number="014123456789",
        members=[
            {"last_name": "Benali", "first_name": "Samir"},
            {"last_name": "Benali", "first_name": "Inès", "relation": Relation.CHILD},
        ],
    )
    assert list(Household.objects.search("ines")) == [household]  # one row, not one per member
    assert list(Household.objects.search("benali")) == [household]
    assert list(Household.objects.search("014123456789")) == [household]


def test_allowed_transition_writes_history_row(social_worker):
    household = HouseholdFactory()
    change = household.move_to(
        Status.AWAITING_LEVEL,
        by=social_worker,
        owner=Owner.AGENDA,
        reason="Dossier complet",
        decision="",
    )
    household.refresh_from_db()
    assert household.status == Status.AWAITING_LEVEL
    assert change.from_status == Status.PRESELECTED
    assert change.to_status == Status.AWAITING_LEVEL
    assert change.by == social_worker
    assert change.reason == "Dossier complet"
    assert household.status_changed_at == change.at


def test_forbidden_transition_is_refused_and_writes_nothing(social_worker):
    household = HouseholdFactory()
    with pytest.raises(ValidationError) as error:
        household.move_to(Status.ACCOMPANIED, by=social_worker, reason="trop tôt")
    assert "Passage impossible" in error.value.messages[0]
    household.refresh_from_db()
    assert household.status == Status.PRESELECTED
    assert not StatusChange.objects.exists()


def test_exit_needs_a_reason(social_worker):
    household = HouseholdFactory()
    with pytest.raises(ValidationError, match="motif de sortie"):
        household.move_to(Status.EXITED, by=social_worker)
    household.move_to(Status.EXITED, by=social_worker, exit_reason=ExitReason.NO_CONTACT)
    household.refresh_from_db()
    assert household.exit_reason == ExitReason.NO_CONTACT


def test_whole_pipeline_is_recorded_step_by_step(ccas_manager):
    household = HouseholdFactory()
    path = [
        Status.AWAITING_LEVEL,
        Status.DIAGNOSTIC,
        Status.AWAITING_ADMISSION,
        Status.ADMITTED,
        Status.ACCOMPANIED,
        Status.POST_AUTONOMY,
        Status.ARCHIVED,
    ]
    for status in path:
        owner = TRANSITIONS[household.status][status]
        household.move_to(status, by=ccas_manager, owner=owner, decision=f"cellule {status}")
    history = list(household.status_changes.values_list("from_status", "to_status"))
    assert history == list(zip([Status.PRESELECTED, *path[:-1]], path, strict=True))
    assert household.next_statuses == []  # archived is terminal


def test_next_statuses_follow_the_transition_table():
    for status in Status:
        household = Household(status=status)
        manual = {to for to, owner in TRANSITIONS[status].items() if owner == Owner.MANUAL}
        assert {value for value, _label in household.next_statuses} == manual


def test_record_creation_opens_the_timeline(letting_officer):
    household = HouseholdFactory()
    change = household.record_creation(by=letting_officer)
    assert (change.from_status, change.to_status, change.by) == (
        "",
        Status.PRESELECTED,
        letting_officer,
    )


def test_referent_assignment_keeps_history(ccas_manager, social_worker, other_social_worker):
    household = HouseholdFactory()
    household.assign_referent(social_worker, by=ccas_manager, reason="Secteur nord")
    household.assign_referent(
        other_social_worker, by=ccas_manager, substitute=social_worker, reason="Congé"
    )
    household.refresh_from_db()
    assert household.referent == other_social_worker
    assert household.substitute == social_worker
    rows = list(
        ReferentAssignment.objects.filter(household=household).values_list(
            "referent", "substitute", "by", "reason"
        )
    )
    assert rows == [
        (social_worker.pk, None, ccas_manager.pk, "Secteur nord"),
        (other_social_worker.pk, social_worker.pk, ccas_manager.pk, "Congé"),
    ]


def test_stale_version_is_refused():
    household = HouseholdFactory()
    first, second = Household.objects.get(pk=household.pk), Household.objects.get(pk=household.pk)
    first.phone = "02 31 00 00 01"
    first.save_if_unchanged(first.version, ["phone"])
    second.phone = "02 31 00 00 02"
    with pytest.raises(ValidationError, match="modifié par quelqu'un d'autre"):
        second.save_if_unchanged(second.version, ["phone"])
    household.refresh_from_db()
    assert household.phone == "02 31 00 00 01"
    assert household.version == 2


def test_open_duplicates_both_sides(ccas_manager):
    one, two, three = HouseholdFactory(), HouseholdFactory(), HouseholdFactory()
    PossibleDuplicate.objects.create(household=one, other=two, reason="Même nom")
    PossibleDuplicate.objects.create(
        household=one,
        other=three,
        reason="Même nom",
        resolved_by=ccas_manager,
        resolved_at=one.created_at,
        resolution="Deux personnes différentes",
    )
    assert [d.other for d in one.open_duplicates()] == [two]
    assert [d.household for d in two.open_duplicates()] == [one]
    assert not three.open_duplicates().exists()
    flags = dict(Household.objects.with_list_data().values_list("pk", "has_open_duplicate"))
    assert flags == {one.pk: True, two.pk: True, three.pk: False}


def test_visible_to_follows_the_policy(social_worker, other_social_worker):
    own = HouseholdFactory(referent=social_worker)
    tenant = HouseholdFactory(tenant=True)
    other = HouseholdFactory(referent=other_social_worker)
    debt = make_user(Role.DEBT_OFFICER)
    state = make_user(Role.STATE_READER)
    assert set(Household.objects.visible_to(social_worker)) == {own, tenant, other}
    assert set(Household.objects.visible_to(social_worker, "household.change")) == {own}
    assert set(Household.objects.visible_to(debt)) == {tenant}
    assert not Household.objects.visible_to(state).exists()


def test_visible_to_agenda_gives_one_row_per_household(cellule_member):
    from django.utils import timezone

    from coordination.models import AgendaItem, Meeting

    on_agenda = HouseholdFactory()
    HouseholdFactory()  # on no agenda
    for _ in range(2):
        meeting = Meeting.objects.create(date=timezone.now(), agenda_published_at=timezone.now())
        meeting.members.add(cellule_member)
        AgendaItem.objects.create(meeting=meeting, kind="level", household=on_agenda)
    unpublished = Meeting.objects.create(date=timezone.now())
    unpublished.members.add(cellule_member)
    hidden = HouseholdFactory()
    AgendaItem.objects.create(meeting=unpublished, kind="level", household=hidden)
    assert list(Household.objects.visible_to(cellule_member)) == [on_agenda]


def test_person_keys_follow_the_name():
    person = PersonFactory(last_name="N'Diaye-Sow", first_name="Aïssatou")
    assert person.search_key == "n diaye sow aissatou"
    assert person.match_key == "ndiayesow|aissatou"
    assert person.full_name == "Aïssatou N'DIAYE-SOW"


def test_members_prefetched_in_order_as_a_list_give_the_same_reference_person(
    django_assert_num_queries,
):
    from django.db.models import Prefetch, prefetch_related_objects

    from households.enums import Relation
    from households.models import Person

    household = HouseholdFactory(
        members=[
            {"first_name": "Léa", "relation": Relation.CHILD, "position": 0},
            {"first_name": "Claire", "relation": Relation.REFERENCE, "position": 1},
        ]
    )
    expected = Household.objects.get(pk=household.pk).display_name
    listed = Household.objects.get(pk=household.pk)
    members = Person.objects.order_by("position", "pk")
    prefetch_related_objects([listed], Prefetch("members", members, to_attr="ordered_members"))
    with django_assert_num_queries(0):
        assert [p.first_name for p in listed.members_list] == ["Léa", "Claire"]
        assert listed.display_name == expected
        assert listed.reference_person.first_name == "Claire"


def test_display_names_of_a_page_are_each_households_display_name_in_one_query(
    django_assert_num_queries,
):
    from django.utils import timezone

    from households.enums import Relation

    households = [
        # The reference person is not the first member.
        HouseholdFactory(
            members=[
                {"first_name": "Léa", "last_name": "Martin", "relation": Relation.CHILD},
                {"first_name": "Claire", "last_name": "Martin", "relation": Relation.REFERENCE},
            ]
        ),
        # No reference person: the first member in display order (position, then key).
        HouseholdFactory(
            members=[
                {
                    "first_name": "Zoé",
                    "last_name": "Roux",
                    "relation": Relation.CHILD,
                    "position": 2,
                },
                {
                    "first_name": "Paul",
                    "last_name": "Roux",
                    "relation": Relation.SPOUSE,
                    "position": 1,
                },
            ]
        ),
        HouseholdFactory(members=[]),
        HouseholdFactory(
            members=[{"first_name": "Ana", "last_name": "ßeta", "relation": Relation.REFERENCE}]
        ),
        HouseholdFactory(anonymised_at=timezone.now()),
    ]
    households[2].declared_size = 3
    households[2].save()
    listed = list(Household.objects.filter(pk__in=[h.pk for h in households]))
    expected = {h.pk: Household.objects.get(pk=h.pk).display_name for h in households}
    assert expected[households[0].pk] == "Claire MARTIN"
    assert expected[households[1].pk] == "Paul ROUX"
    with django_assert_num_queries(1):
        assert Household.display_names(listed) == expected
    sizes = {h.pk: Household.objects.get(pk=h.pk).size for h in households}
    assert sizes[households[2].pk] == 3
    with django_assert_num_queries(1):
        names, counts = Household.names_and_member_counts(listed)
    assert names == expected
    assert {h.pk: h.size_from(counts[h.pk]) for h in listed} == sizes
    initials = {h.pk: Household.objects.get(pk=h.pk).initials for h in households}
    assert initials[households[0].pk] == "C. M."
    assert initials[households[2].pk] == "—"
    with django_assert_num_queries(1):
        assert Household.initials_of(listed) == initials


def test_labels_of_a_page_are_each_households_sources_in_one_query(django_assert_num_queries):
    from households.models import HouseholdSource

    households = [HouseholdFactory(), HouseholdFactory(), HouseholdFactory()]
    HouseholdSource.objects.filter(household=households[2]).delete()
    for source, reference in (("dalo", "D-1"), ("codesi", "C-1")):
        HouseholdSource.objects.create(household=households[0], source=source, reference=reference)
    expected = {
        h.pk: [s.get_source_display() for s in Household.objects.get(pk=h.pk).sources.all()]
        for h in households
    }
    assert len(expected[households[0].pk]) >= 2
    assert expected[households[2].pk] == []
    with django_assert_num_queries(1):
        assert HouseholdSource.labels_of(households) == expected
