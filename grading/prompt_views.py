from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from crsmonitor.roles import PHYSICIAN, has_role
from patients import access

from . import prompt_services, protocol_services
from .forms import PromptResponseForm, ProtocolForm
from .models import Prompt
from .rules import PROTOCOLS
from .views import back


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
