"""The life of prompts: raised and resolved by regrades, answered by physicians."""

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from crsmonitor.roles import PHYSICIAN, has_role
from patients.models import Episode

from . import rules
from .models import Prompt, PromptResponse


def sync_prompts(episode: Episode, found: tuple[rules.Prompt, ...], at: datetime) -> None:
    """Make the episode's live prompts match the conditions that hold at `at`.

    Runs inside regrade's lock on the episode, so two regrades cannot raise the
    same prompt twice (a unique constraint backs this up).
    """
    live = {prompt.code: prompt for prompt in episode.prompts.exclude(state=Prompt.RESOLVED)}
    holding = {prompt.code: prompt for prompt in found}
    for code, prompt in live.items():
        if code not in holding:
            prompt.state, prompt.resolved_at = Prompt.RESOLVED, at
            prompt.save(update_fields=["state", "resolved_at"])
            continue
        # Keep the words current: the computed dose or the fever time may move.
        now = holding[code]
        fresh = (now.severity, now.text, now.source, now.dose_text or "")
        if fresh != (prompt.severity, prompt.text, prompt.source, prompt.dose_text):
            prompt.severity, prompt.text, prompt.source, prompt.dose_text = fresh
            prompt.save(update_fields=["severity", "text", "source", "dose_text"])
    Prompt.objects.bulk_create(
        Prompt(
            episode=episode,
            code=code,
            severity=prompt.severity,
            text=prompt.text,
            source=prompt.source,
            dose_text=prompt.dose_text or "",
            raised_at=at,
        )
        for code, prompt in holding.items()
        if code not in live
    )


@transaction.atomic
def prompt_respond(prompt: Prompt, *, by, response: str, reason: str = "") -> PromptResponse:
    """A physician answers a prompt; it stays live until its condition clears."""
    if not has_role(by, PHYSICIAN):
        raise PermissionDenied("Only a physician answers a prompt.")
    prompt = Prompt.objects.select_for_update().get(pk=prompt.pk)
    if prompt.state == Prompt.RESOLVED:
        raise ValidationError("This prompt has already resolved: its condition cleared.")
    answer = PromptResponse(prompt=prompt, response=response, reason=reason.strip(), by=by)
    if response == "not_indicated" and not answer.reason:
        raise ValidationError({"reason": "Say why it is not indicated."})
    answer.full_clean()
    answer.save()
    if response != "deferred":
        prompt.state = Prompt.ACKNOWLEDGED
        prompt.save(update_fields=["state"])
    return answer
