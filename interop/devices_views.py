"""Device vitals on the bedside page, and the messages no nurse could use.

The bedside page (patients/) loads `device_vitals` with hx-get: the chart
does not import interop, and the URL lives here. Confirming shows the
ordinary vitals form, pre-filled, in the page's entry panel; saving it
charts through the chart's service and marks the set confirmed.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe
from django_htmx.http import reswap, trigger_client_event

from crsmonitor.policy import may
from patients import access, selectors
from patients import forms as chart_forms
from patients.models import Episode, Patient

from . import devices_services
from .devices_forms import DiscardForm
from .models import DeviceVitalsSet, InboundMessage

CHANGED = "deviceVitalsChanged"


def _episode_of(patient: Patient) -> Episode | None:
    episode = Episode.objects.active().filter(patient=patient).first()
    if episode is not None:
        episode.patient = patient
    return episode


def _pending_set(request: HttpRequest, patient_id: int, set_id: int):
    """(patient, episode, set) if this user may chart on the patient; 404/403 otherwise."""
    patient = access.patient_for(request.user, patient_id)
    if not may(request.user, "chart"):
        raise PermissionDenied("Only nurses and physicians chart monitor values.")
    episode = _episode_of(patient)
    if episode is None:
        raise Http404("This patient has no active CAR-T episode.")
    vitals_set = get_object_or_404(
        DeviceVitalsSet.objects.select_related("message", "resolved_by").prefetch_related(
            "observations"
        ),
        pk=set_id,
        episode=episode,
    )
    return patient, episode, vitals_set


def _set_context(patient, vitals_set, now, **extra) -> dict:
    return {
        "patient": patient,
        "device_set": vitals_set,
        "stale": devices_services.is_stale(vitals_set, now),
        "stale_hours": int(devices_services.STALE_AFTER.total_seconds() // 3600),
        "now": now,
        **extra,
    }


@require_safe
def device_vitals(request: HttpRequest, patient_id: int) -> HttpResponse:
    """The pending monitor values of a patient: a fragment of the bedside page."""
    patient = access.patient_for(request.user, patient_id)
    episode = _episode_of(patient)
    now = timezone.now()
    with timezone.override(patient.ward.tzinfo):
        pending = devices_services.pending_sets(episode) if episode else []
        context = {
            "patient": patient,
            "episode": episode,
            "pending": [(s, devices_services.is_stale(s, now)) for s in pending],
            "can_chart": may(request.user, "chart"),
            "stale_hours": int(devices_services.STALE_AFTER.total_seconds() // 3600),
            "now": now,
        }
        template = "interop/device_vitals.html"
        return render(request, f"{template}#pending" if request.htmx else template, context)


@require_http_methods(["GET", "POST"])
def device_vitals_confirm(request: HttpRequest, patient_id: int, set_id: int) -> HttpResponse:
    patient, episode, vitals_set = _pending_set(request, patient_id, set_id)
    now = timezone.now()
    with timezone.override(patient.ward.tzinfo):
        if not vitals_set.is_pending:
            return _already(request, patient, vitals_set, now)
        form = chart_forms.VitalsForm(
            request.POST if request.method == "POST" else None,
            episode=episode,
            support=selectors.carried_support(episode),
            initial=devices_services.form_values(vitals_set),
        )
        if form.is_valid():
            try:
                vitals = devices_services.confirm(
                    vitals_set,
                    by=request.user,
                    idempotency_key=form.cleaned_data["idempotency_key"],
                    **form.chart_values(),
                )
            except ValidationError as error:
                chart_forms.add_service_errors(form, error)
            else:
                return _charted(request, patient, episode, vitals)
        context = _set_context(
            patient,
            vitals_set,
            now,
            form=form,
            episode=episode,
            form_action=request.path,
            form_preamble="interop/_device_set_banner.html",
            vitals_save_label="Chart these vitals",
        )
        if request.htmx:
            return render(request, "patients/vitals_form.html", context)
        return render(request, "interop/device_vitals_confirm.html", context)


def _charted(request: HttpRequest, patient: Patient, episode: Episode, vitals) -> HttpResponse:
    if not request.htmx:
        messages.success(request, "Charted: the monitor's vitals, as you checked them.")
        return redirect("bedside", patient.pk)
    context = {
        "patient": patient,
        "episode": episode,
        "what": "vitals from the monitor",
        "rows": [selectors.dressed(vitals, episode)],
        "now": timezone.now(),
    }
    response = render(request, "patients/_saved.html", context)
    response = reswap(response, "innerHTML show:window:top")
    return trigger_client_event(trigger_client_event(response, "chartChanged"), CHANGED)


def _already(request, patient, vitals_set, now) -> HttpResponse:
    """Another nurse (or another tab) answered first: say so, change nothing."""
    context = _set_context(patient, vitals_set, now)
    template = "interop/_device_set_resolved.html"
    if not request.htmx:
        template = "interop/device_vitals_resolved.html"
    return trigger_client_event(render(request, template, context), CHANGED)


@require_http_methods(["GET", "POST"])
def device_vitals_discard(request: HttpRequest, patient_id: int, set_id: int) -> HttpResponse:
    patient, episode, vitals_set = _pending_set(request, patient_id, set_id)
    now = timezone.now()
    with timezone.override(patient.ward.tzinfo):
        if not vitals_set.is_pending:
            return _already(request, patient, vitals_set, now)
        form = DiscardForm(request.POST if request.method == "POST" else None)
        if form.is_valid():
            try:
                devices_services.discard(vitals_set, by=request.user, reason=form.full_reason)
            except ValidationError as error:
                form.add_error(None, error.messages)
            else:
                if not request.htmx:
                    messages.success(request, "Set aside: the monitor's values were not charted.")
                    return redirect("bedside", patient.pk)
                vitals_set.refresh_from_db()
                context = _set_context(patient, vitals_set, now)
                response = render(request, "interop/_device_set_resolved.html", context)
                return trigger_client_event(response, CHANGED)
        context = _set_context(patient, vitals_set, now, discard_form=form)
        if request.htmx:
            return render(request, "interop/device_vitals_discard.html#form", context)
        return render(request, "interop/device_vitals_discard.html", context)


@require_safe
def device_messages(request: HttpRequest) -> HttpResponse:
    """HL7 messages as received, those that reached no nurse first (or all of them)."""
    if not may(request.user, "review_device_messages"):
        raise PermissionDenied("Physicians and administrators review the monitors' messages.")
    everything = request.GET.get("all") == "1"
    found = InboundMessage.objects.select_related("patient")
    if not everything:
        found = found.filter(outcome__in=InboundMessage.PROBLEMS)
    page = Paginator(found, 50).get_page(request.GET.get("page"))
    context = {"page": page, "everything": everything, "problems": InboundMessage.PROBLEMS}
    return render(request, "interop/device_messages.html", context)
