"""State changes of the layers below that must leave a trace in the access log.

accounts sits below audit and cannot write the log itself: the audited variant of its actions
lives here, change and log row in one transaction.
"""

from django.db import transaction

from accounts import twofactor

from .models import Action, log


@transaction.atomic
def reset_second_factor(request, user) -> int:
    """The admin resets `user`'s second factor (lost phone): devices and backup codes deleted,
    the user enrols again at their next login. Logged, even when there was nothing to delete."""
    count = twofactor.reset(user)
    log(
        request,
        Action.UPDATE,
        user,
        label="Double authentification réinitialisée (application et codes de secours)",
    )
    return count
