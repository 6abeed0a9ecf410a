from django.contrib import admin

from .models import MinutesRecipient, Partner, PartnerContact


@admin.register(MinutesRecipient)
class MinutesRecipientAdmin(admin.ModelAdmin):
    """DDCS recipients of approved minutes, besides settings.DDCS_MINUTES_RECIPIENTS."""

    list_display = ["name", "email", "organisation", "active"]
    list_filter = ["active"]


class PartnerContactInline(admin.TabularInline):
    model = PartnerContact
    extra = 0


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ["name", "category"]
    list_filter = ["category"]
    inlines = [PartnerContactInline]
