"""Planned visits and the household's own reminders (docs/reminders.md): the owners, the
consent, the SMS through the file backend (with and without consent, exactly once), the notices
of a move or a cancellation (outbox), the missed visit on the caseload, the forms."""

import datetime
import html
from pathlib import Path

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accompaniments import tasks
from accompaniments.enums import EventKind
from accompaniments.models import (
    ContactKind,
    MessageKind,
    MessageState,
    PlannedVisit,
    ReminderChannel,
    ReminderConsent,
    VisitKind,
    VisitMessage,
    VisitStatus,
)
from accompaniments.models.visit import spoken_datetime
from accounts.enums import Role
from households.enums import Status
from households.outbound import findings_of, fold
from notifications.models import JobRun, OutboxMessage
from tests.factories import HouseholdFactory

from .factories import AccompanimentFactory, ContactFactory

PARIS = datetime.timezone(datetime.timedelta(hours=1))  # winter time
NOW = datetime.datetime(2027, 11, 29, 9, 0, tzinfo=PARIS)  # a Monday
# Wednesday 1 December 2027, 14:30 in Caen: 53.5 h after NOW.
VISIT_AT = datetime.datetime(2027, 12, 1, 14, 30, tzinfo=PARIS)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def acc(social_worker):
    social_worker.first_name, social_worker.last_name = "Claire", "Vasseur"
    social_worker.save()
    household = HouseholdFactory(
        referent=social_worker,
        status=Status.ACCOMPANIED,
        members=[{"last_name": "Lemarchand", "first_name": "Odile"}],
    )
    return AccompanimentFactory(household=household, start=datetime.date(2027, 9, 1))


def consent_sms(household, by, phone="06 39 98 12 34"):
    return ReminderConsent.record(
        household,
        channel=ReminderChannel.SMS,
        phone=phone,
        given_on=datetime.date(2027, 11, 2),
        by=by,
    )


def sms_files(settings):
    folder = Path(settings.SMS_FILE_PATH)
    return sorted(folder.glob("*.sms")) if folder.exists() else []


def plan(acc, by, at=VISIT_AT, **kwargs):
    return PlannedVisit.plan(acc, kind=VisitKind.HOME_VISIT, starts_at=at, by=by, **kwargs)


# --- the text ------------------------------------------------------------------------------
def test_spoken_date_is_plain_french():
    assert spoken_datetime(datetime.datetime(2024, 12, 3, 14, 30, tzinfo=PARIS)) == (
        "mardi 3 décembre à 14 h 30"
    )
    assert spoken_datetime(datetime.datetime(2027, 6, 1, 9, 0, tzinfo=PARIS)) == (
        "mardi 1er juin à 10 h"  # summer time: Paris is UTC+2
    )


# --- owners --------------------------------------------------------------------------------
def test_plan_move_cancel_write_the_history(acc, social_worker):
    visit = plan(acc, social_worker)
    assert visit.worker == social_worker and visit.status == VisitStatus.PLANNED
    visit.move(starts_at=VISIT_AT + datetime.timedelta(days=1), by=social_worker)
    visit.cancel(by=social_worker)
    kinds = list(acc.events.values_list("kind", flat=True))
    assert kinds[-3:] == [EventKind.VISIT_PLANNED, EventKind.VISIT_MOVED, EventKind.VISIT_CANCELLED]
    with pytest.raises(ValidationError, match="déjà annulé"):
        visit.move(starts_at=VISIT_AT, by=social_worker)


def test_plan_refuses_the_past_an_office_without_place_and_a_name_in_the_place(acc, social_worker):
    with pytest.raises(ValidationError) as exc:
        plan(acc, social_worker, at=NOW - datetime.timedelta(hours=1))
    assert "futur" in exc.value.message_dict["starts_at"][0]
    with pytest.raises(ValidationError) as exc:
        PlannedVisit.plan(acc, kind=VisitKind.OFFICE, starts_at=VISIT_AT, by=social_worker)
    assert "lieu" in exc.value.message_dict["place"][0]
    with pytest.raises(ValidationError) as exc:
        plan(acc, social_worker, place="chez Mme Lemarchand, après l'hôpital")
    assert "Lemarchand" in exc.value.message_dict["place"][0]
    assert not PlannedVisit.objects.exists()


def test_consent_needs_a_french_mobile_and_keeps_only_the_chosen_channel(acc, social_worker):
    household = acc.household
    with pytest.raises(ValidationError) as exc:
        consent_sms(household, social_worker, phone="02 31 00 00 00")
    assert "portable" in exc.value.message_dict["phone"][0]
    consent = consent_sms(household, social_worker, phone="+33 6 39 98 12 34")
    assert consent.phone == "+33639981234" and consent.recipient_display == "06 39 98 12 34"
    withdrawal = ReminderConsent.record(
        household,
        channel=ReminderChannel.NONE,
        phone="06 39 98 12 34",
        given_on=datetime.date(2027, 11, 20),
        by=social_worker,
    )
    assert withdrawal.phone == "" and withdrawal.recipient == ""
    assert ReminderConsent.objects.current_for(household) == withdrawal
    assert household.reminder_consents.count() == 2  # the history stays


# --- the reminder, 48 h before -------------------------------------------------------------
def test_sms_reminder_through_the_file_backend_to_a_consenting_household_once(
    acc, social_worker, settings
):
    consent_sms(acc.household, social_worker)
    visit = plan(acc, social_worker)
    tasks.remind_visits.apply()
    assert sms_files(settings) == []  # 53 h before: not yet
    with time_machine.travel(VISIT_AT - datetime.timedelta(hours=47, minutes=50), tick=False):
        tasks.remind_visits.apply()
        tasks.remind_visits.apply()  # a second firing of beat: nothing more
    files = sms_files(settings)
    assert len(files) == 1
    text = files[0].read_text(encoding="utf-8")
    assert text.startswith("À : +33639981234")
    assert "mercredi 1er décembre à 14 h 30" in text
    assert "à votre domicile" in text and "Claire" in text
    # No name of the household, not even the worker's last name; no special-category word.
    known = {fold("Lemarchand"), fold("Odile"), fold("Vasseur")}
    assert findings_of({"sms": text}, known_names=known) == {}
    message = VisitMessage.objects.get()
    assert (message.kind, message.state, message.visit) == (
        MessageKind.REMINDER,
        MessageState.SENT,
        visit,
    )
    assert JobRun.objects.filter(job="accompaniments.remind_visits").count() == 3


def test_no_sms_without_consent_nor_after_its_withdrawal(acc, social_worker, settings):
    plan(acc, social_worker)
    other = AccompanimentFactory(
        household=HouseholdFactory(referent=social_worker, status=Status.ACCOMPANIED)
    )
    consent_sms(other.household, social_worker)
    ReminderConsent.record(
        other.household,
        channel=ReminderChannel.NONE,
        given_on=datetime.date(2027, 11, 20),
        by=social_worker,
    )
    plan(other, social_worker)
    with time_machine.travel(VISIT_AT - datetime.timedelta(hours=40), tick=False):
        tasks.remind_visits.apply()
    assert sms_files(settings) == [] and not VisitMessage.objects.exists()


def test_reminders_are_written_in_constant_queries_once_each(
    acc, social_worker, django_assert_num_queries
):
    """The job writes the reminders of every visit in the next 48 h: the visits, their
    households' consents and one INSERT skipping those already written, whatever their number
    (it read the consent and tried a savepoint INSERT per visit, every 15 minutes)."""
    from accompaniments.models.visit import remind_visits
    from caen_accompagnement.dates import start_of_day

    def household_with_consent(channel=ReminderChannel.SMS):
        other = AccompanimentFactory(
            household=HouseholdFactory(referent=social_worker, status=Status.ACCOMPANIED),
            start=datetime.date(2027, 9, 1),
        )
        if channel == ReminderChannel.SMS:
            consent_sms(other.household, social_worker)
        return other

    consent_sms(acc.household, social_worker)
    visits = [plan(acc, social_worker)]
    visits += [plan(household_with_consent(), social_worker) for _ in range(2)]
    plan(household_with_consent(channel=None), social_worker)  # no consent: no message
    soon = PlannedVisit.objects.filter(starts_at__lt=start_of_day(datetime.date(2027, 12, 2)))
    with django_assert_num_queries(3):
        assert (
            VisitMessage.prepare_many(soon.select_related("accompaniment", "worker"), "reminder")
            == 3
        )
    assert {m.visit_id for m in VisitMessage.objects.all()} == {v.pk for v in visits}
    visits += [plan(household_with_consent(), social_worker) for _ in range(3)]
    with django_assert_num_queries(3):  # three more visits, the first three already written
        VisitMessage.prepare_many(soon.select_related("accompaniment", "worker"), "reminder")
    assert sorted(VisitMessage.objects.values_list("visit_id", flat=True)) == sorted(
        v.pk for v in visits
    )
    first = VisitMessage.objects.get(visit=visits[0])
    assert (first.recipient, first.channel, first.kind) == ("+33639981234", "sms", "reminder")
    assert first.body.startswith("CCAS de Caen : rappel de votre visite avec Claire")
    with time_machine.travel(VISIT_AT - datetime.timedelta(hours=40), tick=False):
        remind_visits()
    assert VisitMessage.objects.count() == 6  # the job, once more: nothing twice


def test_consent_withdrawn_before_the_send_drops_the_message(acc, social_worker, settings):
    consent_sms(acc.household, social_worker)
    visit = plan(acc, social_worker)
    message = VisitMessage.prepare(visit, MessageKind.REMINDER)
    ReminderConsent.record(
        acc.household,
        channel=ReminderChannel.NONE,
        given_on=datetime.date(2027, 11, 29),
        by=social_worker,
    )
    assert VisitMessage.deliver(message.pk) == 0
    message.refresh_from_db()
    assert message.state == MessageState.DROPPED and sms_files(settings) == []


def test_email_reminder(acc, social_worker):
    ReminderConsent.record(
        acc.household,
        channel=ReminderChannel.EMAIL,
        email="menage@example.org",
        given_on=datetime.date(2027, 11, 2),
        by=social_worker,
    )
    plan(acc, social_worker, at=NOW + datetime.timedelta(hours=30))
    tasks.remind_visits.apply()
    assert [m.to for m in mail.outbox] == [["menage@example.org"]]
    assert "Claire" in mail.outbox[0].body and "Lemarchand" not in mail.outbox[0].body


# --- moved and cancelled: their own notice, through the outbox -----------------------------
def test_move_and_cancel_send_their_notice_after_the_commit(
    acc, social_worker, settings, django_capture_on_commit_callbacks
):
    consent_sms(acc.household, social_worker)
    visit = plan(acc, social_worker, at=NOW + datetime.timedelta(hours=30))
    tasks.remind_visits.apply()  # the reminder of the first date
    with django_capture_on_commit_callbacks(execute=True):
        visit.move(starts_at=VISIT_AT, by=social_worker)
    # The notice was written with the change (outbox), then sent once committed.
    assert OutboxMessage.objects.filter(task="accompaniments.send_visit_message").count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        visit.cancel(by=social_worker)
    texts = [f.read_text(encoding="utf-8") for f in sms_files(settings)]
    assert len(texts) == 3
    assert sum("rappel" in t for t in texts) == 1
    assert sum("déplacé(e) au mercredi 1er décembre à 14 h 30" in t for t in texts) == 1
    assert sum("annulé" in t for t in texts) == 1
    # Cancelled: no reminder for it any more.
    with time_machine.travel(VISIT_AT - datetime.timedelta(hours=40), tick=False):
        tasks.remind_visits.apply()
    assert len(sms_files(settings)) == 3


# --- a failed send is retried, then shown to the référent ----------------------------------
def test_failed_sends_are_retried_then_shown_on_the_caseload_and_the_file(
    client, acc, social_worker, settings
):
    settings.SMS_BACKEND = "caen_accompagnement.sms.BrevoBackend"
    settings.SMS_BREVO_URL = "http://127.0.0.1:9/"  # nothing listens on the discard port
    settings.VISIT_MESSAGE_MAX_TRIES = 2
    consent_sms(acc.household, social_worker)
    plan(acc, social_worker, at=NOW + datetime.timedelta(hours=30))
    tasks.remind_visits.apply()
    message = VisitMessage.objects.get()
    assert message.state == MessageState.PENDING and message.tries == 1 and message.next_at
    tasks.remind_visits.apply()  # before the wait: no new try
    message.refresh_from_db()
    assert message.tries == 1
    later = NOW + datetime.timedelta(minutes=15)
    with time_machine.travel(later, tick=False):
        tasks.remind_visits.apply()
    message.refresh_from_db()
    assert message.state == MessageState.FAILED and message.tries == 2
    assert "Brevo injoignable" in message.error
    client.force_login(social_worker)
    page = html.unescape(client.get(reverse("accompaniments:caseload")).content.decode())
    assert "Rappels non envoyés aux ménages (1)" in page
    panel = page.split('id="failed-visit-messages"')[1]
    assert acc.household.reference in panel
    at = timezone.localtime(message.visit.starts_at)
    assert (
        f"rappel par SMS du rendez-vous du {at:%d/%m/%Y à %H:%M} — échec après 2 essais "
        f"({message.error}). Prévenez le ménage autrement." in " ".join(panel.split())
    )
    file_page = html.unescape(client.get(acc.household.get_absolute_url()).content.decode())
    assert "Rappel par SMS : échec" in file_page


# --- missed visits and the contact form ----------------------------------------------------
def test_a_visit_passed_without_contact_shows_on_the_caseload_the_next_morning(
    client, acc, social_worker
):
    visit = plan(acc, social_worker, at=NOW + datetime.timedelta(hours=2))
    url = reverse("accompaniments:caseload")
    later_that_day = NOW + datetime.timedelta(hours=8)
    with time_machine.travel(later_that_day, tick=False):
        client.force_login(social_worker)
        assert client.get(url).context["missed_visits"] == []
    with time_machine.travel(NOW + datetime.timedelta(days=1), tick=False):
        client.force_login(social_worker)
        response = client.get(url)
        assert [v["pk"] for v in response.context["missed_visits"]] == [visit.pk]
        page = html.unescape(response.content.decode())
        assert "Rendez-vous passés sans contact saisi (1)" in page
        at = timezone.localtime(visit.starts_at)
        assert f"visite à domicile du {at:%d/%m/%Y à %H:%M}" in page
        assert reverse("accompaniments:visit_move", args=[acc.pk, visit.pk]) in page
        assert reverse("accompaniments:contact_create", args=[acc.pk]) in page
        # A contact logged that day (even without the form) clears it.
        ContactFactory(accompaniment=acc, kind=ContactKind.HOME_VISIT, at=later_that_day)
        assert client.get(url).context["missed_visits"] == []


def test_the_manager_sees_a_missed_visit_without_a_contact_link_it_could_not_open(
    client, acc, social_worker, ccas_manager
):
    # The direction may move a visit, not log the référent's contact (403): no link to it.
    plan(acc, social_worker, at=NOW + datetime.timedelta(hours=2))
    contact_url = reverse("accompaniments:contact_create", args=[acc.pk])
    with time_machine.travel(NOW + datetime.timedelta(days=1), tick=False):
        client.force_login(ccas_manager)
        page = client.get(reverse("accompaniments:caseload")).content.decode()
        assert "Rendez-vous passés sans contact saisi (1)" in html.unescape(page)
        assert contact_url not in page and "replanifier" in page
        assert client.get(contact_url).status_code == 403
        client.force_login(social_worker)
        assert contact_url in client.get(reverse("accompaniments:caseload")).content.decode()


def test_logging_the_contact_marks_the_planned_visit_held(client, acc, social_worker):
    visit = plan(acc, social_worker, at=NOW + datetime.timedelta(hours=1))
    with time_machine.travel(NOW + datetime.timedelta(hours=2), tick=False):
        client.force_login(social_worker)
        response = client.post(
            reverse("accompaniments:contact_create", args=[acc.pk]),
            {
                "kind": ContactKind.HOME_VISIT,
                "at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
                "duration_minutes": 45,
                "note": "Point budget.",
            },
        )
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.status == VisitStatus.DONE and visit.contact is not None
    assert acc.events.filter(kind=EventKind.VISIT_DONE).exists()


@pytest.fixture
def count_caseload(client, social_worker, count_queries):
    url = reverse("accompaniments:caseload")

    def measure(moment):
        with time_machine.travel(moment, tick=False):
            client.force_login(social_worker)  # sessions expire after a day idle
            client.get(url)
            with count_queries() as ctx:
                assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    return measure


def test_caseload_queries_do_not_grow_with_visits(acc, social_worker, count_caseload, settings):
    settings.SMS_BACKEND = "caen_accompagnement.sms.BrevoBackend"
    settings.SMS_BREVO_URL = "http://127.0.0.1:9/"
    settings.VISIT_MESSAGE_MAX_TRIES = 1
    plan(acc, social_worker, at=NOW + datetime.timedelta(hours=1))
    plan(acc, social_worker, at=NOW + datetime.timedelta(days=3))
    tomorrow = NOW + datetime.timedelta(days=1)
    few = count_caseload(tomorrow)
    for i in range(6):
        other = AccompanimentFactory(
            household=HouseholdFactory(referent=social_worker, status=Status.ACCOMPANIED)
        )
        consent_sms(other.household, social_worker)
        plan(other, social_worker, at=NOW + datetime.timedelta(hours=1, minutes=i))
        plan(other, social_worker, at=NOW + datetime.timedelta(hours=44, minutes=i))
    tasks.remind_visits.apply()  # every send fails at once (one try allowed)
    assert VisitMessage.objects.failed().count() == 12
    assert count_caseload(tomorrow) == few


# --- forms ---------------------------------------------------------------------------------
def test_plan_form_refused_answers_400_in_french_and_keeps_the_input(client, acc, social_worker):
    client.force_login(social_worker)
    url = reverse("accompaniments:visit_plan", args=[acc.pk])
    response = client.post(
        url,
        {"kind": VisitKind.OFFICE, "starts_at": "2027-11-28T10:00", "place": "CCAS, 1er étage"},
    )
    assert response.status_code == 400
    assert "Le rendez-vous doit être dans le futur." in html.unescape(response.content.decode())
    assert response.context["form"]["place"].value() == "CCAS, 1er étage"
    ok = {
        "kind": VisitKind.OFFICE,
        "starts_at": "2027-12-01T14:30",
        "place": "CCAS, 1er étage",
        "once_key": "9d3a5a61-6f0e-4c39-9d0e-2b8c0e6d2a11",
    }
    assert client.post(url, ok).status_code == 302
    assert client.post(url, ok).status_code == 302  # posted twice: one visit
    visit = PlannedVisit.objects.get()
    assert visit.starts_at == VISIT_AT and visit.planned_by == social_worker


def test_consent_form_refused_answers_400_then_records(client, acc, social_worker):
    client.force_login(social_worker)
    url = reverse("accompaniments:reminder_consent", args=[acc.household.pk])
    data = {"channel": "sms", "phone": "12 34", "given_on": "2027-11-29"}
    response = client.post(url, data)
    assert response.status_code == 400
    assert "numéro de portable français" in html.unescape(response.content.decode())
    assert response.context["form"]["phone"].value() == "12 34"
    data["phone"] = "07 11 22 33 44"
    response = client.post(url, data)
    assert response.url == acc.household.tab_url("accompagnement")  # back on its tab
    consent = ReminderConsent.objects.current_for(acc.household)
    assert consent.phone == "+33711223344" and consent.recorded_by == social_worker
    page = html.unescape(client.get(response.url).content.decode())
    assert "SMS (07 11 22 33 44), accord du 29/11/2027" in page


def test_only_the_households_referent_or_the_direction_plans(
    client, acc, other_social_worker, ccas_manager
):
    client.force_login(other_social_worker)
    assert client.get(reverse("accompaniments:visit_plan", args=[acc.pk])).status_code == 404
    url = reverse("accompaniments:reminder_consent", args=[acc.household.pk])
    assert client.get(url).status_code == 404
    client.force_login(ccas_manager)
    assert client.get(reverse("accompaniments:visit_plan", args=[acc.pk])).status_code == 200


def test_the_panels_caseload_through_joins_is_caseload_of(
    social_worker, other_social_worker, ccas_manager
):
    """`caseload_q` (the panels' caseload, tested through their joins) selects the visits of
    `Accompaniment.objects.caseload_of` for a social worker (référent or substitute), the
    manager, and the manager narrowed to one référent; a closed accompaniment's are in none."""
    from accompaniments.enums import AccompanimentStatus
    from accompaniments.models import Accompaniment

    households = [
        HouseholdFactory(referent=social_worker, status=Status.ACCOMPANIED),
        HouseholdFactory(
            referent=other_social_worker, substitute=social_worker, status=Status.ACCOMPANIED
        ),
        HouseholdFactory(referent=other_social_worker, status=Status.ACCOMPANIED),
        HouseholdFactory(referent=social_worker, status=Status.ACCOMPANIED),
    ]
    accompaniments = [AccompanimentFactory(household=h) for h in households]
    Accompaniment.objects.filter(pk=accompaniments[3].pk).update(status=AccompanimentStatus.CLOSED)
    for accompaniment in accompaniments:
        plan(accompaniment, social_worker)
    for user, referent_id, expected in [
        (social_worker, None, 2),
        (other_social_worker, None, 2),
        (ccas_manager, None, 3),
        (ccas_manager, other_social_worker.pk, 2),
    ]:
        caseload = Accompaniment.objects.caseload_of(user)
        if referent_id is not None:
            caseload = caseload.filter(household__referent_id=referent_id)
        through_joins = set(PlannedVisit.objects.of_caseload(user, referent_id))
        assert through_joins == set(PlannedVisit.objects.filter(accompaniment__in=caseload))
        assert len(through_joins) == expected


def test_the_caseloads_missed_and_coming_visits_are_those_of_missed_and_upcoming(
    acc, social_worker, django_assert_num_queries
):
    """The caseload's missed visits (its first tab) and the week's coming ones (its agenda)
    are the visits `missed` and `upcoming` list, in their orders, 50 at most, one query each."""
    from accompaniments.views.visits import WEEK, caseload_agenda, caseload_visits

    hours = [-200, -75, -50, -30, -26, -2, 1, 3, 30, 100, 160, 170, 200]
    for h in hours:
        PlannedVisit.objects.create(
            accompaniment=acc,
            kind=VisitKind.HOME_VISIT,
            starts_at=NOW + datetime.timedelta(hours=h),
            worker=social_worker,
        )
    PlannedVisit.objects.create(  # cancelled: in neither panel
        accompaniment=acc,
        kind=VisitKind.PHONE_CALL,
        starts_at=NOW - datetime.timedelta(hours=48),
        worker=social_worker,
        status=VisitStatus.CANCELLED,
    )
    # A contact on the day of the visit 50 h ago: that one was not missed.
    ContactFactory(
        accompaniment=acc, kind=ContactKind.PHONE_CALL, at=NOW - datetime.timedelta(hours=49)
    )
    visits = PlannedVisit.objects.filter(accompaniment=acc)
    today = timezone.localdate(NOW)
    assert social_worker.has_role(Role.SOCIAL_WORKER)  # roles read once, as by the middleware
    with django_assert_num_queries(2):  # the missed visits, the failed reminders
        panels = caseload_visits(social_worker, now=NOW)
    missed = list(visits.missed(today)[:50])
    assert [v["pk"] for v in panels["missed_visits"]] == [v.pk for v in missed]
    assert len(missed) == 4
    assert [v.starts_at for v in missed] == sorted((v.starts_at for v in missed), reverse=True)
    with django_assert_num_queries(1):
        upcoming = caseload_agenda(social_worker, now=NOW)
    assert upcoming == list(visits.upcoming(NOW).filter(starts_at__lt=NOW + WEEK)[:50])
    assert len(upcoming) == 5


def test_the_caseload_shows_missed_visits_and_its_agenda_the_weeks_coming_ones(
    client, acc, social_worker, ccas_manager
):
    """/mon-suivi/ opens on what to act on (a missed visit among it); its agenda tab holds the
    week's coming visits, its links keeping the manager's référent filter."""
    from audit.models import AuditEntry

    for hours in (-30, 26):
        PlannedVisit.objects.create(
            accompaniment=acc,
            kind=VisitKind.HOME_VISIT,
            starts_at=NOW + datetime.timedelta(hours=hours),
            worker=social_worker,
        )
    url = reverse("accompaniments:caseload")
    client.force_login(social_worker)
    first = html.unescape(client.get(url).content.decode())
    assert "Rendez-vous passés sans contact saisi (1)" in first
    assert "Rendez-vous des 7 prochains jours" not in first and "mardi 30/11" not in first
    assert '<nav aria-label="Vues du suivi"' in first and 'href="?onglet=agenda"' in first
    agenda = client.get(url, {"onglet": "agenda"})
    page = html.unescape(agenda.content.decode())
    assert "Rendez-vous des 7 prochains jours" in page
    assert f'mardi 30/11 à 11:00 : <a href="{acc.get_absolute_url()}">' in page
    assert f"{acc.household.reference}</a>, visite à domicile" in page
    assert "Rendez-vous passés sans contact saisi" not in page and "count-overdue" not in page
    assert [tab["current"] for tab in agenda.context["tabs"]] == [False, True]
    # What the agenda showed is in the access log, as for the first tab.
    logged = AuditEntry.objects.filter(label="Mon suivi (agenda)")
    assert list(logged.values_list("household_id", flat=True)) == [acc.household_id]
    client.force_login(ccas_manager)
    filtered = client.get(url, {"onglet": "agenda", "referent": social_worker.pk})
    hrefs = [tab["href"] for tab in filtered.context["tabs"]]
    assert hrefs == [f"?referent={social_worker.pk}", f"?onglet=agenda&referent={social_worker.pk}"]
    assert '<input type="hidden" name="onglet" value="agenda">' in filtered.content.decode()
