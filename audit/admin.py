"""The access log is read by the CCAS direction only, in the application (`audit:list`,
policy `audit.view`): it has no page in /admin/, where the IT admin works.

The user admin gains here its one audited action (accounts cannot import audit)."""

from django.contrib import admin, messages

from accounts.admin import UserAdmin
from accounts.models import User

from .actions import reset_second_factor

admin.site.unregister(User)


@admin.register(User)
class AuditedUserAdmin(UserAdmin):
    actions = ["reset_second_factor"]

    @admin.action(description="Réinitialiser la double authentification")
    def reset_second_factor(self, request, queryset):
        users = list(queryset)
        for user in users:
            reset_second_factor(request, user)
        messages.success(
            request,
            f"Double authentification réinitialisée pour {len(users)} compte(s) : "
            "chacun l'activera de nouveau à sa prochaine connexion.",
        )
