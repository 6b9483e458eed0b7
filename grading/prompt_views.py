from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST, require_safe

from crsmonitor.roles import PHYSICIAN, has_role
from patients import access
from patients.models import Episode

from . import prompt_services, protocol_services, selectors
from .forms import PromptResponseForm, ProtocolForm
from .models import Prompt
from .rules import PROTOCOLS
from .views import back, in_ward_time


@require_safe
def bedside_prompts(request, patient_id: int):
    """The live prompts for the bedside page, with what the nurse does now.

    The bedside page loads it with hx-get (the chart does not import
    grading) and reloads it with every save; while a regrade is pending it
    polls itself, like the grade panel, so it never shows yesterday's advice
    as current.
    """
    patient = access.patient_for(request.user, patient_id)
    in_ward_time(patient.ward)
    episode = Episode.objects.active().filter(patient=patient).first()
    prompts = selectors.live_prompts(episode) if episode else []
    waiting = [prompt for prompt in prompts if prompt.state == Prompt.OPEN]
    return render(
        request,
        "grading/_bedside_prompts.html",
        {
            "patient": patient,
            "episode": episode,
            "waiting": waiting,
            "answered": [prompt for prompt in prompts if prompt.state == Prompt.ACKNOWLEDGED],
            "call_now": [prompt for prompt in waiting if prompt.call_now],
            "may_respond": has_role(request.user, PHYSICIAN),
            "pending": bool(episode and selectors.regrade_pending(episode)),
        },
    )


@require_POST
def respond_to_prompt(request, prompt_id: int):
    prompt = get_object_or_404(
        Prompt.objects.filter(episode__patient__in=access.visible_patients(request.user)),
        pk=prompt_id,
    )
    if not has_role(request.user, PHYSICIAN):
        raise PermissionDenied("Only a physician answers a prompt.")
    form = PromptResponseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _first_error(form))
    else:
        try:
            prompt_services.prompt_respond(prompt, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"Response recorded for “{prompt.code}”.")
    return back(request, "home")


def _first_error(form) -> str:
    field, errors = next(iter(form.errors.items()))
    label = form.fields[field].label if field in form.fields else ""
    return f"{label}: {errors[0]}" if label else errors[0]


def ward_protocol(request, ward_id: int):
    ward = access.ward_for(request.user, ward_id)
    if request.method == "POST" and not has_role(request.user, PHYSICIAN):
        raise PermissionDenied("Only a physician changes a ward's protocol.")
    form = ProtocolForm(request.POST or None, initial={"protocol": ward.protocol})
    if request.method == "POST" and form.is_valid():
        try:
            protocol_services.ward_protocol_set(ward, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error("protocol", error.messages)
        else:
            messages.success(
                request, f"{ward.name} now follows protocol {form.cleaned_data['protocol']}."
            )
            return redirect("ward_protocol", ward_id=ward.pk)
    return render(
        request,
        "grading/ward_protocol.html",
        {
            "ward": ward,
            "form": form,
            "protocols": sorted(PROTOCOLS.values(), key=lambda p: p.code),
            "changes": ward.protocol_changes.select_related("by")[:50],
            "may_change": has_role(request.user, PHYSICIAN),
        },
    )
