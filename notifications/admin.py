from django.contrib import admin

from .models import JobRun, Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """The admin sees failed mails here (filter « courriel : Échec »)."""

    list_display = ["title", "recipient", "kind", "due_on", "mail_state", "mail_tries", "read_at"]
    list_filter = ["mail_state", "kind"]
    readonly_fields = [f.name for f in Notification._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
    list_display = ["job", "started_at", "finished_at", "outcome"]
    list_filter = ["job", "outcome"]
    readonly_fields = [f.name for f in JobRun._meta.fields]
