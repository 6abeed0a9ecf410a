"""Periodic jobs of the audit log (run by Celery beat, see `manage.py setup_schedules`)."""

import logging

from celery import shared_task

from .models import AuditEntry

logger = logging.getLogger(__name__)

PURGE_TASK = "audit.purge_expired_entries"


@shared_task(name=PURGE_TASK)
def purge_expired_entries():
    """Retention (docs/access.md): entries older than AUDIT_RETENTION_DAYS leave the log."""
    deleted = AuditEntry.purge_expired()
    logger.info("Journal des accès : %s entrée(s) expirée(s) supprimée(s).", deleted)
    return deleted
