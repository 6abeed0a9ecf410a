"""The personal-data panel of the household file (templates/privacy/_household_privacy.html)."""

from accounts import policy


def visible(user, household):
    """For who records the notice, answers access requests or reads CCAS notes (no query)."""
    return any(
        policy.can(user, action, household)
        for action in ("household.record_notice", "household.access_request", "contact.view")
    )


def household_panel(user, household):
    """The information notice given and the access-request link, for those who record it or
    answer access requests (CCAS): one query."""
    can_record = policy.can(user, "household.record_notice", household)
    can_access = policy.can(user, "household.access_request", household)
    if not visible(user, household):
        return {"visible": False}
    return {
        "visible": True,
        "notice": household.latest_notice,
        "can_record": can_record,
        "can_access": can_access,
    }
