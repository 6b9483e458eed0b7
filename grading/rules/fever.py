"""The fever criterion of CRS (clinical-rules.md section 2)."""

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import datetime, timedelta

from .course import CrsCourse, crs_course
from .temperature import FEVER_FROM_C, is_fever
from .types import MedicationEntry, Snapshot, VitalsEntry, refs
from .wording import celsius, clock, number

__all__ = ["FEVER_FROM_C", "is_fever", "fever_status", "crs_onset"]

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
    """Vitals in (T - look-back, T], since the infusion: the half-open window
    of clinical-rules.md section 2 r2, so a fever exactly 24 h ago no longer
    counts."""
    start = snapshot.at - lookback(snapshot)
    first = bisect_right(snapshot.vitals, start, key=lambda v: v.at)
    return tuple(v for v in snapshot.vitals[first:] if snapshot.since(v.at))


def fever_in_lookback(snapshot: Snapshot, course: CrsCourse) -> VitalsEntry | None:
    """The highest fever in the look-back (**choice**: 24 h, per ward) that
    belongs to the CRS now active. Section 13.1: after resolution, fevers
    charted before it belong to the resolved CRS and never count again."""
    if not course.active:
        return None
    onset_at = course.onset_at
    recent = [
        v for v in vitals_in_lookback(snapshot) if is_fever(v.temperature_c) and v.at >= onset_at
    ]
    if not recent:
        return None
    # Highest first; among equal temperatures the latest.
    return max(recent, key=lambda v: (v.temperature_c, v.at))


def fever_exemption(
    snapshot: Snapshot, course: CrsCourse
) -> tuple[VitalsEntry, MedicationEntry] | None:
    """The onset fever of the active CRS and the first antipyretic or
    anti-cytokine drug given at or after it (ASTCT 2019; seed 000 "Special
    considerations"). Section 2 r2: the exemption lasts only while that CRS is
    active; after it resolves, a fever is needed again.

    A drug given before the fever exempts nothing: there was no CRS to mask.
    """
    if not course.active:
        return None
    # The vitals are sorted: the onset set is at or after the first one charted then.
    first = bisect_left(snapshot.vitals, course.onset_at, key=lambda v: v.at)
    onset = next(
        v for v in snapshot.vitals[first:] if v.at == course.onset_at and is_fever(v.temperature_c)
    )
    for medication in snapshot.medications:
        if medication.drug in ANTIPYRETIC_OR_ANTICYTOKINE and medication.at >= onset.at:
            return onset, medication
    return None


@dataclass(frozen=True)
class FeverStatus:
    fever: VitalsEntry | None  # the fever in the look-back window, if any
    exemption: tuple[VitalsEntry, MedicationEntry] | None
    reasons: tuple[str, ...]
    used: tuple[str, ...]
    course: CrsCourse
    rules: tuple[str, ...] = ()  # the rule id behind each reason (rules/catalogue.py)

    @property
    def met(self) -> bool:
        return self.fever is not None or self.exemption is not None


def fever_status(snapshot: Snapshot) -> FeverStatus:
    at = snapshot.at
    course = crs_course(snapshot)
    window = f"the last {number(snapshot.settings.fever_lookback_hours)} h"
    fever = fever_in_lookback(snapshot, course)
    exemption = fever_exemption(snapshot, course)
    if fever is not None:
        reason = f"Fever {celsius(fever.temperature_c)} at {clock(fever.at, at)}"
        return FeverStatus(fever, exemption, (reason,), refs(fever), course, ("crs.fever",))

    why = [("crs.fever", f"No fever (≥ {FEVER_FROM_C:.1f} °C) in {window}{_highest(snapshot)}")]
    if course.status == "resolved":
        why.append(
            (
                "crs.course",
                f"CRS that began {clock(course.onset_at, at)} resolved"
                f" {clock(course.resolved_at, at)}; a new fever is needed to grade CRS again",
            )
        )
    why.extend(("crs.fever", reason) for reason in _before_infusion(snapshot))
    used: tuple[str, ...] = ()
    if exemption is not None:
        first, drug = exemption
        why.append(
            (
                "crs.exemption",
                f"Fever not required while this CRS is active: fever"
                f" {celsius(first.temperature_c)} at {clock(first.at, at)}, then {drug.drug} at"
                f" {clock(drug.at, at)} (after antipyretic or anti-cytokine therapy CRS is graded"
                " on hypotension and hypoxia; ASTCT 2019)",
            )
        )
        used = refs(first, drug)
    return FeverStatus(
        None,
        exemption,
        tuple(reason for _, reason in why),
        used,
        course,
        tuple(rule for rule, _ in why),
    )


def _highest(snapshot: Snapshot) -> str:
    measured = [v for v in vitals_in_lookback(snapshot) if v.temperature_c is not None]
    if not measured:
        return ""
    top = max(measured, key=lambda v: (v.temperature_c, v.at))
    return f" (highest {celsius(top.temperature_c)} at {clock(top.at, snapshot.at)})"


def _before_infusion(snapshot: Snapshot) -> list[str]:
    start = snapshot.at - lookback(snapshot)
    first = bisect_right(snapshot.vitals, start, key=lambda v: v.at)
    early = [
        v for v in snapshot.vitals[first:] if is_fever(v.temperature_c) and not snapshot.since(v.at)
    ]
    return [
        f"Fever {celsius(v.temperature_c)} at {clock(v.at, snapshot.at)} was before the"
        " infusion: not counted"
        for v in early[-1:]
    ]
