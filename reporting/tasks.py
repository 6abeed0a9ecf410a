"""Periodic job of the dashboard (scheduled in `manage.py setup_schedules`)."""

from caen_accompagnement.celery import periodic_job

from . import snapshots

REFRESH_DASHBOARD = "reporting.refresh_dashboard"


@periodic_job(REFRESH_DASHBOARD)
def refresh_dashboard(run):
    """The current year's snapshots, for the CCAS and for the other readers, computed again
    (readers normally find a fresh one); snapshots more than a day old purged."""
    return snapshots.refresh_default()
