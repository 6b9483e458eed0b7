"""The fever criterion of CRS (clinical-rules.md section 2)."""

from bisect import bisect_left
from dataclasses import dataclass
from datetime import datetime, timedelta

from .types import MedicationEntry, Snapshot, VitalsEntry, refs
from .wording import celsius, clock, number

# ASTCT 2019 (Lee et al., table 2 footnote): fever is a temperature >= 38.0 °C.
FEVER_FROM_C = 38.0

# ASTCT 2019 and seed 000 "Special considerations": once CRS was documented,
# these drugs mask fever, so later grading no longer needs it.
ANTIPYRETIC_OR_ANTICYTOKINE = frozenset(
    {
        "acetaminophen",
        "ibuprofen",
        "tocilizumab",
        "siltuximab",
        "anakinra",
        "dexamethasone",
        "methylprednisolone",
        "hydrocortisone",
    }
)


# 100.4 °F converted to °C can land a hair under 38.0; it is still 38.0.
FLOAT_TOLERANCE = 1e-6


def is_fever(temperature_c: float | None) -> bool:
    return temperature_c is not None and temperature_c >= FEVER_FROM_C - FLOAT_TOLERANCE


def episode_fevers(snapshot: Snapshot) -> tuple[VitalsEntry, ...]:
    """Fevers since the infusion: a fever before CAR-T cells is not CRS."""
    return tuple(v for v in snapshot.vitals if is_fever(v.temperature_c) and snapshot.since(v.at))


def first_fever(snapshot: Snapshot) -> VitalsEntry | None:
    """CRS onset is the first fever after infusion (clinical-rules.md section 2)."""
    return next(
        (v for v in snapshot.vitals if is_fever(v.temperature_c) and snapshot.since(v.at)), None
    )


def crs_onset(snapshot: Snapshot) -> datetime | None:
    fever = first_fever(snapshot)
    return fever.at if fever is not None else None


def lookback(snapshot: Snapshot) -> timedelta:
    return timedelta(hours=snapshot.settings.fever_lookback_hours)


def vitals_in_lookback(snapshot: Snapshot) -> tuple[VitalsEntry, ...]:
    """Vitals in [T - look-back, T], since the infusion. The boundary is
    inclusive: a fever exactly 24 h ago still counts."""
    start = snapshot.at - lookback(snapshot)
    if snapshot.infusion_at is not None:
        start = max(start, snapshot.infusion_at)
    first = bisect_left(snapshot.vitals, start, key=lambda v: v.at)
    return snapshot.vitals[first:]


def fever_in_lookback(snapshot: Snapshot) -> VitalsEntry | None:
    """The highest fever in the look-back (**choice**: 24 h, per ward)."""
    recent = [v for v in vitals_in_lookback(snapshot) if is_fever(v.temperature_c)]
    if not recent:
        return None
    # Highest first; among equal temperatures the latest.
    return max(recent, key=lambda v: (v.temperature_c, v.at))


def fever_exemption(snapshot: Snapshot) -> tuple[VitalsEntry, MedicationEntry] | None:
    """The first fever after infusion and the first antipyretic or anti-cytokine
    drug given at or after it (ASTCT 2019; seed 000 "Special considerations").

    A drug given before any fever exempts nothing: there was no CRS to mask.
    """
    first = first_fever(snapshot)
    if first is None:
        return None
    for medication in snapshot.medications:
        if medication.drug in ANTIPYRETIC_OR_ANTICYTOKINE and medication.at >= first.at:
            return first, medication
    return None


@dataclass(frozen=True)
class FeverStatus:
    fever: VitalsEntry | None  # the fever in the look-back window, if any
    exemption: tuple[VitalsEntry, MedicationEntry] | None
    reasons: tuple[str, ...]
    used: tuple[str, ...]

    @property
    def met(self) -> bool:
        return self.fever is not None or self.exemption is not None


def fever_status(snapshot: Snapshot) -> FeverStatus:
    at = snapshot.at
    window = f"the last {number(snapshot.settings.fever_lookback_hours)} h"
    fever = fever_in_lookback(snapshot)
    exemption = fever_exemption(snapshot)
    if fever is not None:
        reason = f"Fever {celsius(fever.temperature_c)} at {clock(fever.at, at)}"
        return FeverStatus(fever, exemption, (reason,), refs(fever))

    reasons = [f"No fever (≥ {FEVER_FROM_C:.1f} °C) in {window}{_highest(snapshot)}"]
    reasons.extend(_before_infusion(snapshot))
    used: tuple[str, ...] = ()
    if exemption is not None:
        first, drug = exemption
        reasons.append(
            f"Fever not required: fever {celsius(first.temperature_c)} at {clock(first.at, at)},"
            f" then {drug.drug} at {clock(drug.at, at)} (after antipyretic or anti-cytokine"
            " therapy CRS is graded on hypotension and hypoxia; ASTCT 2019)"
        )
        used = refs(first, drug)
    return FeverStatus(None, exemption, tuple(reasons), used)


def _highest(snapshot: Snapshot) -> str:
    measured = [v for v in vitals_in_lookback(snapshot) if v.temperature_c is not None]
    if not measured:
        return ""
    top = max(measured, key=lambda v: (v.temperature_c, v.at))
    return f" (highest {celsius(top.temperature_c)} at {clock(top.at, snapshot.at)})"


def _before_infusion(snapshot: Snapshot) -> list[str]:
    start = snapshot.at - lookback(snapshot)
    early = [
        v
        for v in snapshot.vitals
        if is_fever(v.temperature_c) and v.at >= start and not snapshot.since(v.at)
    ]
    return [
        f"Fever {celsius(v.temperature_c)} at {clock(v.at, snapshot.at)} was before the"
        " infusion: not counted"
        for v in early[-1:]
    ]
