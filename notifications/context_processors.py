def unread(request):
    """The header badge: the unread count, one query, run only when the template shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": 0}

    def count():
        from .models import Notification

        return Notification.objects.visible_to(user).unread().count()

    return {"unread_notifications": count}
