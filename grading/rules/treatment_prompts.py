"""Treatment prompts: tocilizumab, steroids, ICU, refractory CRS
(clinical-rules.md section 6). Each function is one prompt code: a pure
condition "is this prompt open at T", returning the prompt or None. Protocol
differences come from the protocol's data, never from its code."""

from datetime import timedelta

from .circulation import counted_vasopressors, latest_vitals, running_vasopressors
from .conditions import CONDITIONS
from .situation import TOCILIZUMAB_SOURCE, Prompt, Situation, make
from .steroids import steroid_recommendations
from .tocilizumab import doses, max_total, min_interval, warning_words
from .wording import hours, number

# Clinical-rules.md section 6: "grade >= 3 persisting after tocilizumab and
# steroids" is refractory CRS (both seeds list options for it).
REFRACTORY_FROM_GRADE = 3


def _repeat_on_hold(s: Situation) -> str | None:
    # Seed 001, Grades 3-4: a repeat dose only in the absence of ICANS.
    from_grade = s.protocol.tocilizumab_repeat_needs_no_icans_from_grade
    if from_grade is None or s.crs.grade < from_grade:
        return None
    if s.icans.grade >= 1 and s.toci.doses_total >= 1:
        return (
            f"protocol {s.protocol.code} gives no repeat dose at CRS grade {from_grade} or above"
            f" while ICANS is present"
        )
    return None


def tocilizumab_indicated(s: Situation) -> Prompt | None:
    # Both seeds: tocilizumab from CRS grade 2, within the limits.
    if s.crs.grade < 2 or not s.toci.may_give_now or _repeat_on_hold(s):
        return None
    text = f"CRS grade {s.crs.grade}: tocilizumab indicated, {s.toci_dose_text}"
    if s.toci.doses_total:
        text += (
            f"; this would be dose {s.toci.doses_total + 1}: {s.protocol.tocilizumab_repeat.text}"
        )
    # Clinical-rules.md section 5 r2: under 2 years the prompt says off-label.
    for code in s.toci.warnings:
        text += f"; {warning_words(code, s.snapshot)}"
    source = f"{s.protocol.cite}, Grade {s.crs.grade} CRS; {TOCILIZUMAB_SOURCE}"
    return make("tocilizumab_indicated", text, source, s.toci_dose_text)


def tocilizumab_consider(s: Situation) -> Prompt | None:
    # Seed 000, Grade 1 CRS: consider tocilizumab for CRS lasting > 3 days.
    after = s.protocol.tocilizumab_consider_after_grade_1_hours
    if after is None or s.crs.grade != 1:
        return None
    longer_than = s.snapshot.at - timedelta(hours=after)
    start = s.trajectory.run_start(1, back_to=longer_than)
    if start is None or start >= longer_than:
        return None
    action = s.protocol.tocilizumab_consider
    text = f"CRS since {s.when(start)} (over {hours(after)}): {action.text}"
    if s.toci.may_give_now:
        text += f"; label dose {s.toci_dose_text}"
    dose_text = s.toci_dose_text if s.toci.may_give_now else None
    return make("tocilizumab_consider", text, action.source, dose_text)


def tocilizumab_limit_reached(s: Situation) -> Prompt | None:
    # Tocilizumab US label and the protocol's limits (clinical-rules.md section 5).
    hold = _repeat_on_hold(s)
    if s.crs.grade < 2 or (s.toci.may_give_now and not hold):
        return None
    snapshot, protocol = s.snapshot, s.protocol
    words = {
        "min_interval": f"less than {hours(min_interval(protocol).total_seconds() / 3600)}"
        f" since the last dose at {s.when(s.toci.last_dose_at or snapshot.at)}",
        "max_per_24h": f"{s.toci.doses_last_24h} doses in the last 24 h (protocol"
        f" {protocol.code} allows {protocol.tocilizumab_max_per_24h})",
        "max_total": f"{s.toci.doses_total} doses this episode (protocol {protocol.code}"
        f" allows {max_total(protocol)})",
        "no_weight": f"no weight from the last {number(snapshot.settings.weight_valid_days)}"
        " days: weigh the patient",
    }
    reasons = [words[code] for code in s.toci.blocked_because]
    if hold:
        reasons.append(hold)
    text = f"CRS grade {s.crs.grade}: tocilizumab not allowed now: {'; '.join(reasons)}"
    upcoming = s.toci.next_allowed_at
    if upcoming is not None and upcoming > snapshot.at and not hold:
        text += f"; next dose allowed from {s.when(upcoming)}"
    source = f"{TOCILIZUMAB_SOURCE}; {protocol.tocilizumab_repeat.source}"
    return make("tocilizumab_limit_reached", text, source)


def _steroid_prompt(s: Situation, code: str, drug: str) -> Prompt | None:
    # The protocol's steroid rules for this grade (seed 000 / seed 001 by grade);
    # a rule with a condition is prompted only when the condition holds.
    chosen, why = [], []
    for rule in steroid_recommendations(s.snapshot, s.crs.grade):
        if rule.drug != drug:
            continue
        if rule.condition is None:
            chosen.append(rule)
            continue
        reason = CONDITIONS[rule.condition](s.snapshot, s.trajectory)
        if reason:
            chosen.append(rule)
            why.append(reason)
    if not chosen:
        return None
    dose_text = "; ".join(dict.fromkeys(rule.text for rule in chosen))
    because = f" ({'; '.join(why)})" if why else ""
    text = f"CRS grade {s.crs.grade}{because}: {drug}: {dose_text}"
    source = "; ".join(dict.fromkeys(rule.source for rule in chosen))
    return make(code, text, source, dose_text)


def dexamethasone(s: Situation) -> Prompt | None:
    return _steroid_prompt(s, "dexamethasone", "dexamethasone")


def methylprednisolone(s: Situation) -> Prompt | None:
    return _steroid_prompt(s, "methylprednisolone", "methylprednisolone")


def icu_transfer(s: Situation) -> Prompt | None:
    # Seed 000: ICU from grade 3; seed 001: from grade 2.
    if s.crs.grade < s.protocol.icu_transfer_from_grade:
        return None
    action = s.protocol.icu_transfer
    return make("icu_transfer", f"CRS grade {s.crs.grade}: {action.text}", action.source)


def refractory_options(s: Situation) -> Prompt | None:
    # Both seeds list options for CRS refractory to tocilizumab and steroids;
    # **choice**: refractory = grade >= 3 for 24 h (per ward) after both.
    if s.crs.grade < REFRACTORY_FROM_GRADE:
        return None
    toci = [m for m in doses(s.snapshot) if s.snapshot.since(m.at)]
    if not toci or not s.episode_steroids:
        return None
    needed = s.snapshot.settings.refractory_after_hours
    since = s.snapshot.at - timedelta(hours=needed)
    treated = max(toci[0].at, s.episode_steroids[0].at)
    if treated > since:
        return None
    start = s.trajectory.run_start(REFRACTORY_FROM_GRADE, back_to=since)
    if start is None or start > since:
        return None
    text = (
        f"CRS grade {REFRACTORY_FROM_GRADE} or above for {hours(needed)} or more after tocilizumab"
        f" and steroids: refractory CRS, consider {', '.join(s.protocol.refractory_options)}"
    )
    return make("refractory_options", text, s.protocol.refractory_source)


def hemoperfusion_consider(s: Situation) -> Prompt | None:
    # Seed 000, Hemoperfusion: grade 4 unresponsive to tocilizumab and
    # high-dose steroids, with multiple vasopressors.
    rule = s.protocol.hemoperfusion
    if rule is None or s.crs.grade < rule.grade:
        return None
    latest = latest_vitals(s.snapshot)
    if latest is None:
        return None
    if (
        rule.needs_multiple_vasopressors
        and counted_vasopressors(running_vasopressors(s.snapshot)) < 2
    ):
        return None
    toci = [m for m in doses(s.snapshot) if s.snapshot.since(m.at)]
    high_dose = [
        m
        for m in s.episode_steroids
        if m.drug == rule.high_dose_steroid and (m.dose_mg or 0) >= rule.high_dose_steroid_min_mg
    ]
    if not toci or not high_dose:
        return None
    treated = max(toci[0].at, high_dose[0].at)
    # Persisting: grade 4 throughout, confirmed by vitals charted after treatment.
    if latest.at <= treated or s.trajectory.lowest_since(treated) < rule.grade:
        return None
    text = (
        f"CRS grade {s.crs.grade} persisting after tocilizumab and high-dose"
        f" {rule.high_dose_steroid}, on multiple vasopressors: {rule.text}"
    )
    return make("hemoperfusion_consider", text, rule.source)
