"""The orientations panel of the household file (templates/coordination/_household_orientations.html)."""

from accounts import policy

from .enums import OrientationOutcome
from .models import Orientation


def household_panel(user, household):
    """Nothing unless the user reads CCAS notes (an orientation can reveal a health follow-up,
    e.g. to the EPSM); else the orientations, in one query."""
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
