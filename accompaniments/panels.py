"""The accompaniment panel of the household file
(templates/accompaniments/_household_accompaniment.html)."""

from django.utils import timezone

from accounts import policy
from households.enums import Status


def household_panel(user, household):
    """The latest accompaniment with its cadence (annotated: one query) and its compliance (one
    query over its contacts)."""
    today = timezone.localdate()
    panel = {
        "can_view": policy.can(user, "accompaniment.view", household),
        "can_signal": household.in_programme and policy.can(user, "signal.create", household),
    }
    if not panel["can_view"]:
        return panel
    acc = household.accompaniments.with_cadence().order_by("-start", "-pk").first()
    panel.update(
        acc=acc,
        cadence=acc.cadence(today) if acc and acc.is_active else None,
        compliance=acc.compliance(today) if acc else None,
        can_start=household.status == Status.ADMITTED
        and (acc is None or not acc.is_active)
        and policy.can(user, "accompaniment.change", household),
    )
    return panel
