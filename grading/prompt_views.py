from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_POST

from crsmonitor.roles import PHYSICIAN, has_role
from patients import access

from . import prompt_services
from .forms import PromptResponseForm
from .models import Prompt
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
