"""The life of prompts: raised, escalated and resolved by regrades, answered by
physicians (clinical-rules.md section 6, r2: a prompt follows its condition)."""

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from crsmonitor.policy import may
from patients.models import Episode

from . import rules
from .models import Prompt, PromptResponse
from .signals import prompt_answered, prompts_opened

# The grade that raises each prompt code: its rise re-asks the question, so a
# "not indicated" answered at CRS grade 3 does not stand at grade 4. None for
# prompts no grade raises (a fever, a lab, the clock): only their severity or
# dose escalates them.
RAISED_BY: dict[str, str | None] = {
    "tocilizumab_indicated": Prompt.CRS,
    "tocilizumab_consider": Prompt.CRS,
    "tocilizumab_repeat_on_hold": Prompt.CRS,
    "tocilizumab_limit_reached": Prompt.CRS,
    "dexamethasone": Prompt.CRS,
    "methylprednisolone": Prompt.CRS,
    "icu_transfer": Prompt.CRS,
    "refractory_options": Prompt.CRS,
    "hemoperfusion_consider": Prompt.CRS,
    "telemetry": Prompt.CRS,
    "echocardiogram_consider": Prompt.CRS,
    "icans_present": Prompt.ICANS,
    "icans_management": Prompt.ICANS,
    "seizure_prophylaxis_consider": Prompt.ICANS,
    "infection_workup": None,
    "assess_oxygen": None,
    "evaluate_other_causes": None,
    "antifungal_prophylaxis": None,
    "gm_csf_contraindicated": None,
    "grading_overdue": None,
    "neuro_overdue": None,
    "toci_lab_monitoring": None,
    "febrile_neutropenia": None,
    "news2_urgent": None,
    "news2_emergency": None,
    "icans_risk_high": None,
    "iec_hs_consider": None,
}


def raised_by(code: str) -> str | None:
    """The scale whose grade raises `code`. A code not listed yet is taken to
    follow a grade (ICANS for ICANS and seizure codes, CRS otherwise): asking
    again when a grade rises is the safe side of not knowing."""
    if code in RAISED_BY:
        return RAISED_BY[code]
    return Prompt.ICANS if code.startswith(("icans", "seizure")) else Prompt.CRS


def _rank(severity: str) -> int:
    order = [code for code, _ in Prompt.SEVERITIES]
    # A severity this build does not know yet ranks as the most severe.
    return order.index(severity) if severity in order else -1


def _escalation(live: Prompt, now: rules.Prompt, grade: int | None) -> list[str]:
    """What makes `now` a new question rather than the live one restated."""
    why = []
    if _rank(now.severity) < _rank(live.severity):
        why.append(f"severity {live.severity} → {now.severity}")
    if live.grade is not None and grade is not None and grade > live.grade:
        why.append(f"{live.grade_scale} grade {live.grade} → {grade}")
    if now.dose_text and now.dose_text != live.dose_text:
        why.append(f"dose was: {live.dose_text}" if live.dose_text else "a dose is now recommended")
    return why


def sync_prompts(
    episode: Episode, found: tuple[rules.Prompt, ...], at: datetime, grades: dict[str, int]
) -> None:
    """Make the episode's live prompts match the conditions that hold at `at`.

    `grades` is the evaluation's {"CRS": n, "ICANS": n}. A prompt whose
    condition cleared resolves; one that escalated is superseded by a new open
    instance; one that says the same (or less) is kept, its words brought up
    to date. Runs inside regrade's lock on the episode, so two regrades cannot
    raise the same prompt twice (a partial unique constraint backs this up).
    """
    live = {prompt.code: prompt for prompt in episode.prompts.select_for_update().live()}
    holding = {prompt.code: prompt for prompt in found}
    raised: list[Prompt] = []
    for code, prompt in live.items():
        if code not in holding:
            prompt.state, prompt.resolved_at = Prompt.RESOLVED, at
            prompt.save(update_fields=["state", "resolved_at"])
            continue
        now = holding[code]
        scale = raised_by(code)
        grade = grades.get(scale) if scale else None
        why = _escalation(prompt, now, grade)
        if why:
            prompt.state, prompt.resolved_at = Prompt.SUPERSEDED, at
            prompt.save(update_fields=["state", "resolved_at"])
            raised.append(_new(episode, now, at, scale, grade, prompt, "; ".join(why)))
            continue
        # The same question: keep the instance and its answer, with current
        # words (the fever time moves) and the grade it now stands at, so a
        # later rise is measured from here.
        fresh = (now.severity, now.text, now.source, now.dose_text or "", scale or "", grade)
        if fresh != (
            prompt.severity,
            prompt.text,
            prompt.source,
            prompt.dose_text,
            prompt.grade_scale,
            prompt.grade,
        ):
            (
                prompt.severity,
                prompt.text,
                prompt.source,
                prompt.dose_text,
                prompt.grade_scale,
                prompt.grade,
            ) = fresh
            prompt.save(
                update_fields=["severity", "text", "source", "dose_text", "grade_scale", "grade"]
            )
    for code, now in holding.items():
        if code not in live:
            scale = raised_by(code)
            raised.append(_new(episode, now, at, scale, grades.get(scale) if scale else None))
    Prompt.objects.bulk_create(raised)
    if raised:
        opened = {"episode_id": episode.pk, "prompt_ids": [prompt.pk for prompt in raised]}
        transaction.on_commit(lambda: prompts_opened.send(sender=Prompt, **opened))


def _new(
    episode: Episode,
    found: rules.Prompt,
    at: datetime,
    scale: str | None,
    grade: int | None,
    supersedes: Prompt | None = None,
    because: str = "",
) -> Prompt:
    return Prompt(
        episode=episode,
        code=found.code,
        severity=found.severity,
        text=found.text,
        source=found.source,
        dose_text=found.dose_text or "",
        raised_at=at,
        grade_scale=scale or "",
        grade=grade,
        supersedes=supersedes,
        raised_again_because=because,
    )


@transaction.atomic
def prompt_respond(prompt: Prompt, *, by, response: str, reason: str = "") -> PromptResponse:
    """A physician answers a prompt; it stays live until its condition clears
    or escalates."""
    if not may(by, "answer_prompts"):
        raise PermissionDenied("Only a physician answers a prompt.")
    prompt = Prompt.objects.select_for_update().get(pk=prompt.pk)
    if prompt.state == Prompt.RESOLVED:
        raise ValidationError("This prompt has already resolved: its condition cleared.")
    if prompt.state == Prompt.SUPERSEDED:
        raise ValidationError(
            "This prompt has escalated since it was shown and was raised again: answer the new one."
        )
    answer = PromptResponse(
        prompt=prompt, response=response, reason=reason.strip(), by=by, grade=prompt.grade
    )
    if response == "not_indicated" and not answer.reason:
        raise ValidationError({"reason": "Say why it is not indicated."})
    answer.full_clean()
    answer.save()
    if response != "deferred":
        prompt.state = Prompt.ACKNOWLEDGED
        prompt.save(update_fields=["state"])
    answered = {"prompt_id": prompt.pk, "response_id": answer.pk, "by_id": by.pk}
    transaction.on_commit(lambda: prompt_answered.send(sender=Prompt, **answered))
    return answer
