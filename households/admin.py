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

    # The IT admin role manages users and settings, not case content (docs/access.md): households
    # stay registered for the record but nobody reads or edits them here (a superuser's
    # change permission would otherwise open the list and the file).
    def has_module_permission(self, request):
        return False

    def has_view_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
