"""Delivery jobs of the notifications (the reminders themselves are created by each app's jobs)."""

from caen_accompagnement.celery import periodic_job

from .models import Notification, send_digests

SEND_MAILS = "notifications.send_mails"
SEND_DIGESTS = "notifications.send_digests"


@periodic_job(SEND_MAILS)
def send_mails(run):
    """Immediate mails whose first try or next try (after a failure) has come."""
    return Notification.objects.deliver_each(
        Notification.objects.mail_due().values_list("pk", flat=True)
    )


@periodic_job(SEND_DIGESTS)
def send_daily_digests(run):
    return send_digests()
