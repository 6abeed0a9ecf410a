"""One owner per transition (issue 10, point 1): the status form makes only the manual
transitions (exit with a reason, re-entry, archive); every workflow-owned one is refused through
the model, the form and a forged POST, and nothing is written."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from audit.models import Action, AuditEntry
from coordination.enums import ItemKind
from coordination.models import Meeting
from households.enums import TRANSITIONS, ExitReason, Owner, Status
from households.forms import StatusChangeForm
from households.models import StatusChange
from tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db

WORKFLOW_OWNED = [
    (source, target, owner)
    for source, targets in TRANSITIONS.items()
    for target, owner in targets.items()
    if owner != Owner.MANUAL
]
MANUAL = [
    (source, target)
    for source, targets in TRANSITIONS.items()
    for target, owner in targets.items()
    if owner == Owner.MANUAL
]


def test_the_table_names_every_workflow_step_and_only_exit_reentry_archive_are_manual():
    assert {target for _, target in MANUAL} == {Status.EXITED, Status.PRESELECTED, Status.ARCHIVED}
    assert (Status.EXITED, Status.PRESELECTED) in MANUAL  # re-entry
    owned = {(source, target): owner for source, target, owner in WORKFLOW_OWNED}
    assert owned[(Status.PRESELECTED, Status.AWAITING_LEVEL)] == Owner.AGENDA
    assert owned[(Status.AWAITING_LEVEL, Status.DIAGNOSTIC)] == Owner.LEVEL
    assert owned[(Status.DIAGNOSTIC, Status.AWAITING_ADMISSION)] == Owner.SUBMISSION
    assert owned[(Status.AWAITING_ADMISSION, Status.ADMITTED)] == Owner.ADMISSION
    assert owned[(Status.AWAITING_ADMISSION, Status.NOT_ADMITTED)] == Owner.ADMISSION
    assert owned[(Status.ADMITTED, Status.ACCOMPANIED)] == Owner.BEGIN
    assert owned[(Status.ACCOMPANIED, Status.POST_AUTONOMY)] == Owner.CLOSURE
    # Leaving during an accompaniment closes it: no manual exit leaves it open.
    assert owned[(Status.ACCOMPANIED, Status.EXITED)] == Owner.CLOSURE


@pytest.mark.parametrize(("source", "target", "owner"), WORKFLOW_OWNED)
def test_model_refuses_a_workflow_step_unless_its_owner_asks(source, target, owner, ccas_manager):
    household = HouseholdFactory(status=source)
    wrong = [o for o in Owner if o != owner]
    for other in wrong:
        with pytest.raises(ValidationError) as error:
            household.move_to(
                target, by=ccas_manager, owner=other, exit_reason=ExitReason.DEPARTURE
            )
        if other == Owner.MANUAL:
            assert "pas ici" in error.value.messages[0]
    household.refresh_from_db()
    assert household.status == source
    assert not StatusChange.objects.exists()


@pytest.mark.parametrize(("source", "target", "owner"), WORKFLOW_OWNED)
def test_form_does_not_offer_nor_accept_a_workflow_step(source, target, owner):
    household = HouseholdFactory(status=source)
    form = StatusChangeForm(
        household,
        {
            "current_status": source,
            "to_status": target,
            "reason": "Forcé",
            "exit_reason": ExitReason.DEPARTURE,
        },
    )
    assert target not in {value for value, _ in form.fields["to_status"].choices}
    assert not form.is_valid()
    assert form.errors["to_status"] == ["Ce passage n'est pas possible depuis le statut actuel."]


@pytest.mark.parametrize(("source", "target", "owner"), WORKFLOW_OWNED)
def test_forged_post_of_a_workflow_step_is_refused_in_french(
    client, ccas_manager, source, target, owner
):
    household = HouseholdFactory(status=source)
    client.force_login(ccas_manager)
    response = client.post(
        reverse("households:change_status", args=[household.pk]),
        {
            "current_status": source,
            "to_status": target,
            "reason": "Passage forcé",
            "exit_reason": ExitReason.DEPARTURE,
        },
    )
    assert response.status_code == 400  # the refused form comes back, as every refused form
    assert (
        "Ce passage n&#x27;est pas possible depuis le statut actuel." in response.content.decode()
    )
    household.refresh_from_db()
    assert household.status == source
    assert not StatusChange.objects.exists()
    assert not AuditEntry.objects.filter(action=Action.UPDATE).exists()


@pytest.mark.parametrize(("source", "target"), MANUAL)
def test_each_manual_transition_goes_through_the_form(client, ccas_manager, source, target):
    household = HouseholdFactory(status=source)
    client.force_login(ccas_manager)
    response = client.post(
        reverse("households:change_status", args=[household.pk]),
        {
            "current_status": source,
            "to_status": target,
            "reason": "Décision motivée",
            "exit_reason": ExitReason.ADHESION_LOSS if target == Status.EXITED else "",
        },
    )
    assert response.status_code == 302
    household.refresh_from_db()
    assert household.status == target
    assert StatusChange.objects.get(household=household).to_status == target


def test_inscription_on_a_cellule_agenda_makes_the_file_await_its_level(ccas_manager):
    household = HouseholdFactory(status=Status.PRESELECTED)
    meeting = Meeting.objects.create(date=timezone.now())
    meeting.add_item(kind=ItemKind.LEVEL, household=household, by=ccas_manager)
    household.refresh_from_db()
    assert household.status == Status.AWAITING_LEVEL
    change = StatusChange.objects.get(household=household)
    assert (change.from_status, change.by) == (Status.PRESELECTED, ccas_manager)
    assert "ordre du jour" in change.reason


def test_a_file_past_preselection_cannot_be_inscribed_for_a_level(ccas_manager):
    household = HouseholdFactory(status=Status.ADMITTED)
    meeting = Meeting.objects.create(date=timezone.now())
    with pytest.raises(ValidationError, match="ne peut pas être inscrit"):
        meeting.add_item(kind=ItemKind.LEVEL, household=household, by=ccas_manager)
    assert not meeting.items.exists()
    assert not StatusChange.objects.exists()


def test_the_batch_form_writes_what_move_to_writes(ccas_manager):
    """Issue 10, point 7: `Household.move_many` (the demo's batch of moves) applies the rule
    code of `move_to` (`apply_move`) and writes the same history rows, owner recorded."""
    at = timezone.now() - timezone.timedelta(days=30)
    single, batch = HouseholdFactory(), HouseholdFactory()
    steps = [
        (Status.AWAITING_LEVEL, dict(owner=Owner.AGENDA, reason="Inscrit", at=at)),
        (Status.DIAGNOSTIC, dict(owner=Owner.LEVEL, decision="Niveau 2", at=at)),
        (
            Status.EXITED,
            dict(owner=Owner.MANUAL, exit_reason=ExitReason.REFUSAL, at=at + timezone.timedelta(1)),
        ),
    ]
    for status, spec in steps:
        single.move_to(status, by=ccas_manager, **spec)
    Household = type(batch)
    Household.move_many((batch, status, dict(by=ccas_manager, **spec)) for status, spec in steps)

    def written(household):
        household.refresh_from_db()
        rows = household.status_changes.filter(owner__gt="").order_by("at", "pk")
        return (
            household.status,
            household.status_changed_at,
            household.exit_reason,
            [(c.from_status, c.to_status, c.owner, c.at, c.reason, c.decision) for c in rows],
        )

    assert written(batch) == written(single)
    assert written(batch)[3][0][:3] == (Status.PRESELECTED, Status.AWAITING_LEVEL, Owner.AGENDA)


def test_a_refused_move_in_a_batch_writes_nothing(ccas_manager):
    first, second = HouseholdFactory(), HouseholdFactory()
    before = StatusChange.objects.count()
    Household = type(first)
    with pytest.raises(ValidationError) as error:
        Household.move_many(
            [
                (first, Status.AWAITING_LEVEL, dict(by=ccas_manager, owner=Owner.AGENDA)),
                # The admission is the cellule's, not the agenda's: refused like move_to refuses it.
                (second, Status.ADMITTED, dict(by=ccas_manager, owner=Owner.AGENDA)),
            ]
        )
    assert "impossible" in error.value.messages[0]
    first.refresh_from_db()
    assert first.status == Status.PRESELECTED
    assert StatusChange.objects.count() == before
    with pytest.raises(ValidationError):  # an exit without its reason, as with move_to
        Household.move_many([(first, Status.EXITED, dict(by=ccas_manager))])
    assert StatusChange.objects.count() == before
