from django.contrib import admin, messages
from django.db import transaction

from grading.admin import ReadOnlyAdmin

from .fhir.clients import client_prepare, client_revoke
from .models import FhirAccess, FhirClient, FhirImport


@admin.register(FhirClient)
class FhirClientAdmin(admin.ModelAdmin):
    list_display = ["name", "can_write", "token_hint", "created_at", "revoked_at"]
    list_filter = ["can_write", "revoked_at"]
    filter_horizontal = ["wards"]
    readonly_fields = ["token_hint", "account", "created_at", "created_by", "revoked_at"]
    actions = ["revoke"]

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        with transaction.atomic():
            token = client_prepare(obj, by=request.user)
            super().save_model(request, obj, form, change)
        # Shown this once: only its SHA-256 is stored.
        messages.warning(
            request,
            f"Token for {obj.name} (copy it now, it is never shown again): {token}",
        )

    @admin.action(description="Revoke the selected clients' tokens")
    def revoke(self, request, queryset):
        for client in queryset:
            client_revoke(client, by=request.user)
        self.message_user(request, f"Revoked {queryset.count()} client(s).")

    def has_delete_permission(self, request, obj=None):
        # Its access log refers to it: revoke instead.
        return False


@admin.register(FhirAccess)
class FhirAccessAdmin(ReadOnlyAdmin):
    list_display = ["at", "client", "method", "path", "status"]
    list_filter = ["status", "client"]


@admin.register(FhirImport)
class FhirImportAdmin(ReadOnlyAdmin):
    list_display = ["imported_at", "client", "resource_type", "identifier", "row"]
