from django.contrib import admin

from .models import Episode, LabTest, Patient, Ward, WardLabLimit


class WardLabLimitInline(admin.TabularInline):
    model = WardLabLimit
    extra = 0
    verbose_name = "lab reference limit"
    verbose_name_plural = "lab reference limits of this ward (canonical units)"


@admin.register(Ward)
class WardAdmin(admin.ModelAdmin):
    inlines = [WardLabLimitInline]
    list_display = [
        "name",
        "protocol",
        "time_zone",
        "fever_lookback_hours",
        "vitals_interval_hours",
    ]
    filter_horizontal = ["staff"]
    # The protocol is changed on the ward's protocol page, where the change is
    # recorded with its reason; here it is shown only.
    readonly_fields = ["protocol"]
    fieldsets = [
        (None, {"fields": ["name", "time_zone", "protocol", "staff"]}),
        (
            "Grading choices (clinical-rules: marked choice)",
            {
                "fields": [
                    "fever_lookback_hours",
                    "adult_hypotension_age_years",
                    "adult_systolic_below",
                    "adult_map_below",
                    "child_systolic_base",
                    "infant_systolic_below",
                    "capd_below_age_years",
                    "vitals_interval_hours",
                    "weight_valid_days",
                    "refractory_after_hours",
                    "lab_units",
                ]
            },
        ),
    ]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Patient)
class PatientAdmin(admin.ModelAdmin):
    list_display = ["mrn", "family_name", "given_name", "ward", "bed"]
    list_filter = ["ward"]
    search_fields = ["mrn", "family_name"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Episode)
class EpisodeAdmin(admin.ModelAdmin):
    list_display = ["patient", "product", "protocol", "infusion_at", "discharged_at"]
    list_filter = ["product", "protocol", "patient__ward"]
    # Taken from the ward when the episode is added; changed on the patient's
    # protocol page, where the change is recorded with its reason.
    readonly_fields = ["protocol", "chart_changed_at", "graded_through"]

    def get_readonly_fields(self, request, obj=None):
        # An episode stays with the patient it was admitted for: moving it would
        # carry its chart to another patient and leave its assessments behind
        # (PostgreSQL refuses it too, grading migration 0015).
        fields = super().get_readonly_fields(request, obj)
        return [*fields, "patient"] if obj is not None else fields

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LabTest)
class LabTestAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "unit", "loinc", "lower_limit", "upper_limit"]

    def get_readonly_fields(self, request, obj=None):
        # Results are stored in the test's unit: changing it would change what
        # every stored value means.
        return ["code", "unit"] if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        return False
