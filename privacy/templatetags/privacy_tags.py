from django import template

from accounts import policy

register = template.Library()


@register.simple_tag(takes_context=True)
def household_privacy(context, household):
    """What `_household_privacy.html` shows: the information notice given, for those who record
    it or answer access requests (CCAS)."""
    user = context["request"].user
    can_record = policy.can(user, "household.record_notice", household)
    can_access = policy.can(user, "household.access_request", household)
    if not (can_record or can_access or policy.can(user, "contact.view", household)):
        return {"visible": False}
    return {
        "visible": True,
        "notice": household.latest_notice,
        "can_record": can_record,
        "can_access": can_access,
    }
