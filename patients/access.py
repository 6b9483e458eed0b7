"""Who may see which patient: staff see their own wards' patients, unless
they may see every ward (pharmacists, administrators)."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from .models import Patient, Ward

ALL_WARDS = "patients.view_all_wards"


def visible_wards(user) -> QuerySet[Ward]:
    if user.has_perm(ALL_WARDS):
        return Ward.objects.all()
    return Ward.objects.filter(staff=user)


def visible_patients(user) -> QuerySet[Patient]:
    if user.has_perm(ALL_WARDS):
        return Patient.objects.all()
    return Patient.objects.filter(ward__staff=user)


def ward_for(user, ward_id: int) -> Ward:
    """The ward if this user may see it; 404 otherwise, so nothing leaks."""
    return get_object_or_404(visible_wards(user), pk=ward_id)


def patient_for(user, patient_id: int) -> Patient:
    """The patient if this user may see them; 404 otherwise."""
    return get_object_or_404(visible_patients(user).select_related("ward"), pk=patient_id)
