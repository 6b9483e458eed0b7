"""Laboratory findings several prompts read: the latest value of each test
and the thresholds of the tocilizumab label, seed 001 and clinical-rules.md
sections 6 and 13.3."""

from datetime import timedelta

from clinical.vocabulary import LABS

from .types import LabEntry, Snapshot
from .wording import number

# Tocilizumab US label, Warnings and Precautions, and seed 001 "Monitoring
# during treatment": neutropenia < 1000/µL, thrombocytopenia < 50 000/µL,
# transaminases >= 5 x ULN. The same limits define multi-organ dysfunction
# (hemoperfusion_consider) and IEC-HS (iec_hs_consider) in section 6.
ANC_BELOW = 1000
PLATELETS_BELOW = 50_000
TRANSAMINASE_ULN_MULTIPLE = 5
DEFAULT_ULN = {code: uln for code, _name, _unit, _loinc, uln in LABS}

# Clinical-rules.md section 6, hemoperfusion_consider: creatinine at least
# twice the baseline.
CREATININE_BASELINE_MULTIPLE = 2


def latest(snapshot: Snapshot) -> dict[str, LabEntry]:
    """The latest value of each test charted by T."""
    return {lab.test: lab for lab in snapshot.labs}


def latest_within(snapshot: Snapshot, test: str, window: timedelta) -> LabEntry | None:
    """The latest value of `test` charted in (T - window, T]."""
    for lab in reversed(snapshot.labs):
        if lab.test == test:
            return lab if snapshot.within(lab.at, window) else None
    return None


def transaminases_high(values: dict[str, LabEntry]) -> list[str]:
    """ALT or AST at least 5 x ULN (the row's own ULN, else the catalogue's)."""
    found = []
    for test in ("alt", "ast"):
        lab = values.get(test)
        if lab is None:
            continue
        uln = lab.uln if lab.uln is not None else DEFAULT_ULN[test]
        if lab.value >= TRANSAMINASE_ULN_MULTIPLE * uln:
            found.append(
                f"{test.upper()} {number(lab.value)} U/L (at least {TRANSAMINASE_ULN_MULTIPLE}"
                f" x ULN {number(uln)})"
            )
    return found


def platelets_low(values: dict[str, LabEntry]) -> str | None:
    lab = values.get("platelets")
    if lab is None or lab.value >= PLATELETS_BELOW:
        return None
    return f"platelets {number(lab.value)}/µL (below {PLATELETS_BELOW:,})"


def creatinine_baseline(snapshot: Snapshot) -> LabEntry | None:
    """**choice** (spec silent on "baseline"): the last creatinine charted at
    or before the infusion, else the first one charted."""
    values = [lab for lab in snapshot.labs if lab.test == "creatinine"]
    before = [lab for lab in values if not snapshot.since(lab.at) or lab.at == snapshot.infusion_at]
    if before:
        return before[-1]
    return values[0] if values else None


def creatinine_doubled(snapshot: Snapshot) -> str | None:
    baseline = creatinine_baseline(snapshot)
    now = latest(snapshot).get("creatinine")
    if baseline is None or now is None or now is baseline:
        return None
    if now.value < CREATININE_BASELINE_MULTIPLE * baseline.value:
        return None
    return (
        f"creatinine {number(now.value)} mg/dL (at least {CREATININE_BASELINE_MULTIPLE} x"
        f" baseline {number(baseline.value)})"
    )
