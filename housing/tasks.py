"""Periodic jobs of the housing app (scheduled in `setup_schedules`)."""

from django.utils import timezone

from caen_accompagnement.celery import periodic_job


@periodic_job("housing.remind_glides")
def remind_glides(run):
    from . import reminders

    return reminders.remind_glides(run, timezone.localdate())
