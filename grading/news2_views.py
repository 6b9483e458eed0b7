"""The page where a physician sets a patient's NEWS2 SpO2 scale."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render

from patients import access
from patients.forms import add_service_errors
from patients.models import Episode

from .forms import News2ScaleForm
from .news2_scale import ONLY_PHYSICIANS, may_change, news2_scale_set
from .views import in_ward_time


def episode_news2_scale(request, patient_id: int):
    patient = access.patient_for(request.user, patient_id)
    in_ward_time(patient.ward)
    episode = get_object_or_404(Episode.objects.active(), patient=patient)
    if request.method == "POST" and not may_change(request.user):
        raise PermissionDenied(ONLY_PHYSICIANS)
    form = News2ScaleForm(request.POST or None, initial={"scale": episode.news2_scale})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            news2_scale_set(episode, scale=data["scale"], reason=data["reason"], by=request.user)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, f"{patient.display_name}: NEWS2 now scores SpO2 on scale {data['scale']}."
            )
            return redirect("patient_detail", patient_id=patient.pk)
    return render(
        request,
        "grading/news2_scale.html",
        {
            "patient": patient,
            "episode": episode,
            "form": form,
            "changes": episode.news2_changes.select_related("by"),
        },
    )
