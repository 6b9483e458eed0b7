"""Who may see which patient: staff see their own wards' patients, unless
the policy lets them see every ward (crsmonitor/policy.py)."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from crsmonitor.policy import may

from .models import Patient, Ward


def visible_wards(user) -> QuerySet[Ward]:
    if may(user, "see_all_wards"):
        return Ward.objects.all()
    return Ward.objects.filter(staff=user)


def visible_patients(user) -> QuerySet[Patient]:
    if may(user, "see_all_wards"):
        return Patient.objects.all()
    return Patient.objects.filter(ward__staff=user)


def ward_for(user, ward_id: int) -> Ward:
    """The ward if this user may see it; 404 otherwise, so nothing leaks."""
    return get_object_or_404(visible_wards(user), pk=ward_id)


def patient_for(user, patient_id: int) -> Patient:
    """The patient if this user may see them; 404 otherwise."""
    return get_object_or_404(visible_patients(user).select_related("ward"), pk=patient_id)
