def unread(request):
    """The header badge: the unread count, one query per page, run before rendering starts (a
    template reads no database while it renders)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": 0}
    from .models import Notification

    return {"unread_notifications": Notification.objects.visible_to(user).unread().count()}
