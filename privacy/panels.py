"""The personal-data panel of the household file (templates/privacy/_household_privacy.html)."""

from accounts import policy


def household_panel(user, household):
    """The information notice given and the access-request link, for those who record it or
    answer access requests (CCAS): one query."""
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
