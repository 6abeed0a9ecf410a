from django.contrib import admin

from .models import Household, HouseholdSource, Person


class PersonInline(admin.TabularInline):
    model = Person
    extra = 0


class SourceInline(admin.TabularInline):
    model = HouseholdSource
    extra = 0


@admin.register(Household)
class HouseholdAdmin(admin.ModelAdmin):
    list_display = ["reference", "public", "status", "referent"]
    list_filter = ["status", "public"]
    inlines = [PersonInline, SourceInline]

    def has_view_permission(self, request, obj=None):
        # The IT admin role manages users and settings, not case content (ACCESS.md).
        return False
