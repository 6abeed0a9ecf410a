from django.contrib import admin

from .models import JobRun, Notification, OutboxMessage


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


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """Work asked by the application and not run yet, or abandoned after repeated failures."""

    list_display = ["task", "args", "created_at", "done_at", "failed_at", "attempts"]
    list_filter = ["task"]
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]
