"""Run the reminder jobs once, here and now (no worker needed).

`make run` calls it when there is no Redis, so the demo shows today's reminders; `seed_demo`
calls it too. Each job records its run like a beat firing would, and creates nothing twice.
"""

from django.core.management.base import BaseCommand

from caen_accompagnement.celery import app

# The jobs that create or deliver notifications, in the order beat would run them in the morning.
DUE_JOBS = [
    "accompaniments.remind_contacts",
    "accompaniments.remind_deadlines",
    "accompaniments.remind_surveys",
    "accompaniments.remind_visits",  # the households' own reminders (docs/reminders.md)
    "housing.remind_glides",
    "coordination.remind_meetings",
    "notifications.relay_outbox",
    "notifications.send_mails",
]


def run_due_jobs():
    """{job name: what the job returned}; a failing job is recorded by its JobRun and skipped."""
    app.loader.import_default_modules()
    results = {}
    for name in DUE_JOBS:
        outcome = app.tasks[name].apply(throw=False)
        results[name] = outcome.result if outcome.successful() else None
    return results


class Command(BaseCommand):
    help = "Exécute une fois les tâches de rappel (sans worker Celery)."

    def handle(self, *args, **options):
        for name, result in run_due_jobs().items():
            shown = "échec (voir la page Tâches périodiques)" if result is None else result
            self.stdout.write(f"{name} : {shown}")
