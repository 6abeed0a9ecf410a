"""The notification centre: badge, list, mark as read, visibility, preferences, mail delivery."""

import datetime
import smtplib

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accompaniments import tasks as acc_tasks
from accompaniments.models import ContactKind, Signal, SignalKind
from coordination import tasks as coord_tasks
from coordination.models import Meeting
from households.enums import Status
from households.outbound import findings_of
from notifications import tasks
from notifications.enums import Channel, Kind, MailState
from notifications.models import DigestSetting, Notification, Preference, send_digests
from tests.accompaniments.factories import AccompanimentFactory, ContactFactory
from tests.diagnostics.factories import DiagnosticFactory
from tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db

D = datetime.date
PARIS = datetime.timezone(datetime.timedelta(hours=1))


def at(day, hour=10):
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=PARIS)


def remind(worker, **kwargs):
    """A late accompaniment of `worker`, and the contacts job run once: one notification."""
    household = HouseholdFactory(referent=worker, status=Status.ACCOMPANIED, **kwargs)
    acc = AccompanimentFactory(
        household=household, start=timezone.localdate() - datetime.timedelta(days=60)
    )
    acc_tasks.remind_contacts.apply()
    return Notification.objects.get(object_ref=f"accompaniments.accompaniment:{acc.pk}")


def test_badge_list_filters_and_mark_read_by_htmx(
    client, social_worker, django_assert_max_num_queries
):
    first, second = remind(social_worker), remind(social_worker)
    client.force_login(social_worker)
    page = client.get(reverse("notifications:list")).content.decode()
    assert 'id="notifications-badge"' in page and ">2</span>" in page
    assert first.title in page and f'href="{first.url}"' in page

    response = client.post(reverse("notifications:read", args=[first.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "Lue" in response.content.decode()
    first.refresh_from_db()
    assert first.is_read

    unread = client.get(reverse("notifications:list"), {"etat": "non-lues"})
    assert [n.pk for n in unread.context["page"]] == [second.pk]
    assert ">1</span>" in unread.content.decode()
    read = client.get(reverse("notifications:list"), {"etat": "lues", "type": Kind.CONTACT_OVERDUE})
    assert [n.pk for n in read.context["page"]] == [first.pk]
    other_kind = client.get(reverse("notifications:list"), {"type": Kind.CONVOCATION})
    assert list(other_kind.context["page"]) == []

    for _ in range(20):
        remind(social_worker)
    with django_assert_max_num_queries(12):
        client.get(reverse("notifications:list"))


def test_someone_elses_notification_is_not_reachable(client, social_worker, other_social_worker):
    mine = remind(social_worker)
    client.force_login(other_social_worker)
    assert client.post(reverse("notifications:read", args=[mine.pk])).status_code == 404
    assert mine.title not in client.get(reverse("notifications:list")).content.decode()


def test_a_file_no_longer_readable_is_not_shown_nor_mailed(
    client, social_worker, other_social_worker, ccas_manager, tenancy_officer
):
    household = HouseholdFactory(referent=social_worker, status=Status.ACCOMPANIED)
    Preference.objects.create(user=social_worker, kind=Kind.SIGNAL_WAITING, channel=Channel.DIGEST)
    signal = Signal.objects.create(household=household, kind=SignalKind.LACK_OF_UPKEEP)
    n = Notification.objects.notify(
        social_worker,
        kind=Kind.SIGNAL_WAITING,
        title="Signalement en attente",
        url=signal.get_absolute_url(),
        obj=signal,
        due_on=timezone.localdate(),
        household=household,
    )
    client.force_login(social_worker)
    assert n.title in client.get(reverse("notifications:list")).content.decode()
    # The file changes hands: signals are read by the référent only (docs/access.md).
    household.assign_referent(other_social_worker, by=ccas_manager, reason="Réorganisation")
    assert n.title not in client.get(reverse("notifications:list")).content.decode()
    hour = DigestSetting.hour_of(social_worker)
    with time_machine.travel(at(timezone.localdate(), hour), tick=False):
        assert send_digests() == 0
    n.refresh_from_db()
    assert n.mail_state == MailState.DROPPED and mail.outbox == []


def test_immediate_digest_or_in_app_only(social_worker, other_social_worker, ccas_manager):
    DigestSetting.objects.create(user=other_social_worker, hour=18)
    Preference.objects.create(
        user=other_social_worker, kind=Kind.CONTACT_OVERDUE, channel=Channel.DIGEST
    )
    Preference.objects.create(user=ccas_manager, kind=Kind.CONTACT_OVERDUE, channel=Channel.IN_APP)
    with time_machine.travel(at(D(2027, 3, 15), 7), tick=False):
        immediate = remind(social_worker)
        digest_1, digest_2 = remind(other_social_worker), remind(other_social_worker)
        in_app = remind(ccas_manager)
    assert [m.to for m in mail.outbox] == [[social_worker.email]]
    assert immediate.mail_state == MailState.SENT
    assert in_app.mail_state == MailState.NONE
    with time_machine.travel(at(D(2027, 3, 15), 17), tick=False):
        assert tasks.send_daily_digests.apply().get() == 0  # not their hour
    with time_machine.travel(
        at(
            D(2027, 3, 15),
            18,
        ),
        tick=False,
    ):
        assert tasks.send_daily_digests.apply().get() == 1
        assert tasks.send_daily_digests.apply().get() == 0  # once
    digest = mail.outbox[-1]
    assert digest.to == [other_social_worker.email] and len(mail.outbox) == 2
    assert digest_1.title in digest.body and digest_2.title in digest.body
    assert "http://" in digest.body
    assert set(
        Notification.objects.filter(pk__in=[digest_1.pk, digest_2.pk]).values_list(
            "mail_state", flat=True
        )
    ) == {MailState.SENT}


def test_preferences_form_saves_and_refuses_a_bad_hour(client, social_worker):
    client.force_login(social_worker)
    data = {f"kind_{k}": Channel.IMMEDIATE for k in Kind.values}
    data[f"kind_{Kind.CONTACT_DUE}"] = Channel.DIGEST
    bad = client.post(reverse("notifications:preferences"), {**data, "digest_hour": "25"})
    assert bad.status_code == 400
    body = bad.content.decode()
    assert "L&#x27;heure du récapitulatif doit être comprise entre 0 et 23." in body
    assert 'value="25"' in body  # the input is kept
    assert not Preference.objects.exists()
    bad = client.post(reverse("notifications:preferences"), {**data, "digest_hour": "huit"})
    assert bad.status_code == 400 and "nombre entier entre 0 et 23" in bad.content.decode()
    ok = client.post(reverse("notifications:preferences"), {**data, "digest_hour": "7"})
    assert ok.status_code == 302
    assert DigestSetting.hour_of(social_worker) == 7
    assert Preference.channel_of(social_worker, Kind.CONTACT_DUE) == Channel.DIGEST
    assert Preference.channel_of(social_worker, Kind.CONTACT_OVERDUE) == Channel.IMMEDIATE


class BrokenBackend:
    """A mail server that refuses every connection."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise smtplib.SMTPConnectError(421, "serveur indisponible")


def test_mail_server_down_retried_with_backoff_then_failed(settings, social_worker):
    settings.EMAIL_BACKEND = "tests.notifications.test_centre.BrokenBackend"
    settings.NOTIFICATION_MAIL_MAX_TRIES = 3
    start = at(D(2027, 3, 15), 7)
    with time_machine.travel(start, tick=False):
        n = remind(social_worker)  # first try, failed
    n.refresh_from_db()
    assert (n.mail_state, n.mail_tries) == (MailState.PENDING, 1)
    assert n.mail_next_at == start + datetime.timedelta(minutes=5)
    assert "serveur indisponible" in n.mail_error
    with time_machine.travel(start + datetime.timedelta(minutes=4), tick=False):
        tasks.send_mails.apply()  # too early: no try
    n.refresh_from_db()
    assert n.mail_tries == 1
    with time_machine.travel(start + datetime.timedelta(minutes=5), tick=False):
        tasks.send_mails.apply()
    n.refresh_from_db()
    assert n.mail_tries == 2 and n.mail_next_at == start + datetime.timedelta(minutes=15)
    with time_machine.travel(start + datetime.timedelta(minutes=15), tick=False):
        tasks.send_mails.apply()
    n.refresh_from_db()
    assert (n.mail_state, n.mail_tries, n.mail_next_at) == (MailState.FAILED, 3, None)
    # Still in the application, and the mail server's return changes nothing more.
    assert Notification.objects.visible_to(social_worker).filter(pk=n.pk).exists()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(start + datetime.timedelta(hours=5), tick=False):
        tasks.send_mails.apply()
    assert mail.outbox == []


def test_mail_server_back_before_the_last_try(settings, social_worker):
    settings.EMAIL_BACKEND = "tests.notifications.test_centre.BrokenBackend"
    start = at(D(2027, 3, 15), 7)
    with time_machine.travel(start, tick=False):
        n = remind(social_worker)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(start + datetime.timedelta(minutes=6), tick=False):
        assert tasks.send_mails.apply().get() == 1
        assert tasks.send_mails.apply().get() == 0
    n.refresh_from_db()
    assert n.mail_state == MailState.SENT and len(mail.outbox) == 1


def test_recipient_without_an_email_address_is_dropped_and_logged(social_worker, caplog):
    social_worker.email = ""
    social_worker.save()
    n = remind(social_worker)
    n.refresh_from_db()
    assert n.mail_state == MailState.DROPPED and mail.outbox == []
    assert "courriel abandonné" in caplog.text


def test_no_name_health_addiction_or_note_in_any_mail(
    social_worker, ccas_manager, tenancy_officer, cellule_member
):
    """Every mail template rendered with a household whose notes and diagnostic hold
    special-category words: none reaches a title, a subject or a body."""
    for user in (social_worker, ccas_manager):
        DigestSetting.objects.create(user=user, hour=8)
    Preference.objects.create(user=ccas_manager, kind=Kind.SIGNAL_WAITING, channel=Channel.DIGEST)
    with time_machine.travel(at(D(2027, 1, 4), 9), tick=False):
        household = HouseholdFactory(
            referent=social_worker,
            status=Status.ACCOMPANIED,
            members=[{"first_name": "Zoé", "last_name": "Quintard"}],
        )
        DiagnosticFactory(
            household=household,
            proposed_axes=["insertion.health", "budget.addiction"],
        )
        acc = AccompanimentFactory(
            household=household, start=D(2027, 1, 4), planned_end=D(2027, 2, 20)
        )
        ContactFactory(
            accompaniment=acc,
            kind=ContactKind.PHONE_CALL,
            note="Hospitalisation en psychiatrie, addiction à l'alcool, suivi médical.",
        )
        Signal.objects.create(
            household=household,
            kind=SignalKind.NEIGHBOUR_TROUBLE,
            description="Troubles liés à la drogue et à une maladie.",
            created_at=timezone.now(),
        )
        meeting = Meeting.objects.create(date=at(D(2027, 1, 29), 14))
        meeting.members.add(cellule_member)
    with time_machine.travel(at(D(2027, 1, 22), 8), tick=False):
        acc_tasks.remind_contacts.apply()
        acc_tasks.remind_deadlines.apply()
        coord_tasks.remind_meetings.apply()
        send_digests()
    kinds = set(Notification.objects.values_list("kind", flat=True))
    assert {Kind.CONTACT_OVERDUE, Kind.END_SOON, Kind.SIGNAL_WAITING, Kind.CONVOCATION} <= kinds
    assert any("Récapitulatif" in m.subject for m in mail.outbox)  # both templates rendered
    assert len(mail.outbox) >= 4
    texts = [m.subject + "\n" + m.body for m in mail.outbox]
    texts += list(Notification.objects.values_list("title", flat=True))
    for text in texts:
        lowered = text.lower()
        assert not findings_of({"texte": text}), text  # the outbound lexicon and known names
        assert "quintard" not in lowered and "zoé" not in lowered, text
        assert "hospitalisation" not in lowered and "drogue" not in lowered, text


def test_jobs_page_shows_each_job_last_run_and_what_it_produced(
    client, ccas_manager, admin_user, social_worker, django_assert_max_num_queries
):
    remind(social_worker)
    remind(social_worker)
    acc_tasks.remind_contacts.apply()  # a second run: nothing new
    client.force_login(ccas_manager)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("notifications:jobs"))
    rows = {row["task"]: row for row in response.context["jobs"]}
    last = rows["accompaniments.remind_contacts"]["run"]
    assert last.produced == 0 and last.get_outcome_display() == "Réussie"
    assert rows["coordination.remind_meetings"]["run"] is None
    assert "Jamais exécutée" in response.content.decode()
    client.force_login(admin_user)
    assert client.get(reverse("notifications:jobs")).status_code == 200
    client.force_login(social_worker)
    assert client.get(reverse("notifications:jobs")).status_code == 403


def test_a_reminder_whose_object_was_deleted_is_dropped_and_logged(cellule_member, caplog):
    meeting = Meeting.objects.create(date=timezone.now() + datetime.timedelta(days=9))
    n = Notification.objects.notify(
        cellule_member,
        kind=Kind.CONVOCATION,
        title="Convocation",
        url=f"/cellule/{meeting.pk}/pre-lecture/",
        obj=meeting,
        due_on=timezone.localdate(),
    )
    assert n.mail_state == MailState.PENDING
    meeting.delete()
    assert tasks.send_mails.apply().get() == 0
    n.refresh_from_db()
    assert n.mail_state == MailState.DROPPED and mail.outbox == []
    assert "objet supprimé" in caplog.text
