"""Early-warning prompts from NEWS2 (clinical-rules.md section 6 r2, 13.2)."""

from .situation import Prompt, Situation, make

NEWS2_SOURCE = "RCP NEWS2 2017"


def news2_urgent(s: Situation) -> Prompt | None:
    # RCP 2017 clinical response: 5-6, or a single parameter scoring 3, is an
    # urgent review within 1 h; at >= 7 only news2_emergency (section 13.2).
    score = s.news2
    if score.band not in ("medium", "low_medium"):
        return None
    text = f"{score.reason}: urgent clinical review within 1 hour"
    return make("news2_urgent", text, NEWS2_SOURCE)


def news2_emergency(s: Situation) -> Prompt | None:
    # RCP 2017 clinical response: >= 7 is an emergency assessment by a
    # critical-care competent team, with continuous monitoring.
    score = s.news2
    if score.band != "high":
        return None
    text = f"{score.reason}: emergency assessment now and continuous monitoring"
    return make("news2_emergency", text, NEWS2_SOURCE)
