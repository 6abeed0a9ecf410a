"""Agenda assembly from the pipeline (issue 4, point 2)."""

import datetime

import pytest
from django.utils import timezone

from coordination.agenda import propose
from coordination.enums import ItemKind
from households.enums import Status
from tests.factories import HouseholdFactory

from .factories import (
    AccompanimentFactory,
    AdhesionRecordFactory,
    AgendaItemFactory,
    MeetingFactory,
    SignalFactory,
)

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def households_of(groups, kind):
    return {p.household.pk for p in groups[kind]}


def test_level_and_admission_groups_follow_household_status():
    meeting = MeetingFactory()
    awaiting_level = HouseholdFactory(status=Status.AWAITING_LEVEL)
    awaiting_admission = HouseholdFactory(status=Status.AWAITING_ADMISSION)
    # A preselected file is proposed too: its inscription makes it await its level.
    preselected = HouseholdFactory(status=Status.PRESELECTED)
    HouseholdFactory(status=Status.DIAGNOSTIC)

    groups = propose(meeting)

    assert households_of(groups, ItemKind.LEVEL) == {awaiting_level.pk, preselected.pk}
    assert households_of(groups, ItemKind.ADMISSION) == {awaiting_admission.pk}
    assert households_of(groups, ItemKind.REVIEW) == set()


def test_what_is_already_on_a_coming_agenda_or_decided_drops_out():
    meeting = MeetingFactory()
    other = MeetingFactory(date=meeting.date + 30 * DAY)
    on_this = HouseholdFactory(status=Status.AWAITING_LEVEL)
    on_other = HouseholdFactory(status=Status.AWAITING_LEVEL)
    on_a_past_meeting_undecided = HouseholdFactory(status=Status.AWAITING_LEVEL)
    AgendaItemFactory(meeting=meeting, household=on_this, kind=ItemKind.LEVEL)
    AgendaItemFactory(meeting=other, household=on_other, kind=ItemKind.LEVEL)
    AgendaItemFactory(
        meeting=MeetingFactory(past=True),
        household=on_a_past_meeting_undecided,
        kind=ItemKind.LEVEL,
    )
    # Decided elsewhere: the level was set, the household moved on.
    HouseholdFactory(status=Status.DIAGNOSTIC)

    assert households_of(propose(meeting), ItemKind.LEVEL) == {on_a_past_meeting_undecided.pk}


def test_accompaniments_closed_since_the_last_cellule():
    last = MeetingFactory(date=timezone.now() - 60 * DAY)
    meeting = MeetingFactory()
    recent = AccompanimentFactory(
        status="closed",
        closed_on=timezone.localdate() - 10 * DAY,
        household__status=Status.POST_AUTONOMY,
    )
    AccompanimentFactory(
        status="closed",
        closed_on=timezone.localdate() - 70 * DAY,
        household__status=Status.POST_AUTONOMY,
    )
    assert last.date < meeting.date

    review = propose(meeting)[ItemKind.REVIEW]

    assert [p.household.pk for p in review] == [recent.household.pk]
    assert "Accompagnement clôturé le" in review[0].reason


def test_files_in_difficulty_broken_adhesion_loss_and_repeated_signals():
    meeting = MeetingFactory()
    this_month = timezone.localdate().replace(day=1)
    previous_month = (this_month - DAY).replace(day=1)

    broken = AccompanimentFactory()
    AdhesionRecordFactory(accompaniment=broken, month=this_month, degree="broken")
    mended = AccompanimentFactory()  # broken last month, constant again since: not proposed
    AdhesionRecordFactory(accompaniment=mended, month=previous_month, degree="broken")
    AdhesionRecordFactory(accompaniment=mended, month=this_month, degree="constant")

    loss = SignalFactory(kind="adhesion_loss")
    repeated = HouseholdFactory(status=Status.ACCOMPANIED)
    SignalFactory(household=repeated, kind="unpaid_rent")
    SignalFactory(household=repeated, kind="neighbour_trouble")
    single = SignalFactory(kind="lack_of_upkeep").household
    spread = HouseholdFactory(status=Status.ACCOMPANIED)  # 2 signals, but 4 months apart
    SignalFactory(household=spread)
    SignalFactory(household=spread, created_at=timezone.now() - 120 * DAY)

    review = {p.household.pk: p.reason for p in propose(meeting)[ItemKind.REVIEW]}

    assert review.keys() == {broken.household.pk, loss.household.pk, repeated.pk}
    assert review[broken.household.pk] == "Adhésion rompue"
    assert "Perte d'adhésion signalée" in review[loss.household.pk]
    assert review[repeated.pk] == "2 signalements en 3 mois"
    assert single.pk not in review and spread.pk not in review


def test_a_file_reviewed_after_its_last_signal_drops_out(ccas_manager):
    from coordination.models import Decision

    household = HouseholdFactory(status=Status.ACCOMPANIED)
    SignalFactory(household=household, created_at=timezone.now() - 20 * DAY)
    SignalFactory(household=household, created_at=timezone.now() - 15 * DAY)
    past = MeetingFactory(date=timezone.now() - 5 * DAY, published=True)
    item = AgendaItemFactory(meeting=past, household=household, kind=ItemKind.REVIEW)
    Decision.objects.create(item=item, outcome="continue", recorded_by=ccas_manager)

    assert propose(MeetingFactory())[ItemKind.REVIEW] == []

    SignalFactory(household=household)  # a new signal after the review: back on the agenda
    assert households_of(propose(MeetingFactory()), ItemKind.REVIEW) == {household.pk}


def test_publishing_drops_items_decided_elsewhere(
    client, ccas_manager, letting_officer, debt_officer, django_capture_on_commit_callbacks
):
    meeting = MeetingFactory(members=[ccas_manager, letting_officer, debt_officer])
    still = AgendaItemFactory(
        meeting=meeting, household__status=Status.AWAITING_LEVEL, kind=ItemKind.LEVEL
    )
    stale = AgendaItemFactory(
        meeting=meeting, household__status=Status.DIAGNOSTIC, kind=ItemKind.LEVEL
    )
    client.force_login(ccas_manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/cellule/{meeting.pk}/publier/")
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.is_published
    assert list(meeting.items.values_list("pk", flat=True)) == [still.pk]
    assert stale.household.agenda_items.count() == 0


def test_agenda_page_proposes_groups_and_adds_checked_and_manual_items(client, ccas_manager):
    meeting = MeetingFactory()
    level = HouseholdFactory(status=Status.AWAITING_LEVEL)
    admission = HouseholdFactory(status=Status.AWAITING_ADMISSION)
    client.force_login(ccas_manager)

    page = client.get(f"/cellule/{meeting.pk}/ordre-du-jour/")
    assert page.status_code == 200
    assert level.reference in page.content.decode()
    assert "Examen du diagnostic et admission" in page.content.decode()

    response = client.post(
        f"/cellule/{meeting.pk}/ordre-du-jour/inscrire/", {"proposal": [f"level:{level.pk}"]}
    )
    assert response.status_code == 302
    response = client.post(
        f"/cellule/{meeting.pk}/ordre-du-jour/point/", {"title": "Bilan du trimestre"}
    )
    assert response.status_code == 302
    assert list(meeting.items.values_list("kind", "household", "title")) == [
        ("level", level.pk, ""),
        ("manual", None, "Bilan du trimestre"),
    ]
    assert admission.agenda_items.count() == 0

    # An empty manual title is refused with a French message and nothing is written.
    response = client.post(f"/cellule/{meeting.pk}/ordre-du-jour/point/", {"title": ""})
    assert response.status_code == 400
    assert "Ce champ est obligatoire" in response.content.decode()
    assert meeting.items.count() == 2

    # Once published, the agenda cannot be changed.
    meeting.agenda_published_at = timezone.now()
    meeting.save()
    client.post(
        f"/cellule/{meeting.pk}/ordre-du-jour/inscrire/",
        {"proposal": [f"admission:{admission.pk}"]},
    )
    assert admission.agenda_items.count() == 0


def test_agenda_is_built_by_those_who_convene(client, cellule_member, letting_officer):
    meeting = MeetingFactory(members=[cellule_member])
    HouseholdFactory(status=Status.AWAITING_LEVEL)
    client.force_login(cellule_member)
    assert client.get(f"/cellule/{meeting.pk}/ordre-du-jour/").status_code == 403
    client.force_login(letting_officer)
    assert client.get(f"/cellule/{meeting.pk}/ordre-du-jour/").status_code == 200


# --- adhesion loss reaching the cellule agenda (issue 4 point 2, issue 6 point 4) -------------
def _agenda_html(client, meeting):
    response = client.get(f"/cellule/{meeting.pk}/ordre-du-jour/")
    assert response.status_code == 200
    return response.content.decode()


def test_adhesion_loss_recorded_by_the_referent_is_proposed_on_the_next_agenda(
    client, social_worker, ccas_manager, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    last = MeetingFactory(date=timezone.now() - 20 * DAY, published=True)
    last.minutes_approved_at = timezone.now() - 15 * DAY
    last.save()
    following = MeetingFactory(date=timezone.now() + 10 * DAY)
    household = AccompanimentFactory(household__referent=social_worker).household
    client.force_login(ccas_manager)
    assert household.reference not in _agenda_html(client, following)

    # The référent records the loss of adhesion through the accompaniments page.
    client.force_login(social_worker)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accompaniments:adhesion_loss_create", args=[household.pk]),
            {"description": "Plus de réponse aux visites depuis deux mois."},
        )
    assert response.status_code == 302

    client.force_login(ccas_manager)
    html = _agenda_html(client, following)
    assert household.reference in html and "Perte d&#x27;adhésion signalée le" in html
    review = propose(following)[ItemKind.REVIEW]
    assert [p.household.pk for p in review] == [household.pk]

    # Put on the agenda and published: a member may decide on it.
    response = client.post(
        f"/cellule/{following.pk}/ordre-du-jour/inscrire/", {"proposal": [f"review:{household.pk}"]}
    )
    assert response.status_code == 302
    assert following.items.get().household == household


def test_a_monthly_adhesion_set_to_broken_is_proposed(social_worker):
    accompaniment = AccompanimentFactory(household__referent=social_worker)
    meeting = MeetingFactory()
    assert propose(meeting)[ItemKind.REVIEW] == []

    accompaniment.set_adhesion(month=timezone.localdate(), degree="broken", by=social_worker)

    review = propose(meeting)[ItemKind.REVIEW]
    assert [(p.household.pk, p.reason) for p in review] == [
        (accompaniment.household.pk, "Adhésion rompue")
    ]


def test_a_loss_recorded_after_the_last_agenda_was_published_reaches_the_next_one(
    social_worker,
):
    """The last cellule's agenda was frozen a week before it sat: a loss recorded in between
    was not on it, and must not be dropped from the next one."""
    import time_machine

    from accompaniments.models import Signal, SignalKind

    now = timezone.now()
    last = MeetingFactory(date=now - 2 * DAY)
    last.agenda_published_at = now - 9 * DAY
    last.save()
    household = AccompanimentFactory(household__referent=social_worker).household
    with time_machine.travel(now - 5 * DAY):
        Signal.record(
            household, kind=SignalKind.ADHESION_LOSS, by=social_worker, description="Rupture"
        )

    review = propose(MeetingFactory(date=now + 60 * DAY))[ItemKind.REVIEW]

    assert [p.household.pk for p in review] == [household.pk]


def test_adhesion_loss_of_an_admitted_household_awaiting_its_dwelling_is_proposed(
    social_worker, cellule_member
):
    from accompaniments.models import Signal, SignalKind
    from coordination.actions import do_record_decision
    from coordination.enums import Outcome

    household = HouseholdFactory(status=Status.ADMITTED, referent=social_worker)
    Signal.record(household, kind=SignalKind.ADHESION_LOSS, by=social_worker, description="x")
    meeting = MeetingFactory(members=[cellule_member], date=timezone.now())

    review = propose(meeting)[ItemKind.REVIEW]

    assert [p.household.pk for p in review] == [household.pk]
    item = AgendaItemFactory(meeting=meeting, household=household, kind=ItemKind.REVIEW)
    meeting.agenda_published_at = timezone.now()
    meeting.save()
    assert item.still_open()
    decision = do_record_decision(
        item, by=cellule_member, outcome=Outcome.CONTINUE, reason="Nouvelle rencontre prévue"
    )
    assert decision.pk
