"""The ASTCT 2019 ICANS grade (Lee et al. 2019, table 6 adults, table 8 children;
clinical-rules.md section 3): the most severe of its domains."""

from .types import Finding, Grade, NeuroEntry, Snapshot, refs
from .wording import clock

# ASTCT 2019 table 6: depressed level of consciousness.
CONSCIOUSNESS_GRADE = {
    "alert": 0,
    "awakens_spontaneously": 1,
    "awakens_to_voice": 2,
    "awakens_to_touch": 3,
    "unarousable": 4,
}
CONSCIOUSNESS_WORDS = {
    "alert": "Alert",
    "awakens_spontaneously": "Awakens spontaneously",
    "awakens_to_voice": "Awakens only to voice",
    "awakens_to_touch": "Awakens only to touch",
    "unarousable": "Unarousable",
}

# ASTCT 2019 table 6: a rapidly resolving seizure (or non-convulsive, resolved
# with intervention) is grade 3; prolonged (> 5 min) or repetitive is grade 4.
SEIZURE_GRADE = {"none": 0, "rapidly_resolving": 3, "prolonged_or_repetitive": 4}
SEIZURE_WORDS = {
    "none": "No seizure",
    "rapidly_resolving": "Seizure that resolved rapidly",
    "prolonged_or_repetitive": "Prolonged or repetitive seizures",
}

# ASTCT 2019 table 6: raised ICP / cerebral oedema.
EDEMA_GRADE = {"none": 0, "focal": 3, "diffuse": 4}
EDEMA_WORDS = {
    "none": "No cerebral oedema",
    "focal": "Focal cerebral oedema on imaging",
    "diffuse": "Diffuse cerebral oedema or signs of raised ICP",
}


def ice_domain(score: int | None, consciousness: str) -> Finding:
    """ASTCT 2019 table 6: ICE 7-9 grade 1, 3-6 grade 2, 0-2 grade 3; an ICE of
    0 is grade 3 in an awake patient (global aphasia), grade 4 if unarousable."""
    unarousable = consciousness == "unarousable"
    if score is None:
        if unarousable:
            return Finding(4, "ICE cannot be performed: unarousable")
        # **choice**: an awake patient who cannot do the ICE scores 0 (grade 3).
        return Finding(3, "ICE cannot be performed (counted as ICE 0 in an awake patient)")
    if score == 0 and unarousable:
        return Finding(4, "ICE score 0, unarousable")
    if score == 0:
        return Finding(3, "ICE score 0 in an awake patient (global aphasia)")
    if score >= 10:
        return Finding(0, f"ICE score {score}")
    if score >= 7:
        return Finding(1, f"ICE score {score}")
    if score >= 3:
        return Finding(2, f"ICE score {score}")
    return Finding(3, f"ICE score {score}")


def capd_domain(score: int | None, consciousness: str) -> Finding:
    """ASTCT 2019 table 8 (children < 12 y): CAPD 1-8 grade 1, >= 9 grade 3,
    unable to perform grade 4. Grade 2 comes from consciousness only.

    Clinical-rules.md section 3 r2: unable to perform is grade 4 only in an
    unarousable patient; awake, it is grade 3."""
    if score is None:
        if consciousness == "unarousable":
            return Finding(4, "CAPD cannot be performed (unarousable)")
        return Finding(3, "CAPD cannot be performed while awake")
    if score == 0:
        return Finding(0, "CAPD 0")
    if score <= 8:
        return Finding(1, f"CAPD {score}")
    return Finding(3, f"CAPD {score}")


def domains(entry: NeuroEntry) -> dict[str, Finding]:
    score = (
        ice_domain(entry.score, entry.consciousness)
        if entry.tool == "ICE"
        else capd_domain(entry.score, entry.consciousness)
    )
    return {
        "score": score,
        "consciousness": Finding(
            CONSCIOUSNESS_GRADE[entry.consciousness], CONSCIOUSNESS_WORDS[entry.consciousness]
        ),
        "seizure": Finding(SEIZURE_GRADE[entry.seizure], SEIZURE_WORDS[entry.seizure]),
        # ASTCT 2019 table 6: deep focal motor weakness is grade 4.
        "motor": Finding(4, "Deep focal motor weakness (hemiparesis or paraparesis)")
        if entry.motor_weakness
        else Finding(0, "No focal weakness"),
        "edema": Finding(EDEMA_GRADE[entry.cerebral_edema], EDEMA_WORDS[entry.cerebral_edema]),
    }


def grade_icans(snapshot: Snapshot) -> Grade:
    """ICANS from the latest neuro assessment at or before T (clinical-rules.md
    section 3). Domains the nurse attributed to another cause do not count
    (ASTCT 2019), and the reasons say so.

    ICANS is a syndrome after the infusion (ASTCT 2019): a check before it is
    the patient's baseline (an ICE of 8 from a language barrier, say) and
    never grades ICANS."""
    after_infusion = [entry for entry in snapshot.neuro if snapshot.since(entry.at)]
    if not after_infusion:
        return Grade(0, ("No ICE/CAPD assessment since the infusion",), (), ("icans.assessment",))
    entry = after_infusion[-1]
    found = domains(entry)
    counted = {name: f for name, f in found.items() if name not in entry.excluded}
    grade = max((f.grade for f in counted.values()), default=0)
    why = [(f"icans.{name}", f.reason) for name, f in counted.items() if f.grade > 0]
    why += [
        ("icans.excluded", f"{found[name].reason}: not counted (attributed to another cause)")
        for name in found
        if name in entry.excluded
    ]
    if grade == 0 and not why:
        tool = f"ICE score {entry.score}" if entry.tool == "ICE" else f"CAPD {entry.score}"
        why.append(
            ("icans.score", f"{tool}, alert, no other finding at {clock(entry.at, snapshot.at)}")
        )
    return Grade(
        grade,
        tuple(reason for _, reason in why),
        refs(entry),
        tuple(rule for rule, _ in why),
    )
