"""Periodic job of the retention rule (run by Celery beat, see `manage.py setup_schedules`)."""

import logging

from caen_accompagnement.celery import periodic_job

from . import retention

logger = logging.getLogger(__name__)

RETENTION_TASK = "privacy.apply_retention"


@periodic_job(RETENTION_TASK)
def apply_retention(run):
    report = retention.run()
    logger.info(
        "Conservation : %s archivé(s), %s annoncé(s), %s anonymisé(s), %s erreur(s).",
        len(report.archived),
        len(report.announced),
        len(report.anonymised),
        len(report.errors),
    )
    return report.pk
