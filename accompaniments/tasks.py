"""E-mails of the signals (§3.2.3), sent after the recording transaction commits."""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.enums import Role
from caen_accompagnement.celery import periodic_job


def _recipients(signal):
    from accounts.models import User

    from .models import SignalKind

    if signal.kind == SignalKind.ADHESION_LOSS:
        # Loss of adhesion reaches Caen habitat: letting and tenancy officers.
        users = User.objects.filter(
            is_active=True,
            role_assignments__role__in=[Role.LETTING_OFFICER, Role.TENANCY_OFFICER],
        ).distinct()
        return sorted({u.email for u in users})
    household = signal.household
    return sorted({u.email for u in (household.referent, household.substitute) if u is not None})


@shared_task
def notify_signal(signal_pk):
    """Tell whoever must act on the signal. Takes a primary key; sends once."""
    from .models import Signal

    signal = Signal.objects.select_related("household", "created_by").get(pk=signal_pk)
    if signal.notified_at:
        return 0
    recipients = _recipients(signal)
    if not recipients:
        return 0
    base = getattr(settings, "SITE_URL", "").rstrip("/")
    context = {
        "signal": signal,
        "url": base + reverse("accompaniments:signal_detail", args=[signal.pk]),
    }
    # Names stay out of e-mail: the file reference and initials are enough to find the household.
    subject = f"[Logement accompagné] {signal.get_kind_display()} — {signal.household.reference}"
    body = render_to_string("accompaniments/email/signal.txt", context)
    send_mail(subject, body, None, recipients)
    Signal.objects.filter(pk=signal.pk).update(notified_at=timezone.now())
    return len(recipients)


# --- reminders (periodic jobs, scheduled in `setup_schedules`) -----------------------------
@periodic_job("accompaniments.remind_contacts")
def remind_contacts(run):
    from . import reminders

    return reminders.remind_contacts(run, timezone.localdate())


@periodic_job("accompaniments.remind_deadlines")
def remind_deadlines(run):
    """Ends in 30 days, extensions waiting 7 days, signals waiting 2 working days."""
    from . import reminders

    today = timezone.localdate()
    return (
        reminders.remind_ends(run, today)
        + reminders.remind_extensions(run, today)
        + reminders.remind_signals(run, today)
    )


@periodic_job("accompaniments.remind_surveys")
def remind_surveys(run):
    from . import reminders

    return reminders.remind_surveys(run, timezone.localdate())


# --- planned visits: the household's own reminders (docs/reminders.md) -------------------
@periodic_job("accompaniments.remind_visits")
def remind_visits(run):
    """Reminders 48 h before each planned visit (households that agreed), then every message
    to a household due (first tries and retries after a provider failure)."""
    from .models.visit import remind_visits as remind

    return remind()


@shared_task(name="accompaniments.send_visit_message")
def send_visit_message(pk):
    """The notice of a moved or cancelled visit, written in the change's transaction (outbox)."""
    from .models import VisitMessage

    return VisitMessage.deliver(pk)
