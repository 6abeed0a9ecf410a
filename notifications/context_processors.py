def unread(request):
    """The header badge: the unread count, one query per page (its SQL built once per user and
    roles, NotificationQuerySet.unread_count), run before rendering starts (a template reads no
    database while it renders)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": 0, "unread_beyond_badge": False}
    from .models import BADGE_CAP, Notification

    unread = Notification.objects.unread_count(user)
    return {"unread_notifications": unread, "unread_beyond_badge": unread >= BADGE_CAP}
