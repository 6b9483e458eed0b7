"""ICANS prompts (clinical-rules.md sections 6 and 10): the management floor
for the grade, seizure prophylaxis, and the early warning of severe ICANS.
Each function is one prompt code: a pure condition "is this prompt open at
T", returning the prompt or None."""

from datetime import datetime, timedelta

from .circulation import hypotension
from .icans_floor import BOTH, icans_actions, icans_steroids
from .protocols import ASCO_2021, SEED_001
from .situation import Prompt, Situation, make
from .temperature import FLOAT_TOLERANCE
from .types import Snapshot, VitalsEntry
from .wording import celsius, clock, hours

# ASCO 2021: "consider seizure prophylaxis with levetiracetam" for ICANS.
SEIZURE_PROPHYLAXIS = "levetiracetam"

# Seed 001, Critical Pitfalls and Caveats (ICANS overlap): "High fever
# (>= 38.9 °C) and hemodynamic instability within 36 hours of CAR T-cell
# infusion predicts severe ICANS". Clinical-rules.md 13.5: the window is
# (infusion, infusion + 36 h]; once raised the prompt stays open until 7 days
# after the infusion (**choice**).
HIGH_FEVER_FROM_C = 38.9
EARLY_WINDOW = timedelta(hours=36)
ICANS_RISK_OPEN_FOR = timedelta(days=7)

# **choice**: from the ICANS grade at which the floor asks for ICU care
# (section 10) the prompt is critical, as icu_transfer is for CRS.
ICANS_CRITICAL_FROM_GRADE = 3


def icans_management(s: Situation) -> Prompt | None:
    # ASCO 2021 and NCCN CART-9 (clinical-rules.md section 10), under every protocol.
    grade = s.icans.grade
    if grade < 1:
        return None
    actions = "; ".join(action.text for action in icans_actions(grade))
    steroid = " or ".join(rule.text for rule in icans_steroids(s.snapshot, grade))
    text = f"ICANS grade {grade}: {actions}; steroid: {steroid}"
    source = BOTH
    if s.crs.grade >= 1:
        # Seed 001 (ICANS overlap): tocilizumab does not treat ICANS.
        text += (
            f"; with CRS grade {s.crs.grade}, tocilizumab follows the CRS prompts"
            " (it does not treat ICANS)"
        )
        source += f"; {SEED_001}, Critical Pitfalls and Caveats (ICANS overlap)"
    severity = "critical" if grade >= ICANS_CRITICAL_FROM_GRADE else None
    return make("icans_management", text, source, steroid, severity=severity)


def seizure_prophylaxis_consider(s: Situation) -> Prompt | None:
    # ASCO 2021: consider seizure prophylaxis (levetiracetam) with ICANS.
    if s.icans.grade < 1:
        return None
    if any(m.drug == SEIZURE_PROPHYLAXIS for m in s.snapshot.medications):
        return None
    text = (
        f"ICANS grade {s.icans.grade} and no levetiracetam charted: consider seizure"
        " prophylaxis with levetiracetam"
    )
    return make("seizure_prophylaxis_consider", text, ASCO_2021)


def _unstable(snapshot: Snapshot, window: list[VitalsEntry], carried: tuple[str, ...]):
    """The first set in the window with hypotension or a vasopressor running
    (carried from the latest set that recorded them), and its words."""
    running = carried
    for entry in window:
        if entry.vasopressors is not None:
            running = entry.vasopressors
        if running:
            return entry, f"{' + '.join(running)} running at {clock(entry.at, snapshot.at)}"
        low = hypotension(entry, snapshot.age_years, snapshot.settings)
        if low:
            return entry, f"hypotension ({low}) at {clock(entry.at, snapshot.at)}"
    return None


def icans_risk_evidence(snapshot: Snapshot) -> tuple[VitalsEntry, str] | None:
    """The high fever and the hemodynamic instability charted within 36 h
    after the infusion (seed 001), or None. The due time of the next neuro
    check reads this too (clinical-rules.md section 7: every 4 h)."""
    infusion = snapshot.infusion_at
    if infusion is None:
        return None
    end = infusion + EARLY_WINDOW
    window = [v for v in snapshot.vitals if infusion < v.at <= end]
    fever = next(
        (
            v
            for v in window
            if v.temperature_c is not None
            and v.temperature_c >= HIGH_FEVER_FROM_C - FLOAT_TOLERANCE
        ),
        None,
    )
    if fever is None:
        return None
    before = [v for v in snapshot.vitals if v.at <= infusion and v.vasopressors is not None]
    carried = before[-1].vasopressors if before else ()
    unstable = _unstable(snapshot, window, carried)
    if unstable is None:
        return None
    return fever, unstable[1]


def icans_risk_open_until(snapshot: Snapshot) -> datetime | None:
    """When icans_risk_high closes (7 days after the infusion), if it is raised."""
    if icans_risk_evidence(snapshot) is None:
        return None
    return snapshot.infusion_at + ICANS_RISK_OPEN_FOR


def icans_risk_high(s: Situation) -> Prompt | None:
    # Seed 001, ICANS overlap; clinical-rules.md sections 6, 7 and 13.5.
    evidence = icans_risk_evidence(s.snapshot)
    if evidence is None:
        return None
    until = s.snapshot.infusion_at + ICANS_RISK_OPEN_FOR
    if s.snapshot.at >= until:
        return None
    fever, unstable = evidence
    text = (
        f"Fever {celsius(fever.temperature_c)} at {s.when(fever.at)} and {unstable}, within"
        f" {hours(EARLY_WINDOW.total_seconds() / 3600)} of the infusion: high risk of severe"
        f" ICANS; neuro checks (ICE/CAPD) every 4 h until {s.when(until)}"
    )
    source = f"{SEED_001}, Critical Pitfalls and Caveats (ICANS overlap)"
    return make("icans_risk_high", text, source)
