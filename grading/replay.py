"""Replaying a stored assessment: its stored inputs through today's rules,
and whether today's rules agree with what was stored then (DESIGN: every
grade explains itself and can be replayed)."""

from .models import Assessment
from .rules import RULES_VERSION, evaluate
from .rules.case import evaluation_to_json, parse_case


def judgement(result: dict) -> dict:
    """What a replay compares: the grades, the course, acuity, NEWS2, the
    tocilizumab decision and the prompts raised. Reasons are words and times
    in the ward's clock, so they are shown but not compared."""
    toci = result.get("tocilizumab", {})
    return {
        "crs.grade": result["crs"]["grade"],
        "crs.status": result["crs"].get("status"),
        "icans.grade": result["icans"]["grade"],
        "acuity.level": result.get("acuity", {}).get("level"),
        "news2.score": result.get("news2", {}).get("score"),
        "tocilizumab.may_give_now": toci.get("may_give_now"),
        "tocilizumab.blocked_because": sorted(toci.get("blocked_because", [])),
        "prompts": sorted(f"{p['code']}:{p['severity']}" for p in result.get("prompts", [])),
    }


def replay(assessment: Assessment) -> dict:
    """Raises ValueError when the assessment was stored without its inputs."""
    if not assessment.inputs:
        raise ValueError(
            f"assessment {assessment.pk} was stored without its inputs (graded by"
            f" {assessment.rules_version}, before inputs were kept): it cannot be replayed"
        )
    now = evaluation_to_json(evaluate(parse_case(assessment.inputs)))
    then, today = judgement(assessment.details), judgement(now)
    return {
        "assessment": assessment.pk,
        "at": now["at"],
        "stored_rules_version": assessment.rules_version,
        "rules_version": RULES_VERSION,
        "agrees": then == today,
        "differences": [
            {"what": key, "stored": then[key], "today": today[key]}
            for key in then
            if then[key] != today[key]
        ],
        "result": now,
    }
