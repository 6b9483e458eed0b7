from django.db.models import F
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from patients.models import Episode, Patient, Ward

from . import selectors


def _in_ward_time(ward: Ward) -> None:
    # Times are stored in UTC and shown in the ward's own clock.
    timezone.activate(ward.tzinfo)


def home(request):
    wards = list(Ward.objects.all())
    if len(wards) == 1:
        return redirect("ward_patients", ward_id=wards[0].pk)
    return render(request, "grading/home.html", {"wards": wards})


def ward_patients(request, ward_id: int):
    ward = get_object_or_404(Ward, pk=ward_id)
    _in_ward_time(ward)
    return render(
        request,
        "grading/ward_patients.html",
        {"ward": ward, "episodes": selectors.ward_rows(ward), "now": timezone.now()},
    )


def patient_detail(request, patient_id: int):
    patient = get_object_or_404(Patient.objects.select_related("ward"), pk=patient_id)
    _in_ward_time(patient.ward)
    episode = (
        Episode.objects.filter(patient=patient)
        .order_by(F("discharged_at").desc(nulls_first=True), "-infusion_at")
        .first()
    )
    assessments = selectors.episode_history(episode) if episode else []
    return render(
        request,
        "grading/patient_detail.html",
        {
            "patient": patient,
            "episode": episode,
            "assessments": assessments,
            "current": assessments[0] if assessments else None,
            "age": int(patient.age_years(timezone.now())),
        },
    )
