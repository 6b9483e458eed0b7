"""The protocol pages: a ward's (for new episodes, then applied to the active
ones in a separate step) and one episode's (clinical-rules section 4, r2)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from crsmonitor.policy import may
from patients import access
from patients.forms import add_service_errors
from patients.models import Episode

from . import protocol_services
from .forms import ApplyProtocolForm, EpisodeProtocolForm, ProtocolForm
from .rules import PROTOCOLS
from .views import in_ward_time

ONLY_PHYSICIANS = "Only a physician changes a protocol."


def _may_change(user) -> bool:
    return may(user, "change_protocol")


def _protocols():
    return sorted(PROTOCOLS.values(), key=lambda p: p.code)


def _apply_form(ward, data=None) -> ApplyProtocolForm:
    pending = protocol_services.episodes_on_another_protocol(ward)
    latest = ward.protocol_changes.filter(protocol=ward.protocol).first()
    return ApplyProtocolForm(
        data,
        episodes=pending,
        initial={
            "protocol": ward.protocol,
            "episodes": list(pending),
            "reason": latest.reason if latest else "",
        },
    )


# How a refusal names each field at the top of the page.
FIELD_NAMES = {
    "protocol": "Protocol",
    "reason": "Reason",
    "confirm": "Confirmation",
    "episodes": "Patients",
}


def _problems(*forms) -> list[tuple[str, str, str]]:
    """(form anchor, field name, message) for every refusal, so a physician
    sees it without scrolling to the form."""
    return [
        (anchor, FIELD_NAMES.get(field, ""), message)
        for anchor, form in forms
        if form.is_bound
        for field, messages in form.errors.items()
        for message in messages
    ]


def _ward_page(request, ward, *, form=None, apply_form=None):
    form = form or ProtocolForm(initial={"protocol": ward.protocol})
    apply_form = apply_form or _apply_form(ward)
    return render(
        request,
        "grading/ward_protocol.html",
        {
            "ward": ward,
            "form": form,
            "apply_form": apply_form,
            "problems": _problems(("change", form), ("apply", apply_form)),
            "pending": list(apply_form.fields["episodes"].queryset),
            "protocols": _protocols(),
            "changes": ward.protocol_changes.select_related("by").prefetch_related(
                "episode_changes__episode__patient"
            )[:50],
        },
    )


def ward_protocol(request, ward_id: int):
    ward = access.ward_for(request.user, ward_id)
    in_ward_time(ward)
    if request.method != "POST":
        return _ward_page(request, ward)
    if not _may_change(request.user):
        raise PermissionDenied(ONLY_PHYSICIANS)
    form = ProtocolForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            protocol_services.ward_protocol_set(
                ward, protocol=data["protocol"], reason=data["reason"], by=request.user
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                f"New episodes on {ward.name} start under protocol {data['protocol']}. "
                "Patients already on the ward keep theirs until you apply it to them below.",
            )
            return redirect("ward_protocol", ward_id=ward.pk)
    return _ward_page(request, ward, form=form)


@require_POST
def ward_protocol_apply(request, ward_id: int):
    ward = access.ward_for(request.user, ward_id)
    in_ward_time(ward)
    if not _may_change(request.user):
        raise PermissionDenied(ONLY_PHYSICIANS)
    form = _apply_form(ward, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            changes = protocol_services.ward_protocol_apply_to_active(
                ward,
                protocol=data["protocol"],
                episode_ids=[episode.pk for episode in data["episodes"]],
                reason=data["reason"],
                by=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            names = ", ".join(change.episode.patient.display_name for change in changes)
            messages.success(request, f"Protocol {ward.protocol} now applies to {names}.")
            return redirect("ward_protocol", ward_id=ward.pk)
    return _ward_page(request, ward, apply_form=form)


def episode_protocol(request, patient_id: int):
    patient = access.patient_for(request.user, patient_id)
    in_ward_time(patient.ward)
    episode = get_object_or_404(Episode.objects.active(), patient=patient)
    if request.method == "POST" and not _may_change(request.user):
        raise PermissionDenied(ONLY_PHYSICIANS)
    form = EpisodeProtocolForm(request.POST or None, initial={"protocol": episode.protocol})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            protocol_services.episode_protocol_set(
                episode, protocol=data["protocol"], reason=data["reason"], by=request.user
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, f"{patient.display_name} now follows protocol {data['protocol']}."
            )
            return redirect("patient_detail", patient_id=patient.pk)
    return render(
        request,
        "grading/episode_protocol.html",
        {
            "patient": patient,
            "episode": episode,
            "form": form,
            "protocols": _protocols(),
            "changes": episode.protocol_changes.select_related("by", "ward_change"),
        },
    )
