"""Reminder of a sliding lease's glide (docs/domain.md), run by `housing.remind_glides`."""

from datetime import timedelta

from django.urls import reverse

from accounts.enums import Role
from accounts.models import User
from notifications.enums import Kind
from notifications.models import Notification

from .models import Rehousing

GLIDE_NOTICE = timedelta(days=30)


def remind_glides(run, today):
    """Glides planned within 30 days and not recorded: the référent and the letting service."""
    glides = (
        Rehousing.objects.glides_to_come()
        .filter(planned_glide_date__gte=today, planned_glide_date__lte=today + GLIDE_NOTICE)
        .select_related("household__referent")
    )
    letting = list(User.objects.with_role(Role.LETTING_OFFICER))
    created = 0
    for rehousing in glides:
        household = rehousing.household
        recipients = [household.referent] if household.referent else []
        for user in recipients + letting:
            created += (
                Notification.objects.notify(
                    user,
                    kind=Kind.GLIDE_SOON,
                    title=f"Glissement du bail prévu le {rehousing.planned_glide_date:%d/%m/%Y} — "
                    f"dossier {household.reference}",
                    url=reverse("housing:pathway", args=[household.pk]),
                    obj=rehousing,
                    due_on=rehousing.planned_glide_date,
                    household=household,
                    job=run,
                )
                is not None
            )
    return created
