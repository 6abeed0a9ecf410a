"""The accompaniments' reminders (docs/domain.md §2.2, §7), run by the jobs in tasks.py.

Each function takes the job's run (notifications.JobRun) and today's date, asks the QuerySets
which promises fall due, and calls `Notification.objects.notify`, whose unique key makes a
second run harmless. Titles carry the file reference only: no name, no health or note content.
"""

from datetime import timedelta

from django.utils import timezone

from accounts.enums import Role
from accounts.models import User
from caen_accompagnement.dates import add_months
from caen_accompagnement.workdays import add_working_days
from notifications.enums import Kind
from notifications.models import Notification

from . import cadence as rhythm
from .enums import ExtensionStatus, SignalKind
from .models import Accompaniment, Extension, Signal

END_NOTICE = timedelta(days=30)
EXTENSION_WAIT = timedelta(days=7)
SIGNAL_WORKING_DAYS = 2
SURVEY_LATE = timedelta(days=15)


def worker_of(household):
    """The référent; the substitute while the référent is away (account deactivated)."""
    referent = household.referent
    if referent is not None and referent.is_active:
        return referent
    return household.substitute


def managers():
    return list(User.objects.with_role(Role.CCAS_MANAGER))


def remind_contacts(run, today):
    """Contacts overdue and due this week under each accompaniment's cadence, to its worker."""
    created = 0
    accompaniments = (
        Accompaniment.objects.active()
        .with_cadence()
        .select_related("household__referent", "household__substitute")
    )
    for acc in accompaniments:
        due = acc.cadence(today)
        worker = worker_of(acc.household)
        if due.urgency == rhythm.UP_TO_DATE or worker is None:
            continue
        what = "visite à domicile" if due.next_due == due.visit_due else "contact"
        if due.urgency == rhythm.OVERDUE:
            kind, title = Kind.CONTACT_OVERDUE, f"En retard : {what} attendu(e) le"
        else:
            kind, title = Kind.CONTACT_DUE, f"Cette semaine : {what} à faire avant le"
        created += _notify(
            worker,
            kind,
            f"{title} {due.next_due:%d/%m/%Y} — dossier {acc.household.reference}",
            acc,
            due.next_due,
            run,
        )
    return created


def remind_ends(run, today):
    """Accompaniments whose planned end (at most 12 months, or as extended) is in 30 days."""
    created = 0
    ending = Accompaniment.objects.active().filter(
        planned_end__gte=today, planned_end__lte=today + END_NOTICE
    )
    for acc in ending.select_related("household__referent", "household__substitute"):
        worker = worker_of(acc.household)
        if worker is not None:
            created += _notify(
                worker,
                Kind.END_SOON,
                f"Fin d'accompagnement prévue le {acc.planned_end:%d/%m/%Y} — "
                f"dossier {acc.household.reference}",
                acc,
                acc.planned_end,
                run,
            )
    return created


def remind_extensions(run, today):
    """Extension requests waiting for a decision for 7 days, to the CCAS managers."""
    created = 0
    cutoff = timezone.now() - EXTENSION_WAIT
    waiting = Extension.objects.filter(
        status=ExtensionStatus.PENDING, requested_at__lte=cutoff
    ).select_related("accompaniment__household")
    recipients = managers()
    for ext in waiting:
        acc = ext.accompaniment
        for manager in recipients:
            created += _notify(
                manager,
                Kind.EXTENSION_WAITING,
                f"Prolongation demandée le {timezone.localdate(ext.requested_at):%d/%m/%Y} "
                f"en attente de décision — dossier {acc.household.reference}",
                acc,
                timezone.localdate(ext.requested_at) + EXTENSION_WAIT,
                run,
                obj=ext,
            )
    return created


def signal_deadline(signal):
    return add_working_days(timezone.localdate(signal.created_at), SIGNAL_WORKING_DAYS)


def remind_signals(run, today):
    """Signals not acknowledged after 2 full working days (French public holidays excluded),
    to the CCAS managers."""
    created = 0
    waiting = (
        Signal.objects.unacknowledged()
        .exclude(kind=SignalKind.ADHESION_LOSS)
        .filter(created_at__gte=timezone.now() - timedelta(days=60))
        .select_related("household")
    )
    recipients = managers()
    for signal in waiting:
        deadline = signal_deadline(signal)
        if deadline >= today:
            continue
        for manager in recipients:
            created += (
                Notification.objects.notify(
                    manager,
                    kind=Kind.SIGNAL_WAITING,
                    title=f"{signal.get_kind_display()} du "
                    f"{timezone.localdate(signal.created_at):%d/%m/%Y} non pris en compte — "
                    f"dossier {signal.household.reference}",
                    url=signal.get_absolute_url(),
                    obj=signal,
                    due_on=deadline,
                    household=signal.household,
                    job=run,
                )
                is not None
            )
    return created


def remind_surveys(run, today):
    """Post-autonomy survey rounds (6 months after closure, then every 6 months): reminded on
    the due date and again 15 days later if still not recorded."""
    created = 0
    oldest = add_months(today, -6 * (_rounds() + 2))  # the last round, and a margin
    closed = (
        Accompaniment.objects.closed()
        .filter(closed_on__gte=oldest)
        .select_related("household__referent", "household__substitute")
        .prefetch_related("surveys")
    )
    for acc in closed:
        worker = worker_of(acc.household)
        if worker is None:
            continue
        for n, due, survey in acc.survey_schedule():
            if survey is not None or due > today:
                continue
            ref = acc.household.reference
            created += _notify(
                worker,
                Kind.SURVEY_DUE,
                f"Enquête post-autonomie n° {n} à réaliser (prévue le {due:%d/%m/%Y}) — dossier {ref}",
                acc,
                due,
                run,
            )
            if due + SURVEY_LATE <= today:
                created += _notify(
                    worker,
                    Kind.SURVEY_OVERDUE,
                    f"Enquête post-autonomie n° {n} en retard de 15 jours — dossier {ref}",
                    acc,
                    due + SURVEY_LATE,
                    run,
                )
    return created


def _rounds():
    from django.conf import settings

    return settings.POST_AUTONOMY_SURVEY_ROUNDS


def _notify(recipient, kind, title, acc, due_on, run, obj=None):
    found = Notification.objects.notify(
        recipient,
        kind=kind,
        title=title,
        url=acc.get_absolute_url(),
        obj=obj or acc,
        due_on=due_on,
        household=acc.household,
        job=run,
    )
    return 0 if found is None else 1
