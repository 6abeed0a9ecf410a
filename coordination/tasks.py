"""Emails of the cellule, queued on commit; tasks take primary keys."""

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage, send_mail
from django.urls import reverse

from caen_accompagnement.celery import periodic_job

from .enums import DeliveryStatus
from .models import Meeting, Minutes, MinutesDelivery


def _absolute(path):
    base = getattr(settings, "SITE_URL", "").rstrip("/")
    return f"{base}{path}"


@shared_task
def send_agenda_published(meeting_pk):
    """Tell each member the agenda is out; the email names no household."""
    meeting = Meeting.objects.get(pk=meeting_pk)
    recipients = [m.email for m in meeting.members.filter(is_active=True)]
    count = meeting.items.count()
    body = (
        "Bonjour,\n\n"
        f"L'ordre du jour de la {meeting.label.lower()} ({meeting.local_date:%H:%M}"
        f"{', ' + meeting.place if meeting.place else ''}) est publié : {count} point"
        f"{'s' if count > 1 else ''}.\n"
        "Les synthèses des dossiers inscrits sont consultables dans l'application, "
        "avant la réunion :\n"
        f"{_absolute(reverse('coordination:preread', args=[meeting.pk]))}\n\n"
        "Ce message ne contient aucune donnée nominative.\n"
        "— Logement accompagné Caen"
    )
    for email in recipients:
        send_mail(
            f"Ordre du jour publié — {meeting.label}",
            body,
            settings.DEFAULT_FROM_EMAIL,
            [email],
        )
    return len(recipients)


@shared_task
def send_minutes(minutes_pk):
    """Send the approved minutes to every member and to the DDCS, one delivery row each."""
    minutes = Minutes.objects.select_related("meeting").get(pk=minutes_pk)
    minutes.ensure_pdf()
    with minutes.pdf.open("rb") as handle:
        pdf = handle.read()
    subject, body = minutes.mail_subject, minutes.mail_body
    sent = 0
    for email, is_member in minutes.meeting.minutes_recipients():
        message = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [email])
        message.attach(minutes.filename, pdf, "application/pdf")
        try:
            message.send()
        except Exception as exc:  # noqa: BLE001 - the failure is recorded for the manager
            MinutesDelivery.objects.create(
                minutes=minutes,
                email=email,
                is_member=is_member,
                status=DeliveryStatus.FAILED,
                error=f"{exc.__class__.__name__}: {exc}"[:250],
            )
            continue
        MinutesDelivery.objects.create(
            minutes=minutes, email=email, is_member=is_member, status=DeliveryStatus.SENT
        )
        sent += 1
    return sent


# --- reminders (periodic jobs, scheduled in `setup_schedules`) -----------------------------
@periodic_job("coordination.remind_meetings")
def remind_meetings(run):
    from django.utils import timezone

    from . import reminders

    today = timezone.localdate()
    return reminders.remind_convocations(run, today) + reminders.remind_unplanned(run, today)
