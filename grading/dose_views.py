"""Dose recording against the protocol's limits, and the pharmacist's queue."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST, require_safe

from crsmonitor.roles import MAY_OVERRIDE_DOSE_BLOCKS, NURSE, PHARMACIST, PHYSICIAN, has_role
from patients import access
from patients.forms import add_service_errors
from patients.models import Episode, MedicationAdministration

from . import dose_services, selectors
from .forms import DoseForm, StockForm
from .views import back, in_ward_time

MAY_RECORD_DOSES = (NURSE, PHYSICIAN, PHARMACIST)


def _active_episode(request, patient_id: int) -> Episode:
    """The patient's active episode if this user may see the patient (404 otherwise)."""
    patient = access.patient_for(request.user, patient_id)
    in_ward_time(patient.ward)
    return get_object_or_404(
        Episode.objects.active().select_related("patient__ward"), patient=patient
    )


def record_dose(request, patient_id: int):
    episode = _active_episode(request, patient_id)
    if not has_role(request.user, *MAY_RECORD_DOSES):
        raise PermissionDenied("Only nurses, physicians and pharmacists record doses.")
    may_override = has_role(request.user, *MAY_OVERRIDE_DOSE_BLOCKS)
    summary, steroids = selectors.dose_summary(episode)
    form = DoseForm(
        request.POST or None,
        # Start from the computed tocilizumab dose; the nurse confirms or changes it.
        initial={"drug": "tocilizumab", "dose_mg": summary.tocilizumab.dose_mg},
    )
    blocks = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            dose_services.dose_record(
                episode=episode,
                drug=data["drug"],
                dose_mg=data["dose_mg"],
                route=data["route"],
                observed_at=data["observed_at"],
                override_reason=data["override_reason"] if may_override else "",
                by=request.user,
            )
        except dose_services.DoseBlocked as blocked:
            blocks = blocked.reasons
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, f"{data['drug'].capitalize()} {data['dose_mg']:g} mg recorded."
            )
            return redirect("patient_detail", patient_id=patient_id)
    return render(
        request,
        "grading/record_dose.html",
        {
            "patient": episode.patient,
            "episode": episode,
            "form": form,
            "blocks": blocks,
            "may_override": may_override,
            "doses": summary,
            "steroids": steroids,
        },
        status=409 if blocks else 200,
    )


@require_safe
def pharmacy_queue(request):
    if not has_role(request.user, PHARMACIST, PHYSICIAN):
        raise PermissionDenied("The dose queue is for pharmacists and physicians.")
    return render(
        request, "grading/pharmacy_queue.html", {"episodes": selectors.pharmacy_rows(request.user)}
    )


@require_POST
def verify_dose(request, medication_id: int):
    medication = get_object_or_404(
        MedicationAdministration.objects.filter(
            episode__patient__in=access.visible_patients(request.user)
        ),
        pk=medication_id,
    )
    try:
        dose_services.dose_verify(medication, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return back(request, "pharmacy_queue")


@require_POST
def record_stock(request, patient_id: int):
    episode = _active_episode(request, patient_id)
    if not has_role(request.user, PHARMACIST):
        raise PermissionDenied("Only a pharmacist records the tocilizumab on site.")
    form = StockForm(request.POST)
    if form.is_valid():
        dose_services.stock_record(
            episode=episode, doses_on_site=form.cleaned_data["doses_on_site"], by=request.user
        )
        messages.success(request, "Tocilizumab on site recorded.")
    else:
        messages.error(request, "Doses on site: " + " ".join(form.errors["doses_on_site"]))
    return back(request, "pharmacy_queue")
