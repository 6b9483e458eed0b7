"""Treatment prompts: tocilizumab, steroids, ICU, refractory CRS
(clinical-rules.md section 6). Each function is one prompt code: a pure
condition "is this prompt open at T", returning the prompt or None. Protocol
differences come from the protocol's data, never from its code."""

from datetime import timedelta

from .circulation import counted_vasopressors, latest_vitals, running_vasopressors
from .conditions import CONDITIONS
from .crs import grade_crs
from .labs import creatinine_doubled, latest, platelets_low, transaminases_high
from .oxygenation import DEVICE_WORDS, POSITIVE_PRESSURE, current_oxygen
from .protocols import ASCO_2021
from .situation import TOCILIZUMAB_SOURCE, Prompt, Situation, make
from .steroids import steroid_recommendations
from .tocilizumab import doses, max_total, min_interval, warning_words
from .wording import hours, number
from .workup import BLOOD_CULTURE, current_crs_start, first_blood_culture, first_event

ICU_TRANSFER = "icu_transfer"

# Clinical-rules.md section 6: "grade >= 3 persisting after tocilizumab and
# steroids" is refractory CRS (both seeds list options for it).
REFRACTORY_FROM_GRADE = 3


def repeat_culture(s: Situation):
    """The blood culture that counts as "charted since the fever began" for a
    repeat dose: from 24 h before the latest CRS onset, as for the infection
    work-up (13.4; **choice**: the culture that closes the work-up also
    excludes infection for the repeat)."""
    if s.crs_onsets:
        return first_blood_culture(s.snapshot, s.crs_onsets[-1])
    return first_event(s.snapshot, BLOOD_CULTURE, s.snapshot.infusion_at)


def repeat_conditions_unmet(s: Situation) -> tuple[str, ...]:
    """The protocol's repeat-dose conditions that fail at T, in words
    (clinical-rules.md section 4 r2; 13.6). Empty for a first dose."""
    given = doses(s.snapshot)
    if not given:
        return ()
    protocol, snapshot, last = s.protocol, s.snapshot, given[-1]
    unmet = []
    # Seed 000 and seed 001: repeat only "if no improvement".
    if protocol.tocilizumab_repeat_needs_no_improvement:
        then = grade_crs(snapshot.as_of(last.at)).grade
        if s.crs.grade < then:
            unmet.append(
                f"improving: CRS grade {s.crs.grade} now, grade {then} when the last dose was"
                f" given at {s.when(last.at)} (the protocol repeats only if no improvement)"
            )
    # Seed 001: "infection excluded"; a blood culture since the fever began.
    if protocol.tocilizumab_repeat_needs_blood_culture and repeat_culture(s) is None:
        unmet.append("no blood culture charted since the fever began: infection not excluded")
    # Seed 001, Grades 3-4: a repeat dose only in the absence of ICANS.
    from_grade = protocol.tocilizumab_repeat_needs_no_icans_from_grade
    if from_grade is not None and s.crs.grade >= from_grade and s.icans.grade >= 1:
        unmet.append(
            f"ICANS grade {s.icans.grade} present: protocol {protocol.code} gives no repeat dose"
            f" at CRS grade {from_grade} or above while ICANS is present"
        )
    # Seed 001 "within 3 days" (13.6): the repeat window closes 72 h after the
    # previous dose; exactly 72 h is outside it (section 2 r2, half-open).
    window = protocol.tocilizumab_repeat_window_hours
    if window is not None and snapshot.at - last.at >= timedelta(hours=window):
        unmet.append(
            f"beyond the protocol's {hours(window)} repeat window (last dose at {s.when(last.at)})"
        )
    return tuple(unmet)


def _repeat_on_hold(s: Situation) -> tuple[str, ...]:
    if s.crs.grade < 2 or not s.toci.may_give_now:
        return ()
    return repeat_conditions_unmet(s)


def tocilizumab_indicated(s: Situation) -> Prompt | None:
    # Both seeds: tocilizumab from CRS grade 2, within the limits and, for a
    # repeat dose, the protocol's repeat conditions.
    if s.crs.grade < 2 or not s.toci.may_give_now or _repeat_on_hold(s):
        return None
    text = f"CRS grade {s.crs.grade}: tocilizumab indicated, {s.toci_dose_text}"
    source = f"{s.protocol.cite}, Grade {s.crs.grade} CRS; {TOCILIZUMAB_SOURCE}"
    if s.toci.doses_total:
        text += (
            f"; this would be dose {s.toci.doses_total + 1}: {s.protocol.tocilizumab_repeat.text}"
        )
        culture = repeat_culture(s)
        if s.protocol.tocilizumab_repeat_needs_blood_culture and culture is not None:
            text += f"; confirm infection is excluded (blood culture at {s.when(culture.at)})"
        if s.icans.grade >= 1:
            # ASCO 2021, concurrent CRS and ICANS (clinical-rules.md section 10).
            text += (
                f"; ICANS grade {s.icans.grade} present: consider adding corticosteroids past"
                " the first dose"
            )
            source += f"; {ASCO_2021}"
    # Clinical-rules.md section 5 r2: under 2 years the prompt says off-label.
    for code in s.toci.warnings:
        text += f"; {warning_words(code, s.snapshot)}"
    return make("tocilizumab_indicated", text, source, s.toci_dose_text)


def tocilizumab_repeat_on_hold(s: Situation) -> Prompt | None:
    # Clinical-rules.md section 4 r2: the limits allow a repeat dose but the
    # protocol's repeat conditions do not; may_give_now is unchanged.
    unmet = _repeat_on_hold(s)
    if not unmet:
        return None
    text = (
        f"CRS grade {s.crs.grade}: a repeat tocilizumab dose (dose {s.toci.doses_total + 1}) is"
        f" within the limits but protocol {s.protocol.code}'s repeat conditions are not met:"
        f" {'; '.join(unmet)}"
    )
    source = f"{s.protocol.tocilizumab_repeat.source}; {TOCILIZUMAB_SOURCE}"
    return make("tocilizumab_repeat_on_hold", text, source)


def tocilizumab_consider(s: Situation) -> Prompt | None:
    # Seed 000, Grade 1 CRS: consider tocilizumab for CRS lasting > 3 days;
    # clinical-rules.md section 6 r2: measured from the CRS onset while that
    # CRS stays active.
    after = s.protocol.tocilizumab_consider_after_grade_1_hours
    if after is None or s.crs.grade != 1 or not s.crs_active:
        return None
    onset = s.crs_onsets[-1]
    if s.snapshot.at - onset <= timedelta(hours=after):
        return None
    action = s.protocol.tocilizumab_consider
    text = f"CRS since {s.when(onset)} (over {hours(after)}): {action.text}"
    if s.toci.may_give_now:
        text += f"; label dose {s.toci_dose_text}"
    dose_text = s.toci_dose_text if s.toci.may_give_now else None
    return make("tocilizumab_consider", text, action.source, dose_text)


def tocilizumab_limit_reached(s: Situation) -> Prompt | None:
    # Tocilizumab US label and the protocol's limits (clinical-rules.md
    # section 5): only an actual block raises it.
    if s.crs.grade < 2 or not s.toci.blocked_because:
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
    reasons = [words.get(code, code) for code in s.toci.blocked_because]
    text = f"CRS grade {s.crs.grade}: tocilizumab not allowed now: {'; '.join(reasons)}"
    upcoming = s.toci.next_allowed_at
    if upcoming is not None and upcoming > snapshot.at:
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
    # Seed 000: ICU from grade 3; seed 001: from grade 2. Clinical-rules.md
    # 13.4: it closes when an ICU transfer is charted for the current CRS.
    if s.crs.grade < s.protocol.icu_transfer_from_grade:
        return None
    since = current_crs_start(s.crs_onsets, s.snapshot)
    if first_event(s.snapshot, ICU_TRANSFER, since) is not None:
        return None
    action = s.protocol.icu_transfer
    return make("icu_transfer", f"CRS grade {s.crs.grade}: {action.text}", action.source)


def refractory_options(s: Situation) -> Prompt | None:
    # Both seeds list options for CRS refractory to tocilizumab and steroids.
    # Clinical-rules.md section 6: grade >= 3 persisting >= 24 h (**choice**,
    # per ward) after the later of the first tocilizumab and the first steroid
    # dose: treated at least 24 h ago and grade >= 3 throughout the last 24 h.
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
        f"CRS grade {REFRACTORY_FROM_GRADE} or above for {hours(needed)} or more after the"
        f" first tocilizumab dose and the first steroid dose: refractory CRS, consider"
        f" {', '.join(s.protocol.refractory_options)}"
    )
    return make("refractory_options", text, s.protocol.refractory_source)


def organ_dysfunction(s: Situation) -> list[str]:
    """Clinical-rules.md section 6, hemoperfusion_consider: the signs of
    multi-organ dysfunction present at T, one entry per sign (ALT or AST
    high is one sign, the liver)."""
    values = latest(s.snapshot)
    liver = transaminases_high(values)
    support = current_oxygen(s.snapshot)
    positive = support is not None and support.oxygen.device in POSITIVE_PRESSURE
    signs = [
        creatinine_doubled(s.snapshot),
        " and ".join(liver) if liver else None,
        platelets_low(values),
        f"on {DEVICE_WORDS[support.oxygen.device]}" if positive else None,
    ]
    return [sign for sign in signs if sign]


def hemoperfusion_consider(s: Situation) -> Prompt | None:
    # Seed 000, Hemoperfusion for Severe CRS/Sepsis: grade 4 unresponsive to
    # tocilizumab and high-dose steroids, with multiple vasopressors or
    # multi-organ dysfunction; persisting >= 24 h after both (section 6).
    rule = s.protocol.hemoperfusion
    if rule is None or s.crs.grade < rule.grade:
        return None
    latest_set = latest_vitals(s.snapshot)
    if latest_set is None:
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
    # "Persisting >= 24 h": the ward's refractory time (13.8, default 24 h).
    needed = s.snapshot.settings.refractory_after_hours
    if s.snapshot.at - treated < timedelta(hours=needed):
        return None
    # Persisting: grade 4 throughout, confirmed by vitals charted after treatment.
    if latest_set.at <= treated or s.trajectory.lowest_since(treated) < rule.grade:
        return None
    pressors = counted_vasopressors(running_vasopressors(s.snapshot))
    signs = organ_dysfunction(s)
    if pressors >= 2:
        why = "on multiple vasopressors"
    elif len(signs) >= rule.organ_dysfunctions:
        why = f"with multi-organ dysfunction ({'; '.join(signs)})"
    else:
        return None
    text = (
        f"CRS grade {s.crs.grade} persisting {hours(needed)} or more after tocilizumab and"
        f" high-dose {rule.high_dose_steroid}, {why}: {rule.text}"
    )
    return make("hemoperfusion_consider", text, rule.source)
