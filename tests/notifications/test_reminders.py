"""The reminder jobs: each one's rule, and each reminder created and mailed exactly once."""

import datetime

import pytest
import time_machine
from django.core import mail

from accompaniments import tasks as acc_tasks
from accompaniments.enums import ExtensionStatus
from accompaniments.models import Contact, ContactKind, Extension, Signal, SignalKind
from accounts.enums import Role
from coordination import tasks as coord_tasks
from coordination.models import Meeting
from households.enums import Status
from notifications.enums import Kind, MailState, Outcome
from notifications.models import JobRun, Notification
from tests.accompaniments.factories import AccompanimentFactory, ContactFactory
from tests.factories import HouseholdFactory

D = datetime.date
PARIS = datetime.timezone(datetime.timedelta(hours=2))


def at(day, hour=10):
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=PARIS)


def accompaniment_of(worker, *, start, visit=None, call=None, planned_end=None, **kwargs):
    household = HouseholdFactory(referent=worker, status=Status.ACCOMPANIED, **kwargs)
    acc = AccompanimentFactory(
        household=household,
        start=start,
        planned_end=planned_end or start + datetime.timedelta(days=300),
    )
    for day, kind in ((visit, ContactKind.HOME_VISIT), (call, ContactKind.PHONE_CALL)):
        if day:
            ContactFactory(accompaniment=acc, kind=kind, at=at(day, 9))
    return acc


@pytest.mark.django_db
def test_contacts_job_twice_makes_one_notification_and_one_mail(social_worker):
    with time_machine.travel(at(D(2027, 3, 15), 7), tick=False):
        late = accompaniment_of(social_worker, start=D(2027, 1, 4), visit=D(2027, 1, 5))
        accompaniment_of(social_worker, start=D(2027, 1, 4), visit=D(2027, 3, 10))  # à jour
        assert acc_tasks.remind_contacts.apply().get() == 1
        assert acc_tasks.remind_contacts.apply().get() == 0  # beat fired twice
    notification = Notification.objects.get()
    assert notification.kind == Kind.CONTACT_OVERDUE
    assert notification.recipient == social_worker
    assert notification.url == late.get_absolute_url()
    assert notification.due_on == D(2027, 1, 20)  # 15 days after the last visit
    assert notification.mail_state == MailState.SENT
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [social_worker.email]
    assert "http://" in mail.outbox[0].body and late.get_absolute_url() in mail.outbox[0].body
    runs = JobRun.objects.filter(job="accompaniments.remind_contacts")
    assert [r.outcome for r in runs] == [Outcome.SUCCESS, Outcome.SUCCESS]


@pytest.mark.django_db
def test_contacts_due_this_week_across_a_month_end(social_worker):
    # Last visit 31 January: the next one is due 28 February (clamped), i.e. this week on 23 Feb.
    acc = accompaniment_of(
        social_worker, start=D(2027, 1, 4), visit=D(2027, 1, 31), call=D(2027, 2, 20)
    )
    with time_machine.travel(at(D(2027, 2, 20), 7), tick=False):
        assert acc_tasks.remind_contacts.apply().get() == 0  # 8 days ahead: nothing yet
    with time_machine.travel(at(D(2027, 2, 23), 7), tick=False):
        assert acc_tasks.remind_contacts.apply().get() == 1
    n = Notification.objects.get(kind=Kind.CONTACT_DUE)
    assert n.due_on == D(2027, 2, 28) and acc.household.reference in n.title
    with time_machine.travel(at(D(2027, 3, 1), 7), tick=False):
        assert acc_tasks.remind_contacts.apply().get() == 1  # now overdue: its own reminder
    assert Notification.objects.filter(kind=Kind.CONTACT_OVERDUE, due_on=D(2027, 2, 28)).exists()


@pytest.mark.django_db
def test_substitute_reminded_while_the_referent_is_away(social_worker, other_social_worker):
    acc = accompaniment_of(social_worker, start=D(2027, 1, 4), substitute=other_social_worker)
    social_worker.is_active = False
    social_worker.save()
    with time_machine.travel(at(D(2027, 3, 15), 7), tick=False):
        acc_tasks.remind_contacts.apply()
    assert Notification.objects.get().recipient == other_social_worker
    assert acc.household.reference in Notification.objects.get().title


@pytest.mark.django_db
def test_end_in_30_days_extension_waiting_7_days(social_worker, ccas_manager):
    acc = accompaniment_of(
        social_worker, start=D(2027, 1, 4), visit=D(2027, 3, 10), planned_end=D(2027, 4, 14)
    )
    with time_machine.travel(at(D(2027, 3, 14), 7), tick=False):
        assert acc_tasks.remind_deadlines.apply().get() == 0  # 31 days ahead
    with time_machine.travel(at(D(2027, 3, 15), 7), tick=False):
        assert acc_tasks.remind_deadlines.apply().get() == 1
        Extension.objects.create(
            accompaniment=acc,
            until=D(2027, 6, 30),
            justification="Relogement en cours",
            requested_by=social_worker,
        )
    assert Notification.objects.get(kind=Kind.END_SOON).recipient == social_worker
    with time_machine.travel(at(D(2027, 3, 21), 12), tick=False):
        assert acc_tasks.remind_deadlines.apply().get() == 0  # 6 days
    with time_machine.travel(at(D(2027, 3, 22), 12), tick=False):
        assert acc_tasks.remind_deadlines.apply().get() == 1
        assert acc_tasks.remind_deadlines.apply().get() == 0
    waiting = Notification.objects.get(kind=Kind.EXTENSION_WAITING)
    assert waiting.recipient == ccas_manager
    Extension.objects.update(status=ExtensionStatus.APPROVED)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "recorded, quiet_day, reminded_day",
    [
        (D(2026, 4, 30), D(2026, 5, 5), D(2026, 5, 6)),  # 1 May off, then the weekend
        (D(2026, 7, 13), D(2026, 7, 16), D(2026, 7, 17)),  # 14 July off
        (D(2026, 7, 6), D(2026, 7, 8), D(2026, 7, 9)),  # an ordinary week
    ],
)
def test_signal_unacknowledged_after_two_working_days(
    social_worker, ccas_manager, tenancy_officer, recorded, quiet_day, reminded_day
):
    household = HouseholdFactory(referent=social_worker, status=Status.ACCOMPANIED)
    with time_machine.travel(at(recorded, 11), tick=False):
        signal = Signal.record(
            household, kind=SignalKind.UNPAID_RENT, by=tenancy_officer, amount=300, months=2
        )
    with time_machine.travel(at(quiet_day, 7), tick=False):
        assert acc_tasks.remind_deadlines.apply().get() == 0
    with time_machine.travel(at(reminded_day, 7), tick=False):
        assert acc_tasks.remind_deadlines.apply().get() == 1
    n = Notification.objects.get(kind=Kind.SIGNAL_WAITING)
    assert n.recipient == ccas_manager and n.url == signal.get_absolute_url()
    signal.acknowledge(by=social_worker)
    with time_machine.travel(at(reminded_day + datetime.timedelta(days=7), 7), tick=False):
        assert acc_tasks.remind_deadlines.apply().get() == 0


@pytest.mark.django_db
def test_survey_rounds_after_closure_due_then_15_days_late(social_worker, settings):
    settings.POST_AUTONOMY_SURVEY_ROUNDS = 2
    acc = accompaniment_of(social_worker, start=D(2026, 1, 5))
    acc.status, acc.closed_on, acc.closure_reason = "closed", D(2026, 7, 31), "objectives_met"
    acc.save()
    with time_machine.travel(at(D(2027, 1, 30), 8), tick=False):
        assert acc_tasks.remind_surveys.apply().get() == 0
    with time_machine.travel(at(D(2027, 1, 31), 8), tick=False):  # 6 months after closure
        assert acc_tasks.remind_surveys.apply().get() == 1
        assert acc_tasks.remind_surveys.apply().get() == 0
    with time_machine.travel(at(D(2027, 2, 15), 8), tick=False):
        assert acc_tasks.remind_surveys.apply().get() == 1  # 15 days overdue
    acc.surveys.create(
        round=1, due_on=D(2027, 1, 31), done_on=D(2027, 2, 16), rent_paid="yes", autonomy="full"
    )
    with time_machine.travel(at(D(2027, 7, 31), 8), tick=False):  # second round: 31 July
        assert acc_tasks.remind_surveys.apply().get() == 1
    with time_machine.travel(at(D(2028, 2, 1), 8), tick=False):  # no third round configured
        assert acc_tasks.remind_surveys.apply().get() == 1  # only round 2's late reminder
    assert sorted(Notification.objects.values_list("kind", "due_on")) == [
        (Kind.SURVEY_DUE, D(2027, 1, 31)),
        (Kind.SURVEY_DUE, D(2027, 7, 31)),
        (Kind.SURVEY_OVERDUE, D(2027, 2, 15)),
        (Kind.SURVEY_OVERDUE, D(2027, 8, 15)),
    ]


@pytest.mark.django_db
def test_cellule_convocation_10_days_before_to_every_member(
    social_worker, ccas_manager, cellule_member, letting_officer
):
    with time_machine.travel(at(D(2027, 3, 1), 7), tick=False):
        meeting = Meeting.objects.create(date=at(D(2027, 3, 11), 14), place="CCAS, salle 2")
        meeting.members.add(social_worker, cellule_member)
        Meeting.objects.create(date=at(D(2027, 5, 1), 14))  # a cellule in the quarter
        Meeting.objects.create(date=at(D(2027, 11, 1), 14), kind="comite")
        assert coord_tasks.remind_meetings.apply().get() == 0  # 10 days and 7 hours ahead
    with time_machine.travel(at(D(2027, 3, 1), 15), tick=False):
        assert coord_tasks.remind_meetings.apply().get() == 2
        assert coord_tasks.remind_meetings.apply().get() == 0
    convocations = Notification.objects.filter(kind=Kind.CONVOCATION)
    assert {n.recipient for n in convocations} == {social_worker, cellule_member}
    assert all(n.url == f"/cellule/{meeting.pk}/pre-lecture/" for n in convocations)
    assert {m.to[0] for m in mail.outbox} == {social_worker.email, cellule_member.email}
    assert all(f"/cellule/{meeting.pk}/pre-lecture/" in m.body for m in mail.outbox)


@pytest.mark.django_db
def test_no_cellule_in_the_quarter_no_comite_in_the_year(ccas_manager, letting_officer):
    with time_machine.travel(at(D(2027, 3, 1), 7), tick=False):
        assert coord_tasks.remind_meetings.apply().get() == 4
        assert coord_tasks.remind_meetings.apply().get() == 0
    assert sorted(Notification.objects.values_list("kind", "recipient")) == sorted(
        [
            (Kind.NO_CELLULE, ccas_manager.pk),
            (Kind.NO_CELLULE, letting_officer.pk),
            (Kind.NO_COMITE, ccas_manager.pk),
            (Kind.NO_COMITE, letting_officer.pk),
        ]
    )
    with time_machine.travel(at(D(2027, 3, 2), 7), tick=False):
        Meeting.objects.create(date=at(D(2027, 4, 1), 14))
        Meeting.objects.create(date=at(D(2027, 12, 1), 14), kind="comite")
    with time_machine.travel(at(D(2027, 4, 1), 7), tick=False):
        assert coord_tasks.remind_meetings.apply().get() == 0


@pytest.mark.django_db
def test_a_failing_job_records_its_failure(monkeypatch):
    from accompaniments import reminders

    def broken(run, today):
        raise RuntimeError("base indisponible")

    monkeypatch.setattr(reminders, "remind_surveys", broken)
    with pytest.raises(RuntimeError):
        acc_tasks.remind_surveys.apply().get()
    run = JobRun.objects.get(job="accompaniments.remind_surveys")
    assert run.outcome == Outcome.FAILED and "base indisponible" in run.error


def test_contact_kinds_exist():
    assert Contact and Role  # imports used by the module's helpers


@pytest.mark.django_db
def test_glide_in_30_days_to_the_referent_and_the_letting_service(
    social_worker, letting_officer, ccas_manager
):
    from housing import tasks as housing_tasks
    from tests.housing.factories import RehousingFactory

    household = HouseholdFactory(referent=social_worker, status=Status.ACCOMPANIED)
    RehousingFactory(household=household, planned_glide_date=D(2027, 4, 1))
    RehousingFactory(planned_glide_date=D(2027, 4, 1), glided_on=D(2027, 3, 1))  # done
    with time_machine.travel(at(D(2027, 3, 1), 7), tick=False):
        assert housing_tasks.remind_glides.apply().get() == 0  # 31 days ahead
    with time_machine.travel(at(D(2027, 3, 2), 7), tick=False):
        assert housing_tasks.remind_glides.apply().get() == 2
        assert housing_tasks.remind_glides.apply().get() == 0
    assert {n.recipient for n in Notification.objects.all()} == {social_worker, letting_officer}
    assert all(n.url == f"/logements/menage/{household.pk}/" for n in Notification.objects.all())
