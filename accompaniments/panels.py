"""The accompaniment panel of the household file
(templates/accompaniments/_household_accompaniment.html)."""

from django.utils import timezone

from accounts import policy
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
    acc = household.accompaniments.order_by("-start", "-pk").first()
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
    from .models import PlannedVisit, ReminderConsent

    visits = []
    if acc is not None:
        visits = list(
            PlannedVisit.objects.filter(accompaniment=acc)
            .select_related("worker")
            .prefetch_related("messages")
            .order_by("-starts_at")[:10]
        )
    return {
        "visits": visits,
        "consent": ReminderConsent.objects.current_for(household),
        "can_plan": acc is not None
        and acc.is_active
        and policy.can(user, "accompaniment.change", household),
        "can_consent": household.in_programme
        and policy.can(user, "accompaniment.change", household),
    }
