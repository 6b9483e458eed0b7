from django.contrib import admin

from grading.admin import ReadOnlyAdmin

from .models import Alert, Delivery, Notification, OnCallShift, WardNotifySettings


@admin.register(OnCallShift)
class OnCallShiftAdmin(admin.ModelAdmin):
    list_display = ("ward", "level", "person", "starts_at", "ends_at")
    list_filter = ("ward", "level")
    raw_id_fields = ("person",)

    def save_model(self, request, obj, form, change):
        if not obj.created_by_id:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(WardNotifySettings)
class WardNotifySettingsAdmin(admin.ModelAdmin):
    list_display = (
        "ward",
        "notify_critical_prompts",
        "notify_acuity",
        "notify_news2_emergency",
        "escalate_critical_after",
        "escalate_high_after",
        "renotify_after",
    )


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    list_display = ("opened_at", "episode", "cause", "severity", "state", "level", "escalations")
    list_filter = ("state", "severity", "ward")


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "alert", "recipient", "level", "reason")


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "notification", "channel", "status", "attempts", "last_error")
    list_filter = ("channel", "status")
