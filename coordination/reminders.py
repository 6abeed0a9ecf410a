"""The coordination's reminders (docs/domain.md §5): convocations, and meetings not planned."""

from datetime import timedelta

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts.enums import Role
from accounts.models import User
from notifications.enums import Kind
from notifications.models import Notification

from .models import Meeting
from .models.meeting import next_quarter_gap

CONVOCATION_NOTICE = timedelta(days=10)
YEAR = timedelta(days=365)


def remind_convocations(run, today):
    """Every member of a cellule meeting in the next 10 days: the date and the pre-read link."""
    created = 0
    now = timezone.now()
    soon = Meeting.objects.cellules().filter(date__gte=now, date__lt=now + CONVOCATION_NOTICE)
    for meeting in soon.prefetch_related("members"):
        when = meeting.local_date
        for member in meeting.members.all():
            if not member.is_active:
                continue
            created += (
                Notification.objects.notify(
                    member,
                    kind=Kind.CONVOCATION,
                    title=f"Convocation : {meeting.label} à {when:%H:%M}"
                    + (f", {meeting.place}" if meeting.place else "")
                    + " — ordre du jour et pré-lecture en ligne",
                    url=reverse("coordination:preread", args=[meeting.pk]),
                    obj=meeting,
                    due_on=when.date(),
                    job=run,
                )
                is not None
            )
    return created


def remind_unplanned(run, today):
    """The manager and the letting service, once a month while no cellule is planned in the
    coming quarter, or no comité de suivi in the coming year."""
    now = timezone.now()
    month = today.replace(day=1)
    warnings = []
    if next_quarter_gap(now):
        warnings.append(
            (Kind.NO_CELLULE, "Aucune cellule de coordination prévue dans les trois prochains mois")
        )
    if not Meeting.objects.comites().filter(date__gte=now, date__lte=now + YEAR).exists():
        warnings.append(
            (Kind.NO_COMITE, "Aucun comité de suivi prévu dans les douze prochains mois")
        )
    recipients = User.objects.filter(
        Q(role_assignments__role__in=[Role.CCAS_MANAGER, Role.LETTING_OFFICER]), is_active=True
    ).distinct()
    created = 0
    for kind, title in warnings:
        for user in recipients:
            created += (
                Notification.objects.notify(
                    user,
                    kind=kind,
                    title=title,
                    url=reverse("coordination:list"),
                    obj=f"programme:{kind}",
                    due_on=month,
                    job=run,
                )
                is not None
            )
    return created
