"""Periodic jobs of the households app (run by Celery beat, see `manage.py setup_schedules`)."""

import logging

from celery import shared_task

from caen_accompagnement.celery import periodic_job

from .models import ImportBatch

logger = logging.getLogger(__name__)

PURGE_IMPORTS_TASK = "households.purge_abandoned_imports"


@periodic_job(PURGE_IMPORTS_TASK)
def purge_abandoned_imports(run):
    """Data minimisation: uploaded lists never confirmed within IMPORT_PENDING_HOURS go."""
    deleted = ImportBatch.objects.purge_abandoned()
    logger.info("Imports non confirmés : %s fichier(s) supprimé(s).", deleted)
    return deleted


@shared_task(name="households.run_import_job")
def run_import_job(pk):
    """The analysis or the confirmation of an uploaded list (households/imports/jobs.py),
    asked through the outbox (`enqueue_on_commit`): its failures are recorded on the batch."""
    from .imports import jobs

    return jobs.run(pk)
