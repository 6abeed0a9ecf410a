"""The level is the cellule's (issue 10, point 2): one function sets it and updates an open
draft; between two cellules the CCAS manager records a provisional level with a written reason,
put on the next cellule's agenda and shown as provisional until the cellule ratifies it."""

import html

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from coordination.actions import do_provisional_level, do_record_decision
from coordination.agenda import propose
from coordination.enums import ItemKind, Outcome
from diagnostics.models import Diagnostic
from households.enums import Public, Status
from households.models import StatusChange
from tests.diagnostics.factories import DiagnosticFactory
from tests.factories import HouseholdFactory

from .factories import MeetingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def next_cellule():
    return MeetingFactory()  # in ten days, agenda not published


def test_provisional_level_opens_the_diagnostic_and_goes_on_the_next_agenda(
    ccas_manager, next_cellule
):
    MeetingFactory(date=next_cellule.date + timezone.timedelta(days=30))  # a later one
    published = MeetingFactory(date=timezone.now() + timezone.timedelta(days=2), published=True)
    household = HouseholdFactory(status=Status.AWAITING_LEVEL, public=Public.THIRD_PARTY)

    meeting = do_provisional_level(household, 2, by=ccas_manager, reason="Expulsion imminente")

    assert meeting == next_cellule  # the next one whose agenda is still open
    household.refresh_from_db()
    assert (household.status, household.diagnostic_level) == (Status.DIAGNOSTIC, 2)
    assert household.diagnostic_level_provisional
    item = next_cellule.items.get()
    assert (item.kind, item.household, item.reason) == (
        ItemKind.LEVEL,
        household,
        "Niveau provisoire 2 à ratifier",
    )
    assert not published.items.exists()
    change = StatusChange.objects.get(household=household)
    assert (change.reason, change.decision) == ("Expulsion imminente", "Niveau provisoire 2")


def test_provisional_level_without_reason_is_refused_and_nothing_written(
    ccas_manager, next_cellule
):
    household = HouseholdFactory(status=Status.PRESELECTED)
    with pytest.raises(ValidationError) as error:
        do_provisional_level(household, 2, by=ccas_manager, reason="  ")
    assert "motif" in error.value.message_dict["reason"][0]
    household.refresh_from_db()
    assert (household.status, household.diagnostic_level) == (Status.PRESELECTED, None)
    assert not household.diagnostic_level_provisional
    assert not next_cellule.items.exists()
    assert not StatusChange.objects.exists()


def test_forged_post_without_reason_answers_400_and_keeps_the_input(client, ccas_manager):
    household = HouseholdFactory(status=Status.AWAITING_LEVEL)
    client.force_login(ccas_manager)
    url = reverse("coordination:provisional_level", args=[household.pk])
    response = client.post(url, {"level": "1", "reason": ""})
    assert response.status_code == 400
    assert "Écrivez le motif de ce niveau provisoire." in html.unescape(response.content.decode())
    household.refresh_from_db()
    assert household.status == Status.AWAITING_LEVEL and household.diagnostic_level is None


def test_the_cellule_ratifies_it_and_a_draft_follows_the_level(
    ccas_manager, cellule_member, next_cellule
):
    household = HouseholdFactory(status=Status.AWAITING_LEVEL, public=Public.THIRD_PARTY)
    do_provisional_level(household, 2, by=ccas_manager, reason="Rapport CODESI reçu")
    household.refresh_from_db()
    draft = DiagnosticFactory(household=household, level=2)
    # Shown as provisional on the file until the cellule sits.
    assert household.diagnostic_level_provisional
    item = next_cellule.items.get()
    next_cellule.date = timezone.now() - timezone.timedelta(hours=1)
    next_cellule.agenda_published_at = timezone.now()
    next_cellule.save()
    item.refresh_from_db()
    assert item.still_open()

    # Another level than the rule's (3) needs the cellule's reason.
    with pytest.raises(ValidationError, match="niveau suggéré"):
        do_record_decision(item, by=cellule_member, outcome=Outcome.LEVEL, level=1)
    do_record_decision(
        item, by=cellule_member, outcome=Outcome.LEVEL, level=1, reason="Structure avec suivi"
    )
    household.refresh_from_db()
    draft.refresh_from_db()
    assert (household.diagnostic_level, household.diagnostic_level_provisional) == (1, False)
    assert household.status == Status.DIAGNOSTIC
    assert draft.level == 1


def test_the_agenda_proposes_a_provisional_level_when_no_cellule_was_open(ccas_manager):
    household = HouseholdFactory(status=Status.AWAITING_LEVEL)
    assert do_provisional_level(household, 3, by=ccas_manager, reason="Urgence") is None
    meeting = MeetingFactory()
    proposals = propose(meeting)[ItemKind.LEVEL]
    assert [(p.household, p.reason) for p in proposals] == [
        (household, "Niveau provisoire 3 à ratifier")
    ]
    meeting.add_item(kind=ItemKind.LEVEL, household=household, by=ccas_manager)
    household.refresh_from_db()
    assert household.status == Status.DIAGNOSTIC  # inscribed for ratification, not moved back


def test_file_and_worklist_show_the_level_as_provisional(client, ccas_manager, next_cellule):
    household = HouseholdFactory(status=Status.AWAITING_LEVEL)
    do_provisional_level(household, 2, by=ccas_manager, reason="Urgence")
    client.force_login(ccas_manager)
    page = client.get(reverse("households:detail", args=[household.pk])).content.decode()
    assert "provisoire, à ratifier par la cellule" in page


def test_one_definition_of_the_current_diagnostic(social_worker):
    household = HouseholdFactory(status=Status.DIAGNOSTIC, diagnostic_level=2)
    assert Diagnostic.objects.current_of(household) is None
    first = DiagnosticFactory(household=household, level=2)
    assert Diagnostic.objects.current_of(household) == first  # a draft while none was sent
    first.status = "submitted"
    first.save()
    second = DiagnosticFactory(household=household, level=2, previous=first, number=2)
    # The référent reworks a new draft: the cellule still reads the version it was sent.
    assert Diagnostic.objects.current_of(household) == first
    assert Diagnostic.objects.transmitted().current_of(household) == first
    second.status = "submitted"
    second.save()
    assert Diagnostic.objects.current_by_household([household.pk]) == {household.pk: second}
