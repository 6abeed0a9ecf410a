"""Delivery jobs of the notifications (the reminders themselves are created by each app's jobs)."""

from celery import shared_task

from accounts import sessions
from audit.models import AuditEntry, FormSubmission
from caen_accompagnement.celery import periodic_job

from .models import JobRun, Notification, OutboxMessage, send_digests

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


RELAY_OUTBOX = "notifications.relay_outbox"


@shared_task(name="notifications.relay_message")
def relay_message(pk):
    """The fast path: one outbox message, handed over right after the web change committed."""
    return OutboxMessage.relay(pk)


@periodic_job(RELAY_OUTBOX)
def relay_outbox(run):
    """The catch-up, for every kind of work: messages the fast path did not deliver."""
    return sum(
        OutboxMessage.relay(pk) for pk in OutboxMessage.objects.due().values_list("pk", flat=True)
    )


# audit sits below this app and cannot record runs (notifications.JobRun): its purge is declared
# here, where the run is recorded, calling audit's own method. The name is the one deployed
# schedules (django-celery-beat rows) already carry.
PURGE_AUDIT_LOG = "audit.purge_expired_entries"


@periodic_job(PURGE_AUDIT_LOG)
def purge_expired_entries(run):
    """Retention (docs/access.md): entries older than AUDIT_RETENTION_DAYS leave the log; the
    one-time form keys older than FORM_KEY_RETENTION_DAYS go too (audit/once.py)."""
    return AuditEntry.purge_expired() + FormSubmission.purge_expired()


# accounts sits below this app too: the expired sessions' purge is declared here as well.
PURGE_SESSIONS = "accounts.purge_expired_sessions"


@periodic_job(PURGE_SESSIONS)
def purge_expired_sessions(run):
    """Sessions whose expiry has passed (SESSION_IDLE_SECONDS after the last request) leave the
    database: Django's own engine never deletes them (docs/security.md)."""
    return sessions.purge_expired()


PURGE_JOB_RECORDS = "notifications.purge_job_records"


@periodic_job(PURGE_JOB_RECORDS)
def purge_job_records(run):
    """The jobs' own records past JOB_RECORD_RETENTION_DAYS: their runs (about 1,500 a day)
    and the outbox's messages done (one per background change asked for)."""
    return JobRun.purge_expired()
