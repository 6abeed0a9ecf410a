"""Create or update the periodic jobs that Celery beat runs (django-celery-beat's tables).

Idempotent; run after `migrate` on every deployment (the Makefile, docker-compose and
`seed_demo` do). The schedules live here, in code, so every environment gets the same ones;
an administrator may still disable one in the admin (its `enabled` flag is left alone).
"""

from django.core.management.base import BaseCommand
from django_celery_beat.models import CrontabSchedule, PeriodicTask


def _crontab(minute, hour="*"):
    """Crontab fields: at `minute` past `hour`, every day."""
    return {
        "minute": minute,
        "hour": hour,
        "day_of_week": "*",
        "day_of_month": "*",
        "month_of_year": "*",
    }


# name → (task, crontab fields, description)
SCHEDULES = {
    "Purge du journal des accès (rétention)": (
        "audit.purge_expired_entries",
        _crontab("15", hour="3"),
        "Supprime les entrées du journal plus anciennes que AUDIT_RETENTION_DAYS (docs/access.md).",
    ),
    "Suppression des sessions expirées": (
        "accounts.purge_expired_sessions",
        _crontab("20", hour="3"),
        "Supprime les sessions dont l'expiration est passée (30 minutes d'inactivité) : Django "
        "ne les supprime jamais lui-même.",
    ),
    "Suppression des exécutions de tâches et relais anciens": (
        "notifications.purge_job_records",
        _crontab("25", hour="3"),
        "Supprime les exécutions des tâches périodiques et les tâches en attente exécutées "
        "depuis plus de JOB_RECORD_RETENTION_DAYS jours (90 par défaut).",
    ),
    # Hourly: an abandoned file lives at most IMPORT_PENDING_HOURS plus one hour.
    "Suppression des imports non confirmés": (
        "households.purge_abandoned_imports",
        _crontab("40"),
        "Supprime les fichiers de listes déposés et jamais confirmés depuis plus de "
        "IMPORT_PENDING_HOURS heures, avec leur import.",
    ),
    # Daily, at night: archiving after ACTIVE_RETENTION_YEARS without contact, anonymisation
    # after the archive period, announced in a report first (docs/privacy.md).
    "Conservation des dossiers : archivage et anonymisation": (
        "privacy.apply_retention",
        _crontab("30", hour="2"),
        "Archive les ménages sans contact depuis ACTIVE_RETENTION_YEARS ans ; annonce puis "
        "anonymise ceux dont la durée d'archivage (ARCHIVE_RETENTION_YEARS) est écoulée.",
    ),
    # The outbox (caen_accompagnement.celery.enqueue_on_commit): every kind of work a web change
    # asked for and the broker did not deliver (down, frozen, message lost), run once.
    "Relais des tâches en attente": (
        "notifications.relay_outbox",
        _crontab("*"),
        "Exécute les tâches demandées par l'application (signalements, ordres du jour, comptes "
        "rendus, analyses et enregistrements d'imports…) que Redis n'a pas transmises ou dont "
        "le worker s'est arrêté ; nouvel essai avec attente croissante.",
    ),
    # Reminders (issue « rappels »): each job writes a notifications.JobRun row, and a reminder
    # exists once per (kind, object, recipient, due date), so a second firing sends nothing.
    "Rappels : contacts en retard et de la semaine": (
        "accompaniments.remind_contacts",
        _crontab("0", hour="7"),
        "Aux référents (ou suppléants) : visites et appels en retard ou à faire cette semaine, "
        "selon le rythme de chaque accompagnement.",
    ),
    "Rappels : échéances des accompagnements et signalements": (
        "accompaniments.remind_deadlines",
        _crontab("5", hour="7"),
        "Fin prévue dans 30 jours (référent) ; prolongation sans décision depuis 7 jours et "
        "signalement non pris en compte après 2 jours ouvrés (direction).",
    ),
    "Rappels : glissements de bail": (
        "housing.remind_glides",
        _crontab("8", hour="7"),
        "Bail glissant dont le glissement est prévu dans 30 jours : au référent et au service "
        "location.",
    ),
    "Rappels : enquêtes post-autonomie": (
        "accompaniments.remind_surveys",
        _crontab("10", hour="7"),
        "Enquêtes post-autonomie à réaliser, puis en retard de 15 jours (référent).",
    ),
    "Rappels : cellule et comité de suivi": (
        "coordination.remind_meetings",
        _crontab("15", hour="7"),
        "Convocation des membres 10 jours avant la cellule ; alerte à la direction et au "
        "service location sans cellule prévue dans le trimestre ou sans comité dans l'année.",
    ),
    # The household's own reminders (docs/reminders.md): every quarter of an hour, so that a
    # reminder leaves about 48 h before; once per (kind, visit, recipient, appointment time).
    "Rappels aux ménages : rendez-vous planifiés": (
        "accompaniments.remind_visits",
        _crontab("*/15"),
        "SMS ou courriel au ménage qui l'a accepté, 48 h avant la visite ou l'entretien "
        "planifié ; nouvel essai des envois en échec (VISIT_MESSAGE_MAX_TRIES), puis échec "
        "visible du référent.",
    ),
    # The dashboard shows a snapshot of its figures (docs/reporting.md): the current year's,
    # computed again every 10 minutes so that readers find a fresh one.
    "Tableau de bord : chiffres de l'année en cours": (
        "reporting.refresh_dashboard",
        _crontab("*/10"),
        "Recalcule les chiffres du tableau de bord de l'année en cours (avec et sans masquage "
        "des petits effectifs) ; supprime les instantanés de plus d'un jour.",
    ),
    "Envoi des courriels de notification": (
        "notifications.send_mails",
        _crontab("*/5"),
        "Courriels immédiats des notifications, et nouvel essai (attente croissante) après un "
        "échec du serveur de courriel ; échec définitif après NOTIFICATION_MAIL_MAX_TRIES essais.",
    ),
    "Récapitulatifs quotidiens": (
        "notifications.send_digests",
        _crontab("0"),
        "Chaque heure : le récapitulatif des utilisateurs qui l'ont choisi à cette heure-là.",
    ),
}


def setup_schedules():
    """Returns the names of the periodic tasks created (not those only updated)."""
    created_names = []
    for name, (task, crontab, description) in SCHEDULES.items():
        schedule, _ = CrontabSchedule.objects.get_or_create(timezone="Europe/Paris", **crontab)
        _, created = PeriodicTask.objects.update_or_create(
            name=name,
            defaults={
                "task": task,
                "crontab": schedule,
                "interval": None,
                "description": description,
            },
        )
        if created:
            created_names.append(name)
    return created_names


class Command(BaseCommand):
    help = "Crée ou met à jour les tâches périodiques (Celery beat)."

    def handle(self, *args, **options):
        created = setup_schedules()
        self.stdout.write(
            f"Tâches périodiques : {len(SCHEDULES)} déclarée(s), {len(created)} créée(s)."
        )
