"""Safety and monitoring prompts: infection, oxygen, other causes, ICANS,
antifungal cover, GM-CSF, overdue checks, labs after tocilizumab
(clinical-rules.md section 6). Each function is one prompt code: a pure
condition "is this prompt open at T", returning the prompt or None."""

from datetime import timedelta

from .circulation import (
    hypotension_finding,
    latest_vasopressors,
    stale_evidence,
)
from .fever import is_fever
from .labs import ANC_BELOW, latest, platelets_low, transaminases_high

# The chart's trajectory flags labs with the same limits.
from .labs import PLATELETS_BELOW as PLATELETS_BELOW
from .labs import TRANSAMINASE_ULN_MULTIPLE as TRANSAMINASE_ULN_MULTIPLE
from .oxygenation import POSITIVE_PRESSURE, current_oxygen, hypoxia_finding
from .protocols import ASTCT_2019, NCCN_2026, SEED_000, SEED_001
from .situation import TOCILIZUMAB_SOURCE, Prompt, Situation, make
from .tocilizumab import doses
from .wording import celsius, hours, number
from .workup import first_antibacterial, first_blood_culture

# Seed 001, Diagnostic Criteria and Grading: grade CRS at least every 12 hours;
# clinical-rules.md section 6 holds ICE/CAPD to the same 12 h.
ASSESSMENT_INTERVAL = timedelta(hours=12)

# Clinical-rules.md section 6: low SpO2 on room air asks for an assessment.
SPO2_ASSESS_BELOW = 92

# Seed 000, "Important Pitfalls to Avoid": no GM-CSF with CAR-T cells.
# Filgrastim is a G-CSF, not a GM-CSF (grade-command.md r2).
GM_CSF = frozenset({"sargramostim"})


def infection_workup(s: Situation) -> Prompt | None:
    # Seed 001 (immediately) and seed 000 (if neutropenic): a new fever after
    # CAR-T may be infection, which mimics CRS. Clinical-rules.md sections 6,
    # 9 and 13.4 (r2): a checklist for each CRS onset that closes when a blood
    # culture and an antibacterial are charted, not when the fever passes or
    # the CRS resolves.
    if not s.crs_onsets:
        return None
    onset = s.crs_onsets[-1]
    culture = first_blood_culture(s.snapshot, onset)
    antibacterial = first_antibacterial(s.snapshot, onset)
    if culture is not None and antibacterial is not None:
        return None
    done, missing = [], []
    if culture is None:
        missing.append("a blood culture")
    else:
        done.append(f"blood culture at {s.when(culture.at)}")
    if antibacterial is None:
        missing.append("an antibacterial")
    else:
        done.append(f"{antibacterial.drug} at {s.when(antibacterial.at)}")
    workup = s.protocol.infection_workup
    text = f"CRS onset at {s.when(onset)}{_onset_fever(s, onset)}: infection work-up, {workup.text}"
    if done:
        text += f"; charted: {', '.join(done)}"
    text += f"; still to chart: {' and '.join(missing)}"
    return make("infection_workup", text, workup.source)


def _onset_fever(s: Situation, onset) -> str:
    at_onset = [
        v.temperature_c for v in s.snapshot.vitals if v.at == onset and is_fever(v.temperature_c)
    ]
    return f" (fever {celsius(max(at_onset))})" if at_onset else ""


def assess_oxygen(s: Situation) -> Prompt | None:
    # ASTCT 2019 grades the oxygen given, not the SpO2: a low SpO2 on room air
    # does not raise the grade but needs a bedside assessment.
    # Section 2 r2: a set that did not record SpO2 does not clear a low one.
    latest = next((v for v in reversed(s.snapshot.vitals) if v.spo2 is not None), None)
    if latest is None or not s.snapshot.fresh(latest) or latest.spo2 >= SPO2_ASSESS_BELOW:
        return None
    support = current_oxygen(s.snapshot)
    if support is not None and support.oxygen.device != "room_air":
        return None
    on = "on room air" if support is not None else "with no oxygen support charted"
    text = (
        f"SpO2 {number(latest.spo2)} % {on} at {s.when(latest.at)}: assess the need for"
        " oxygen (the CRS grade follows the support given, not the SpO2)"
    )
    return make("assess_oxygen", text, f"{ASTCT_2019}, table 2")


def evaluate_other_causes(s: Situation) -> Prompt | None:
    # ASTCT 2019: CRS needs fever; hypotension or hypoxia without it has
    # another cause until shown otherwise. Clinical-rules.md section 6 r2:
    # critical with a vasopressor or positive pressure, high otherwise.
    if s.fever.met:
        return None
    hypotension, hypoxia = hypotension_finding(s.snapshot), hypoxia_finding(s.snapshot)
    findings = [f.reason for f in (hypotension, hypoxia) if f.grade > 0]
    if not findings:
        return None
    # Only evidence inside the window grades (section 2 r2), severity included.
    support = current_oxygen(s.snapshot)
    positive_pressure = s.snapshot.fresh(support) and support.oxygen.device in POSITIVE_PRESSURE
    pressors = latest_vasopressors(s.snapshot)
    critical = (s.snapshot.fresh(pressors) and bool(pressors.vasopressors)) or positive_pressure
    text = (
        f"{'; '.join(findings)} without the fever criterion: not graded as CRS,"
        " evaluate other causes, infection first (it mimics CRS)"
    )
    source = (
        f"{ASTCT_2019}, table 2; {SEED_001}, Critical Pitfalls and Caveats (infection versus CRS)"
    )
    return make("evaluate_other_causes", text, source, severity="critical" if critical else None)


def icans_present(s: Situation) -> Prompt | None:
    # Seed 001, "ICANS overlap": tocilizumab does not treat ICANS and may worsen it.
    if s.icans.grade < 1:
        return None
    text = (
        f"ICANS grade {s.icans.grade}: tocilizumab does not treat ICANS and may worsen it;"
        " manage ICANS in its own right"
    )
    return make("icans_present", text, f"{SEED_001}, Critical Pitfalls and Caveats (ICANS overlap)")


def antifungal_prophylaxis(s: Situation) -> Prompt | None:
    # Seed 000, Special Considerations; seed 001, Infection prophylaxis.
    if not s.episode_steroids:
        return None
    first = s.episode_steroids[0]
    text = (
        f"Corticosteroid given ({first.drug} at {s.when(first.at)}):"
        " consider antifungal prophylaxis"
    )
    # Both seeds, named without their sections: the chart keeps 200 characters.
    return make("antifungal_prophylaxis", text, f"{SEED_000}; {SEED_001}")


def gm_csf_contraindicated(s: Situation) -> Prompt | None:
    # Seed 000, Important Pitfalls: do not use GM-CSF with CAR-T cell therapy.
    charted = [m for m in s.snapshot.medications if m.drug in GM_CSF]
    if not charted:
        return None
    last = charted[-1]
    text = f"GM-CSF ({last.drug}) charted at {s.when(last.at)}: do not use GM-CSF with CAR-T cells"
    return make("gm_csf_contraindicated", text, f"{SEED_000}, Important Pitfalls to Avoid")


def _overdue(s: Situation, entries, what: str, code: str, source: str) -> Prompt | None:
    infusion = s.snapshot.infusion_at
    cutoff = s.snapshot.at - ASSESSMENT_INTERVAL
    if infusion is None or infusion > cutoff:
        return None
    # Section 2 r2: "in the last 12 h" is (T - 12 h, T]; exactly 12 h is overdue.
    # The snapshot's entries are sorted: the last one is the latest.
    last = entries[-1] if entries else None
    if last is not None and last.at > cutoff:
        return None
    since = (
        f"since {s.when(last.at)}"
        if last is not None and last.at >= infusion
        else "since the infusion"
    )
    text = f"No {what} charted {since} (over {hours(ASSESSMENT_INTERVAL.total_seconds() / 3600)})"
    return make(code, text, source)


def grading_overdue(s: Situation) -> Prompt | None:
    # Seed 001: grade CRS at least every 12 hours. Clinical-rules.md section 2
    # r2: support evidence older than the evidence window no longer grades,
    # which is overdue too.
    source = f"{SEED_001}, Diagnostic Criteria and Grading (critical diagnostic steps)"
    overdue = _overdue(s, s.snapshot.vitals, "vitals for CRS grading", "grading_overdue", source)
    if overdue is not None:
        return overdue
    stale = stale_evidence(s.snapshot)
    if not stale:
        return None
    window = hours(s.snapshot.settings.evidence_window_hours)
    text = f"Too old to grade (over {window}): {', '.join(stale)}; chart a full vitals set"
    return make("grading_overdue", text, source)


def neuro_overdue(s: Situation) -> Prompt | None:
    # Seed 001: ICE (adults) or CAPD (children) with every evaluation.
    return _overdue(
        s,
        s.snapshot.neuro,
        "ICE/CAPD assessment",
        "neuro_overdue",
        f"{SEED_001}, Diagnostic Criteria and Grading; {NCCN_2026}",
    )


def toci_lab_monitoring(s: Situation) -> Prompt | None:
    # Tocilizumab US label: neutropenia, thrombocytopenia and liver injury;
    # a warning for the pharmacist, never a block (clinical-rules.md section 6).
    if not doses(s.snapshot):
        return None
    values = latest(s.snapshot)
    findings = []
    anc = values.get("anc")
    if anc is not None and anc.value < ANC_BELOW:
        findings.append(f"ANC {number(anc.value)}/µL (below {ANC_BELOW})")
    findings.extend(filter(None, [platelets_low(values)]))
    findings.extend(transaminases_high(values))
    if not findings:
        return None
    text = (
        f"After tocilizumab: {'; '.join(findings)}: pharmacist to review before another dose"
        " (a warning, not a block)"
    )
    source = (
        f"{TOCILIZUMAB_SOURCE}, Warnings and Precautions; {SEED_001}, Critical Pitfalls and"
        " Caveats (Monitoring during treatment)"
    )
    return make("toci_lab_monitoring", text, source)
