from django.contrib import admin

from .models import (
    BudgetLine,
    Debt,
    Diagnostic,
    DiagnosticEvent,
    DiagnosticStep,
    HousingHistoryEntry,
    Obstacle,
)


class StepInline(admin.TabularInline):
    model = DiagnosticStep
    extra = 0


class BudgetLineInline(admin.TabularInline):
    model = BudgetLine
    extra = 0


class DebtInline(admin.TabularInline):
    model = Debt
    extra = 0


class HousingHistoryInline(admin.TabularInline):
    model = HousingHistoryEntry
    extra = 0


class ObstacleInline(admin.TabularInline):
    model = Obstacle
    extra = 0


class EventInline(admin.TabularInline):
    model = DiagnosticEvent
    extra = 0
    readonly_fields = ["kind", "at", "by", "note"]
    can_delete = False


@admin.register(Diagnostic)
class DiagnosticAdmin(admin.ModelAdmin):
    list_display = ["__str__", "level", "status", "number", "created_at", "submitted_at"]
    list_filter = ["level", "status"]
    raw_id_fields = ["household", "previous", "author", "reviewed_by"]
    readonly_fields = ["version"]
    inlines = [
        StepInline,
        BudgetLineInline,
        DebtInline,
        HousingHistoryInline,
        ObstacleInline,
        EventInline,
    ]

    # The IT admin role manages users and settings, never case content (docs/access.md): the
    # diagnostic stays registered for the record but nobody reads or edits it here.
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
