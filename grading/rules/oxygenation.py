"""Oxygen support: the hypoxia column of the ASTCT CRS grade
(clinical-rules.md section 2). ASTCT grades the support given, not the SpO2."""

from .types import Finding, Oxygen, Snapshot, VitalsEntry, refs
from .wording import clock, number

# ASTCT 2019 table 2: low-flow nasal cannula is <= 6 L/min; above that a
# nasal cannula is high flow by definition.
LOW_FLOW_MAX_L_MIN = 6

# ASTCT 2019 table 2, hypoxia column: the grade each device stands for.
# The nasal cannula's grade depends on its flow (see hypoxia_grade).
DEVICE_GRADE = {
    "room_air": 0,
    "blow_by": 2,
    "nasal_cannula": 2,
    "high_flow_nasal_cannula": 3,
    "simple_face_mask": 3,
    "venturi_mask": 3,
    "non_rebreather_mask": 3,
    "cpap": 4,
    "bipap": 4,
    "mechanical_ventilation": 4,
}

DEVICE_WORDS = {
    "room_air": "room air",
    "blow_by": "blow-by",
    "nasal_cannula": "nasal cannula",
    "high_flow_nasal_cannula": "high-flow nasal cannula",
    "simple_face_mask": "simple face mask",
    "venturi_mask": "Venturi mask",
    "non_rebreather_mask": "non-rebreather mask",
    "cpap": "CPAP",
    "bipap": "BiPAP",
    "mechanical_ventilation": "mechanical ventilation",
}

# ASTCT 2019 table 2, grade 4: CPAP, BiPAP, intubation and mechanical ventilation.
POSITIVE_PRESSURE = frozenset(device for device, grade in DEVICE_GRADE.items() if grade == 4)

KIND_WORDS = {2: "Low-flow oxygen", 3: "High-flow oxygen", 4: "Positive pressure"}


def current_oxygen(snapshot: Snapshot) -> VitalsEntry | None:
    """The latest vitals set that recorded the oxygen support.

    **choice** (spec silent): a set charted without oxygen does not take a
    patient off BiPAP; the reason says when the support was last charted.
    """
    for entry in reversed(snapshot.vitals):
        if entry.oxygen is not None:
            return entry
    return None


def hypoxia_grade(oxygen: Oxygen) -> int:
    """ASTCT 2019 table 2: the grade of the support given; a nasal cannula
    above 6 L/min is high flow (grade 3). An unknown flow counts as low flow
    (**choice**; the reason says so)."""
    grade = DEVICE_GRADE[oxygen.device]
    flow = oxygen.flow_l_min
    if oxygen.device == "nasal_cannula" and flow is not None and flow > LOW_FLOW_MAX_L_MIN:
        return 3
    return grade


def hypoxia_finding(snapshot: Snapshot) -> Finding:
    entry = current_oxygen(snapshot)
    if entry is None:
        return Finding(0, "Oxygen support not recorded (graded as room air)")
    if not snapshot.fresh(entry):
        # Clinical-rules.md section 2 r2: support older than the evidence
        # window no longer grades; grading_overdue asks for a new set.
        window = number(snapshot.settings.evidence_window_hours)
        return Finding(
            0,
            f"No oxygen support charted in the last {window} h"
            f" (last {clock(entry.at, snapshot.at)}: too old to grade)",
        )
    oxygen = entry.oxygen
    grade = hypoxia_grade(oxygen)
    latest = snapshot.vitals[-1]
    when = "" if entry is latest else f" (last charted {clock(entry.at, snapshot.at)})"
    if grade == 0:
        return Finding(0, f"No oxygen need (room air){when}", refs(entry))
    device = DEVICE_WORDS[oxygen.device]
    flow = oxygen.flow_l_min
    if oxygen.device == "nasal_cannula" and flow is None:
        detail = (
            f"{device}, flow not recorded: graded as low-flow"
            f" (above {LOW_FLOW_MAX_L_MIN} L/min would be grade 3)"
        )
    elif oxygen.device == "nasal_cannula" and grade == 3:
        detail = f"{device} {number(flow)} L/min (above {LOW_FLOW_MAX_L_MIN} L/min is high flow)"
    elif flow is not None and flow > 0:
        detail = f"{device} {number(flow)} L/min"
    else:
        detail = device
    return Finding(grade, f"{KIND_WORDS[grade]}: {detail}{when}", refs(entry))
