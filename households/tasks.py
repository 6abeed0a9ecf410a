"""Periodic jobs of the households app (run by Celery beat, see `manage.py setup_schedules`)."""

import logging

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
