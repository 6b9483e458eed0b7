from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST, require_safe

from crsmonitor.policy import may
from patients import access
from patients.models import Episode

from . import prompt_services, selectors
from .forms import PromptResponseForm
from .models import Prompt
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
            "pending": bool(episode and selectors.regrade_pending(episode)),
        },
    )


@require_POST
def respond_to_prompt(request, prompt_id: int):
    prompt = get_object_or_404(
        Prompt.objects.filter(episode__patient__in=access.visible_patients(request.user)),
        pk=prompt_id,
    )
    if not may(request.user, "answer_prompts"):
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
