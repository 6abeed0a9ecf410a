"""Periodic jobs of the audit log (run by Celery beat, see `manage.py setup_schedules`)."""

import logging

from caen_accompagnement.celery import periodic_job

from .models import AuditEntry

logger = logging.getLogger(__name__)

PURGE_TASK = "audit.purge_expired_entries"


@periodic_job(PURGE_TASK)
def purge_expired_entries(run):
    """Retention (docs/access.md): entries older than AUDIT_RETENTION_DAYS leave the log."""
    deleted = AuditEntry.purge_expired()
    logger.info("Journal des accès : %s entrée(s) expirée(s) supprimée(s).", deleted)
    return deleted
