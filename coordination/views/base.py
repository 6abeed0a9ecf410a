from django.shortcuts import get_object_or_404

from accounts import policy

from ..enums import MeetingKind
from ..models import (
    Meeting,
    Minutes,
)


def _meeting(request, pk, kind=MeetingKind.CELLULE):
    return get_object_or_404(Meeting.objects.visible_to(request.user).filter(kind=kind), pk=pk)


def _minutes_qs(user):
    """Approved minutes the user may download: all for the DDCS, their meetings for members."""
    qs = Minutes.objects.select_related("meeting", "approved_by")
    if not policy.can(user, "minutes.view"):
        return qs.none()
    if policy.can(user, "meeting.view"):
        return qs.filter(meeting__in=Meeting.objects.visible_to(user))
    return qs
