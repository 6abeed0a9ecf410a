"""`{% household_accompaniment household user as panel %}`: what the household file shows."""

from django import template
from django.utils import timezone

from accounts import policy
from households.enums import Status

register = template.Library()


@register.simple_tag
def household_accompaniment(household, user):
    today = timezone.localdate()
    panel = {
        "can_view": policy.can(user, "accompaniment.view", household),
        "can_signal": household.in_programme and policy.can(user, "signal.create", household),
    }
    if not panel["can_view"]:
        return panel
    acc = household.accompaniments.order_by("-start", "-pk").first()
    panel.update(
        acc=acc,
        cadence=acc.cadence(today) if acc and acc.is_active else None,
        compliance=acc.compliance(today) if acc else None,
        can_start=household.status == Status.ADMITTED
        and (acc is None or not acc.is_active)
        and policy.can(user, "accompaniment.change", household),
    )
    return panel
