from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.views.decorators.http import require_safe

from crsmonitor.policy import may
from patients import access

from . import audit
from .views import in_ward_time


@require_safe
def patient_history(request, patient_id: int):
    """Every recorded change to this patient's chart and care, for physicians and pharmacists."""
    patient = access.patient_for(request.user, patient_id)
    if not may(request.user, "see_dose_checks"):
        raise PermissionDenied("The audit trail is for physicians and pharmacists.")
    in_ward_time(patient.ward)
    return render(
        request,
        "grading/patient_history.html",
        {
            "patient": patient,
            "entries": audit.patient_audit(patient),
            "available": audit.audit_trail_available(),
        },
    )
