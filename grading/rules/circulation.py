"""Hypotension and vasopressors: the circulation column of the ASTCT CRS grade
(clinical-rules.md section 2)."""

import math

from .oxygenation import current_oxygen
from .types import Finding, Snapshot, VitalsEntry, WardSettings, refs
from .wording import clock, number

# ASTCT 2019 table 2 footnote: vasopressin does not count towards "multiple
# vasopressors"; alone it is still one vasopressor.
VASOPRESSIN = "vasopressin"


def latest_vitals(snapshot: Snapshot) -> VitalsEntry | None:
    return snapshot.vitals[-1] if snapshot.vitals else None


def latest_vasopressors(snapshot: Snapshot) -> VitalsEntry | None:
    """The latest vitals set that recorded the vasopressors running.

    Clinical-rules.md section 2 r2: a set that did not record them (a
    temperature only, say) never takes a patient off norepinephrine.
    """
    for entry in reversed(snapshot.vitals):
        if entry.vasopressors is not None:
            return entry
    return None


def running_vasopressors(snapshot: Snapshot) -> tuple[str, ...]:
    entry = latest_vasopressors(snapshot)
    return entry.vasopressors if entry is not None else ()


def latest_pressure(snapshot: Snapshot) -> VitalsEntry | None:
    """The latest vitals set with a blood pressure.

    **choice** (spec silent): a set charted without a pressure (a temperature
    only, say) does not erase the last known pressure; the reason says when it
    was measured.
    """
    for entry in reversed(snapshot.vitals):
        if entry.has_pressure:
            return entry
    return None


def systolic_floor(age_years: float, settings: WardSettings) -> float:
    """Systolic below this is hypotension (**choice**; ASTCT leaves it to centres).

    Age >= 10: 90 mmHg; age 1-9: 70 + 2 x age in completed years (the PALS
    formula); under 1 year: 70 mmHg. All configurable per ward.
    """
    if age_years >= settings.adult_hypotension_age_years:
        return settings.adult_systolic_below
    if age_years >= 1:
        return settings.child_systolic_base + 2 * math.floor(age_years)
    return settings.infant_systolic_below


def hypotension(entry: VitalsEntry, age_years: float, settings: WardSettings) -> str | None:
    """What makes this reading hypotensive, in words, or None when it is not.

    Clinical-rules.md section 2 (**choice**, ASTCT 2019 leaves it to centres):
    SBP below the age floor, or from age 10 also MAP < 65 mmHg.
    """
    floor = systolic_floor(age_years, settings)
    adult = age_years >= settings.adult_hypotension_age_years
    if entry.systolic is not None and entry.systolic < floor:
        if adult:
            return f"SBP {number(entry.systolic)}"
        return (
            f"SBP {number(entry.systolic)}, below {number(floor)} for age {math.floor(age_years)}"
        )
    # MAP < 65 is an adult threshold only (clinical-rules.md section 2).
    pressure = entry.map_mmhg
    if adult and pressure is not None and pressure < settings.adult_map_below:
        if entry.mean_arterial is not None:
            return f"MAP {number(pressure)}"
        return (
            f"MAP {number(round(pressure, 1))} from"
            f" {number(entry.systolic)}/{number(entry.diastolic)}"
        )
    return None


def pressure_words(entry: VitalsEntry) -> str:
    if entry.systolic is not None and entry.diastolic is not None:
        text = f"BP {number(entry.systolic)}/{number(entry.diastolic)}"
    elif entry.systolic is not None:
        text = f"SBP {number(entry.systolic)}"
    else:
        text = ""
    if entry.mean_arterial is not None:
        text = (
            f"{text}, MAP {number(entry.mean_arterial)}"
            if text
            else f"MAP {number(entry.mean_arterial)}"
        )
    return text


def counted_vasopressors(running: tuple[str, ...]) -> int:
    """How many vasopressors count towards the grade (ASTCT 2019 table 2)."""
    others = [drug for drug in running if drug != VASOPRESSIN]
    if others:
        return len(others)
    return 1 if running else 0


def vasopressor_grade(running: tuple[str, ...]) -> int:
    # ASTCT 2019 table 2: one vasopressor (with or without vasopressin) is
    # grade 3, multiple is grade 4; any running counts, whatever the pressure.
    count = counted_vasopressors(running)
    if count >= 2:
        return 4
    return 3 if count == 1 else 0


def hypotension_finding(snapshot: Snapshot) -> Finding:
    """The hypotension grade at T: vasopressors from the latest set that
    recorded them, pressure from the latest set that measured one, each only
    while inside the evidence window (clinical-rules.md section 2 r2: a
    days-old low pressure no longer grades)."""
    latest = latest_vitals(snapshot)
    recorded = latest_vasopressors(snapshot)
    stale = []
    running: tuple[str, ...] = ()
    if recorded is not None and not snapshot.fresh(recorded):
        if recorded.vasopressors:
            stale.append(f"vasopressors last charted {clock(recorded.at, snapshot.at)}")
    elif recorded is not None:
        running = recorded.vasopressors
    if running:
        text = _vasopressor_reason(snapshot, running)
        if recorded is not latest:
            text += f" (last charted {clock(recorded.at, snapshot.at)})"
        return Finding(vasopressor_grade(running), text, refs(recorded))
    entry = latest_pressure(snapshot)
    window = number(snapshot.settings.evidence_window_hours)
    if entry is None or not snapshot.fresh(entry):
        if entry is not None:
            stale.insert(0, f"last {clock(entry.at, snapshot.at)}")
        detail = f" ({'; '.join(stale)}: too old to grade)" if stale else ""
        return Finding(0, f"No blood pressure charted in the last {window} h{detail}")
    when = "" if entry is latest else f" at {clock(entry.at, snapshot.at)}"
    low = hypotension(entry, snapshot.age_years, snapshot.settings)
    if low is None:
        return Finding(0, f"No hypotension ({pressure_words(entry)}{when})", refs(entry))
    # ASTCT 2019 table 2: hypotension not requiring vasopressors is grade 2.
    return Finding(2, f"Hypotension ({low}{when}) without vasopressors", refs(entry))


def stale_evidence(snapshot: Snapshot) -> tuple[str, ...]:
    """What was charted once but is now older than the evidence window
    (section 2 r2: it no longer grades, and grading_overdue is raised)."""
    found = []
    for what, entry in (
        ("blood pressure", latest_pressure(snapshot)),
        ("vasopressors", latest_vasopressors(snapshot)),
        ("oxygen support", current_oxygen(snapshot)),
    ):
        if entry is not None and not snapshot.fresh(entry):
            found.append(f"{what} (last {clock(entry.at, snapshot.at)})")
    return tuple(found)


def _vasopressor_reason(snapshot: Snapshot, running: tuple[str, ...]) -> str:
    grade = vasopressor_grade(running)
    names = " + ".join(running)
    if running == (VASOPRESSIN,):
        why = "vasopressin alone counts as one vasopressor"
    else:
        why = "multiple vasopressors" if grade == 4 else "one vasopressor"
        if VASOPRESSIN in running:
            why += "; vasopressin not counted"
    text = f"Grade {grade}: {names} running ({why})"
    entry = latest_pressure(snapshot)
    if entry is None or hypotension(entry, snapshot.age_years, snapshot.settings) is None:
        text += "; counts as hypotension requiring vasopressors whatever the pressure"
    return text
