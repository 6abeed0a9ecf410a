"""The batch forms of the cellule's owners (issue 10 point 7, the demo through the front door):
`Meeting.add_items`, `publish_agendas`, `approve_minutes_many` and `record_decisions` for a
deferral, a continuing review or a manual point. Each shares the rule code of its single form
(`check_add_item`, `check_publish`, `check_approve`, `check_decision`…), checked for every item
before anything is written."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from coordination.actions import do_record_decision, record_decisions
from coordination.enums import ItemKind, Outcome
from coordination.models import AgendaItem, Decision, Meeting, Minutes
from households.enums import Owner, Public, Status
from households.models import StatusChange
from notifications.models import OutboxMessage
from tests.factories import HouseholdFactory

from .factories import AccompanimentFactory, AgendaItemFactory, MeetingFactory

pytestmark = pytest.mark.django_db

AN_HOUR_AGO = datetime.timedelta(hours=1)


@pytest.fixture
def members(ccas_manager, letting_officer, debt_officer):
    return [ccas_manager, letting_officer, debt_officer]


def written():
    return (
        AgendaItem.objects.count(),
        StatusChange.objects.count(),
        Decision.objects.count(),
        Minutes.objects.count(),
        OutboxMessage.objects.count(),
        sorted(Meeting.objects.values_list("pk", "agenda_published_at", "minutes_approved_at")),
    )


def refused_alike(single, batch, ok, cases, *, by, at):
    """Each (meeting, message) of `cases` refused with `message` by the single owner (the
    meeting's method `single`) and by the batch owner `batch` beside the acceptable item `ok`,
    and nothing written."""
    before = written()
    for meeting, message in cases:
        with pytest.raises(ValidationError) as exc:
            getattr(meeting, single)(by=by)
        assert message in str(exc.value)
        with pytest.raises(ValidationError) as exc:
            batch([ok, (meeting, dict(by=by, at=at))])
        assert message in str(exc.value)
        assert written() == before


# --- add_items --------------------------------------------------------------------------------
def test_add_items_inscribes_in_the_agendas_name_at_the_moment_given(members, ccas_manager):
    meeting = MeetingFactory(members=members)
    preselected = HouseholdFactory(status=Status.PRESELECTED)
    waiting = HouseholdFactory(status=Status.AWAITING_LEVEL)
    at = timezone.now() - datetime.timedelta(days=3)
    items = Meeting.add_items(
        [
            (meeting, dict(kind=ItemKind.LEVEL, household=preselected, by=ccas_manager, at=at)),
            (meeting, dict(kind=ItemKind.LEVEL, household=waiting, by=ccas_manager, at=at)),
            (meeting, dict(kind=ItemKind.MANUAL, title="Calendrier", by=ccas_manager)),
        ]
    )
    assert [(i.position, i.added_by, i.added_at is not None) for i in items] == [
        (1, ccas_manager, True),
        (2, ccas_manager, True),
        (3, ccas_manager, True),
    ]
    assert items[0].added_at == at
    # The preselected file moved in the inscription's name, as add_item moves it; the other
    # one already awaited its level.
    row = StatusChange.objects.get(household=preselected)
    assert (row.from_status, row.to_status, row.owner, row.at, row.by) == (
        Status.PRESELECTED,
        Status.AWAITING_LEVEL,
        Owner.AGENDA,
        at,
        ccas_manager,
    )
    assert row.reason == f"Inscrit à l'ordre du jour de la {meeting.label.lower()}"
    assert not StatusChange.objects.filter(household=waiting).exists()
    # The single form writes the same row (now) and keeps the moment too.
    other = HouseholdFactory(status=Status.PRESELECTED)
    item = meeting.add_item(kind=ItemKind.LEVEL, household=other, by=ccas_manager)
    single = StatusChange.objects.get(household=other)
    assert (single.owner, single.reason, item.position) == (Owner.AGENDA, row.reason, 4)
    assert item.added_at is not None


def test_add_items_refuses_what_add_item_refuses_and_writes_nothing(members, ccas_manager):
    meeting = MeetingFactory(members=members)
    ok = (
        meeting,
        dict(kind=ItemKind.LEVEL, household=HouseholdFactory(status=Status.PRESELECTED)),
    )
    listed = AgendaItemFactory(meeting=meeting, kind=ItemKind.ADMISSION).household
    published = MeetingFactory(members=members, published=True)
    locked = MeetingFactory(members=members, published=True, past=True)
    locked.minutes_approved_at = timezone.now()
    locked.save()
    refusals = [
        (published, dict(kind=ItemKind.MANUAL, title="Point"), "déjà publié"),
        (locked, dict(kind=ItemKind.MANUAL, title="Point"), "approuvé"),
        (meeting, dict(kind=ItemKind.ADMISSION, household=listed), "déjà inscrit"),
        (meeting, dict(kind=ItemKind.MANUAL, title="  "), "intitulé"),
        (meeting, dict(kind=ItemKind.MANUAL, title="Point dépression sévère"), "Reformulez"),
        (
            meeting,
            dict(kind=ItemKind.ADMISSION, household=HouseholdFactory(public=Public.TO_QUALIFY)),
            "à qualifier",
        ),
        (
            meeting,
            dict(kind=ItemKind.LEVEL, household=HouseholdFactory(status=Status.ADMITTED)),
            "ne peut pas être inscrit",
        ),
    ]
    before = written()
    for target, spec, message in refusals:
        with pytest.raises(ValidationError) as exc:
            target.add_item(**spec, by=ccas_manager)
        assert message in str(exc.value)
        with pytest.raises(ValidationError) as exc:
            Meeting.add_items([ok, (target, dict(spec, by=ccas_manager))])
        assert message in str(exc.value)
        assert written() == before
    # The batch counts its own items: the same household twice for the same motive.
    with pytest.raises(ValidationError) as exc:
        Meeting.add_items([ok, ok])
    assert "déjà inscrit" in str(exc.value)
    assert written() == before


# --- publish_agendas --------------------------------------------------------------------------
def test_publish_agendas_refuses_what_publish_agenda_refuses_and_writes_nothing(
    members, ccas_manager, letting_officer
):
    ready = MeetingFactory(members=members, past=True)
    AgendaItemFactory(meeting=ready)
    empty = MeetingFactory(members=members, past=True)
    incomplete = MeetingFactory(members=[ccas_manager, letting_officer], past=True)
    AgendaItemFactory(meeting=incomplete)
    published = MeetingFactory(members=members, published=True, past=True)
    AgendaItemFactory(meeting=published)
    at = timezone.now() - datetime.timedelta(days=8)
    ok = (ready, dict(by=ccas_manager, at=at))
    cases = [(empty, "vide"), (incomplete, "service contentieux"), (published, "déjà publié")]
    refused_alike("publish_agenda", Meeting.publish_agendas, ok, cases, by=ccas_manager, at=at)
    # A past publication, recorded at its moment, sends nothing (the meeting has sat).
    Meeting.publish_agendas([ok])
    ready.refresh_from_db()
    assert (ready.agenda_published_at, ready.agenda_published_by) == (at, ccas_manager)
    assert not OutboxMessage.objects.exists()
    with pytest.raises(ValidationError):
        Meeting.publish_agendas([ok])


# --- approve_minutes_many ---------------------------------------------------------------------
def test_approve_minutes_many_refuses_what_approve_minutes_refuses_and_writes_nothing(
    members, ccas_manager
):
    sat = MeetingFactory(members=members, published=True, past=True)
    sat.record_attendance(members)
    unpublished = MeetingFactory(members=members, past=True)
    unpublished.record_attendance(members)
    to_come = MeetingFactory(members=members, published=True)
    to_come.record_attendance(members)
    nobody = MeetingFactory(members=members, published=True, past=True)
    at = timezone.now() - AN_HOUR_AGO
    ok = (sat, dict(by=ccas_manager, at=at))
    cases = [
        (unpublished, "pas été publié"),
        (to_come, "pas encore eu lieu"),
        (nobody, "Notez les présents"),
    ]
    refused_alike(
        "approve_minutes", Meeting.approve_minutes_many, ok, cases, by=ccas_manager, at=at
    )
    before = written()
    # Not in the future, and not before the meeting.
    for moment in (timezone.now() + AN_HOUR_AGO, sat.date - AN_HOUR_AGO):
        with pytest.raises(ValidationError) as exc:
            Meeting.approve_minutes_many([(sat, dict(by=ccas_manager, at=moment))])
        assert "pas encore eu lieu" in str(exc.value)
    assert written() == before


def test_approve_minutes_many_locks_at_the_moment_and_renders_on_first_download(
    client, members, ccas_manager
):
    meeting = MeetingFactory(members=members, published=True, past=True)
    item = AgendaItemFactory(meeting=meeting, kind=ItemKind.MANUAL, household=None, title="Bilan")
    record_decisions([(item, dict(by=ccas_manager, outcome=Outcome.NOTED, reason="Vu"))])
    meeting.record_attendance(members)
    at = timezone.now() - AN_HOUR_AGO
    [minutes] = Meeting.approve_minutes_many([(meeting, dict(by=ccas_manager, at=at))])
    meeting.refresh_from_db()
    assert meeting.minutes_approved_at == at and meeting.is_locked
    assert (minutes.number, minutes.approved_by, minutes.approved_at) == (1, ccas_manager, at)
    assert not minutes.pdf  # rendered on its first download
    assert not OutboxMessage.objects.exists()  # a past approval is not sent again
    # Locked: a second approval needs a correction, as approve_minutes says.
    with pytest.raises(ValidationError) as exc:
        Meeting.approve_minutes_many([(meeting, dict(by=ccas_manager, at=at))])
    assert "correction" in str(exc.value)
    client.force_login(ccas_manager)
    response = client.get(reverse("coordination:minutes_download", args=[minutes.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    minutes.refresh_from_db()
    assert minutes.pdf.name.endswith("-v1.pdf")


# --- record_decisions: deferral, continuing review, manual point ------------------------------
def test_record_decisions_defers_with_its_reason_and_refuses_what_do_record_decision_refuses(
    members, ccas_manager
):
    meeting = MeetingFactory(members=members, published=True, past=True)
    deferred = AgendaItemFactory(
        meeting=meeting,
        kind=ItemKind.ADMISSION,
        household=HouseholdFactory(status=Status.AWAITING_ADMISSION),
    )
    review = AgendaItemFactory(
        meeting=meeting, kind=ItemKind.REVIEW, household=AccompanimentFactory().household
    )
    manual = AgendaItemFactory(meeting=meeting, kind=ItemKind.MANUAL, household=None, title="X")
    before = written()
    refusals = [
        (deferred, dict(outcome=Outcome.DEFERRED), "motif"),
        (manual, dict(outcome=Outcome.NOTED), "Indiquez ce qui a été décidé"),
        (review, dict(outcome=Outcome.NOTED), "pas possible"),
    ]
    for item, spec, message in refusals:
        with pytest.raises(ValidationError) as exc:
            do_record_decision(item, by=ccas_manager, **spec)
        assert message in str(exc.value)
        with pytest.raises(ValidationError) as exc:
            record_decisions([(item, dict(spec, by=ccas_manager))])
        assert message in str(exc.value)
        assert written() == before
    # A review acting on the accompaniment (extension, closure, return) is one at a time.
    with pytest.raises(ValidationError) as exc:
        record_decisions([(review, dict(by=ccas_manager, outcome=Outcome.EXTEND, reason="x"))])
    assert "par lot" in str(exc.value)
    assert written() == before
    at = timezone.now() - AN_HOUR_AGO
    decisions, _share = record_decisions(
        [
            (deferred, dict(by=ccas_manager, outcome=Outcome.DEFERRED, reason="Budget", at=at)),
            (review, dict(by=ccas_manager, outcome=Outcome.CONTINUE, at=at)),
            (manual, dict(by=ccas_manager, outcome=Outcome.NOTED, reason="Vu", at=at)),
        ]
    )
    assert [(d.outcome, d.recorded_at) for d in decisions] == [
        (Outcome.DEFERRED, at),
        (Outcome.CONTINUE, at),
        (Outcome.NOTED, at),
    ]
    assert decisions[0].eviction_share is not None  # as do_record_decision records it
    # A deferral moves nothing: the référent reopens the diagnostic (Diagnostic.reopen).
    deferred.household.refresh_from_db()
    assert deferred.household.status == Status.AWAITING_ADMISSION
    assert StatusChange.objects.count() == before[1]
