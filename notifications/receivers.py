"""Notifications listen to grading. A failure here is logged, never raised:
telling people must not turn a saved chart entry into an error."""

import logging

from grading.signals import assessment_written, prompt_answered, prompts_opened

from . import services

log = logging.getLogger(__name__)


def _on_assessment(sender, *, episode_id, acuity, previous_acuity, **kwargs) -> None:
    try:
        services.on_assessment(
            episode_id=episode_id, acuity=acuity, previous_acuity=previous_acuity
        )
    except Exception:
        log.exception("notifications for the assessment of episode %s failed", episode_id)


def _on_prompts(sender, *, episode_id, prompt_ids, **kwargs) -> None:
    try:
        services.on_prompts_opened(episode_id=episode_id, prompt_ids=prompt_ids)
    except Exception:
        log.exception("notifications for the prompts of episode %s failed", episode_id)


def _on_answer(sender, *, prompt_id, by_id, **kwargs) -> None:
    try:
        services.on_prompt_answered(prompt_id=prompt_id, by_id=by_id)
    except Exception:
        log.exception("acknowledging the alerts of prompt %s failed", prompt_id)


assessment_written.connect(_on_assessment, dispatch_uid="notifications.assessment")
prompts_opened.connect(_on_prompts, dispatch_uid="notifications.prompts")
prompt_answered.connect(_on_answer, dispatch_uid="notifications.answer")
