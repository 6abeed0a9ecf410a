"""The orientations panel of the household file (templates/coordination/_household_orientations.html)."""

from accounts import policy

from .enums import OrientationOutcome
from .models import Orientation


def visible(user, household):
    """Only who reads CCAS notes (an orientation can reveal a health follow-up, e.g. to the
    EPSM); no query."""
    return policy.can(user, "contact.view", household)


def household_panel(user, household):
    """The orientations, in one query (nothing unless `visible`)."""
    if not visible(user, household):
        return {"visible": False}
    return {
        "visible": True,
        "orientations": list(
            Orientation.objects.filter(household=household).select_related("partner")
        ),
        "can_change": policy.can(user, "accompaniment.change", household),
        "outcomes": OrientationOutcome.choices,
    }
