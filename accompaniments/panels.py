"""The accompaniment panel of the household file
(templates/accompaniments/_household_accompaniment.html)."""

from django.utils import timezone

from accounts import policy
from caen_accompagnement import statements
from households.enums import Status


def visible(user, household):
    """Whether the file's « Accompagnement » tab has anything for `user`: the accompaniment,
    or Caen habitat's signal form (no query)."""
    return policy.can(user, "accompaniment.view", household) or (
        household.in_programme and policy.can(user, "signal.create", household)
    )


def household_panel(user, household):
    """The latest accompaniment (one query), its cadence (from the days of its last visit and
    contact stored on it: no query) and its compliance (one query over its contacts reaching
    the household: `Accompaniment.read_contacts`)."""
    today = timezone.localdate()
    panel = {
        "can_view": policy.can(user, "accompaniment.view", household),
        "can_signal": household.in_programme and policy.can(user, "signal.create", household),
    }
    if not panel["can_view"]:
        return panel
    from .models import Accompaniment

    # Each statement of the panel is a function of the household's or the accompaniment's id:
    # built once (caen_accompagnement/statements.py), it costs its SQL alone, 0.2 ms instead
    # of 0.6 to 1.7 ms for Django to build and compile it (docs/performance.md).
    latest = statements.instances(
        ("file-accompaniment", household.pk),
        lambda: Accompaniment.objects.filter(household_id=household.pk).order_by("-start", "-pk")[
            :1
        ],
    )
    acc = latest[0] if latest else None
    rows = acc.read_contacts() if acc else None
    panel.update(
        acc=acc,
        cadence=acc.cadence(today) if acc and acc.is_active else None,
        compliance=acc.compliance(today, rows) if acc else None,
        can_start=household.status == Status.ADMITTED
        and (acc is None or not acc.is_active)
        and policy.can(user, "accompaniment.change", household),
    )
    panel.update(visits_panel(user, household, acc))
    return panel


def visits_panel(user, household, acc):
    """Planned visits of the latest accompaniment with their messages, and the household's
    consent to reminders (three queries; docs/reminders.md)."""
    from .models import PlannedVisit, ReminderConsent, VisitMessage

    visits = []
    if acc is not None:
        visits = statements.instances(
            ("file-visits", acc.pk),
            lambda: (
                PlannedVisit.objects.filter(accompaniment_id=acc.pk)
                .select_related("worker")
                .order_by("-starts_at")[:10]
            ),
        )
    # Each visit's messages as `message_list` (the template's), read in one statement, in
    # their model's order (the newest first).
    ids = tuple(visit.pk for visit in visits)
    messages = {}
    for message in statements.instances(
        ("file-visit-messages", ids), lambda: VisitMessage.objects.filter(visit_id__in=ids)
    ):
        messages.setdefault(message.visit_id, []).append(message)
    for visit in visits:
        visit.message_list = messages.get(visit.pk, [])
    consent = statements.instances(
        ("file-consent", household.pk),
        lambda: ReminderConsent.objects.filter(household_id=household.pk).order_by(
            "-recorded_at", "-pk"
        )[:1],
    )
    return {
        "visits": visits,
        "consent": consent[0] if consent else None,
        "can_plan": acc is not None
        and acc.is_active
        and policy.can(user, "accompaniment.change", household),
        "can_consent": household.in_programme
        and policy.can(user, "accompaniment.change", household),
    }
