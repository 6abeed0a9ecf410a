from django import template

from accounts import policy

from ..enums import OrientationOutcome
from ..models import Orientation

register = template.Library()


@register.simple_tag(takes_context=True)
def household_orientations(context, household):
    """What `_household_orientations.html` shows: nothing unless the user reads CCAS notes (an
    orientation can reveal a health follow-up, e.g. to the EPSM)."""
    user = context["request"].user
    if not policy.can(user, "contact.view", household):
        return {"visible": False}
    return {
        "visible": True,
        "orientations": list(
            Orientation.objects.filter(household=household).select_related("partner")
        ),
        "can_change": policy.can(user, "accompaniment.change", household),
        "outcomes": OrientationOutcome.choices,
    }
