from django.contrib import admin

from .models import Assessment, Prompt, ProtocolChange, TocilizumabStock


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records the app's own workflows write (clinical ones, who was told, what
    other systems did): read here, never added, changed or deleted."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyAdmin):
    list_display = ["patient", "evaluated_at", "crs_grade", "icans_grade", "trigger"]
    list_filter = ["trigger", "crs_grade", "icans_grade"]


@admin.register(Prompt)
class PromptAdmin(ReadOnlyAdmin):
    list_display = [
        "episode",
        "code",
        "severity",
        "grade_scale",
        "grade",
        "state",
        "raised_at",
        "resolved_at",
        "supersedes",
    ]
    list_filter = ["state", "severity", "code"]


@admin.register(ProtocolChange)
class ProtocolChangeAdmin(ReadOnlyAdmin):
    list_display = ["ward", "previous", "protocol", "by", "at"]


@admin.register(TocilizumabStock)
class TocilizumabStockAdmin(ReadOnlyAdmin):
    list_display = ["episode", "doses_on_site", "recorded_by", "recorded_at"]
