"""Dose recording through the one dose check, the bedside "drug given" form,
and the pharmacist's queue."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from crsmonitor.policy import may
from patients import access
from patients.forms import add_service_errors
from patients.models import Episode, MedicationAdministration
from patients.views import _bedside_for, _entry_response, _form_data, _saved

from . import dose_services, selectors
from .forms import PROTOCOL_DRUGS, CheckedDrugForm, DoseForm, StockForm
from .models import BlockedDose
from .rules.steroids import ADULT_FROM_YEARS
from .views import back, in_ward_time


def _active_episode(request, patient_id: int) -> Episode:
    """The patient's active episode if this user may see the patient (404 otherwise)."""
    patient = access.patient_for(request.user, patient_id)
    in_ward_time(patient.ward)
    return get_object_or_404(
        Episode.objects.active().select_related("patient__ward"), patient=patient
    )


def _chart_through_check(request, form, episode: Episode, values: dict):
    """(the dose saved, or None; what the dose check refused, or None).

    A nurse's reason counts only for a dose she ticks as already given and
    that was given long enough ago to be a late entry: otherwise only a
    physician or pharmacist overrides a block.
    """
    answers = form.check_answers()
    may_override = may(request.user, "override_dose_block")
    late = dose_services.is_late_entry(values["observed_at"])
    if not (may_override or (late and dose_services.ALREADY_GIVEN in answers["confirmed"])):
        answers["override_reason"] = ""
    try:
        medication = dose_services.dose_record(
            episode=episode,
            by=request.user,
            idempotency_key=form.cleaned_data["idempotency_key"],
            **values,
            **answers,
        )
    except dose_services.DoseNotCleared as refused:
        return None, refused
    except PermissionDenied as denied:
        form.add_error(None, str(denied))
    except ValidationError as error:
        add_service_errors(form, error)
    else:
        return medication, None
    return None, None


def record_dose(request, patient_id: int):
    episode = _active_episode(request, patient_id)
    if not may(request.user, "record_dose"):
        raise PermissionDenied("Only nurses, physicians and pharmacists record doses.")
    summary, steroids = selectors.dose_summary(episode)
    child = episode.patient.age_years(timezone.now()) < ADULT_FROM_YEARS
    hints = selectors.dose_hints(
        summary, steroids, [code for code, _ in PROTOCOL_DRUGS], child=child
    )
    computed = {h.drug: h.computed_mg for h in hints if h.computed_mg is not None}
    initial = {"drug": "tocilizumab"}
    if "tocilizumab" in computed:
        # Start from the computed dose; the nurse confirms or changes it.
        initial |= {"dose_mg": computed["tocilizumab"], "computed_for": "tocilizumab"}
    form = DoseForm(request.POST or None, initial=initial, computed=computed)
    refused = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        values = {key: data[key] for key in ("drug", "dose_mg", "route", "observed_at")}
        medication, refused = _chart_through_check(request, form, episode, values)
        if medication is not None:
            messages.success(request, f"{medication.drug_name} {medication.dose_mg:g} mg recorded.")
            return redirect("patient_detail", patient_id=patient_id)
    chosen = form["drug"].value() or "tocilizumab"
    return render(
        request,
        "grading/record_dose.html",
        {
            "patient": episode.patient,
            "episode": episode,
            "form": form,
            "refused": refused,
            "doses": summary,
            "steroids": steroids,
            "hints": hints,
            "chosen": chosen,
        },
        status=409 if refused else 200,
    )


@require_http_methods(["GET", "POST"])
def drug_entry(request, patient_id: int):
    """The bedside "drug given" form: charted through the same dose check as
    the dose page. A refusal comes back as the form (status 200, so the page
    swaps it in), with what was typed."""
    chart = _bedside_for(request, patient_id, entry=True)
    with timezone.override(chart.patient.ward.tzinfo):
        form = CheckedDrugForm(_form_data(request), episode=chart.episode)
        refused = None
        if form.is_valid():
            medication, refused = _chart_through_check(
                request, form, chart.episode, form.chart_values()
            )
            if medication is not None:
                return _saved(request, chart, "drug given", [medication])
        return _entry_response(
            request,
            chart,
            "patients/drug_form.html",
            form,
            refused=refused,
        )


@require_safe
def pharmacy_queue(request):
    if not may(request.user, "see_dose_checks"):
        raise PermissionDenied("The dose queue is for pharmacists and physicians.")
    return render(
        request,
        "grading/pharmacy_queue.html",
        {
            "episodes": selectors.pharmacy_rows(request.user),
        },
    )


@require_POST
def verify_dose(request, medication_id: int):
    medication = get_object_or_404(
        MedicationAdministration.objects.filter(
            episode__patient__in=access.visible_patients(request.user)
        ).select_related("override__by", "verification__by", "given_by", "confirmation"),
        pk=medication_id,
    )
    try:
        dose_services.dose_verify(medication, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    if request.htmx:
        # Swap this row only: the pharmacist keeps her place in the queue.
        medication = MedicationAdministration.objects.select_related(
            "override__by", "verification__by", "given_by", "confirmation"
        ).get(pk=medication.pk)
        return render(request, "grading/pharmacy_queue.html#dose_row", {"m": medication})
    return back(request, "pharmacy_queue")


@require_POST
def review_blocked_dose(request, blocked_id: int):
    blocked = get_object_or_404(
        BlockedDose.objects.filter(episode__patient__in=access.visible_patients(request.user)),
        pk=blocked_id,
    )
    blocked = dose_services.blocked_dose_review(blocked, by=request.user)
    if request.htmx:
        return render(request, "grading/pharmacy_queue.html#blocked_row", {"b": blocked})
    return back(request, "pharmacy_queue")


@require_POST
def record_stock(request, patient_id: int):
    episode = _active_episode(request, patient_id)
    if not may(request.user, "record_stock"):
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
