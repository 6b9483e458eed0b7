"""Tocilizumab dose and limits (clinical-rules.md sections 4 and 5).

The label floor applies under every protocol; a protocol can only be stricter.
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from .protocols import PROTOCOLS, Protocol
from .types import MedicationEntry, Snapshot
from .weights import weight_valid_at

TOCILIZUMAB = "tocilizumab"

# Tocilizumab (Actemra) US label, CRS dosing: 8 mg/kg from 30 kg, 12 mg/kg
# under 30 kg, at most 800 mg per infusion, at least 8 h between doses, and
# at most 3 doses after the first (4 in all).
LABEL_WEIGHT_CUT_KG = 30
LABEL_MG_PER_KG = 8
LABEL_MG_PER_KG_UNDER_CUT = 12
LABEL_MAX_DOSE_MG = 800
LABEL_MIN_INTERVAL_HOURS = 8
LABEL_MAX_TOTAL = 4

DAY = timedelta(hours=24)

# Block codes, in the order of clinical-rules.md section 5.
BLOCK_CODES = ("over_max_dose", "min_interval", "max_per_24h", "max_total", "no_weight")

# Tocilizumab US label: CRS dosing is approved from 2 years of age. Under 2 the
# dose is still computed (12 mg/kg) but carries a warning, never a block
# (clinical-rules.md section 5 r2). Age as a fraction of years: 1.9 warns.
LABEL_FROM_AGE_YEARS = 2
WARNING_CODES = ("off_label_age",)


@dataclass(frozen=True)
class TocilizumabStatus:
    dose_mg: int | None  # the label dose for the current weight; None without one
    mg_per_kg: int | None
    doses_total: int
    doses_last_24h: int
    last_dose_at: datetime | None
    next_allowed_at: datetime | None
    may_give_now: bool
    blocked_because: tuple[str, ...]
    remaining_total: int | None
    remaining_24h: int | None
    warnings: tuple[str, ...] = ()  # WARNING_CODES: shown, never blocking


def valid_weight_kg(snapshot: Snapshot, at: datetime | None = None) -> float | None:
    """The weight valid for a dose at `at` (default T), within the ward's
    validity (**choice**: 7 days); see weights.weight_valid_at."""
    weight = weight_valid_at(snapshot, snapshot.at if at is None else at)
    return None if weight is None else weight.kg


def warnings(snapshot: Snapshot) -> tuple[str, ...]:
    # Tocilizumab US label, Pediatric Use: CRS from 2 years of age.
    return ("off_label_age",) if snapshot.age_years < LABEL_FROM_AGE_YEARS else ()


def warning_words(code: str, snapshot: Snapshot) -> str:
    words = {
        # No age in the words: they stay the same while the child grows, so a
        # prompt carrying them is not rewritten every few days.
        "off_label_age": (
            f"Off-label under {LABEL_FROM_AGE_YEARS} years: the tocilizumab label for CRS"
            f" starts at {LABEL_FROM_AGE_YEARS} years; check the dose with pharmacy"
        ),
    }
    return words[code]


def mg_per_kg(weight_kg: float) -> int:
    # Tocilizumab US label: 12 mg/kg under 30 kg, 8 mg/kg from 30 kg.
    return LABEL_MG_PER_KG_UNDER_CUT if weight_kg < LABEL_WEIGHT_CUT_KG else LABEL_MG_PER_KG


def label_dose_mg(weight_kg: float) -> int:
    """Weight-based label dose, capped at 800 mg, to the nearest whole mg
    (half up: 0.5 mg rounds up, as a pharmacist would)."""
    dose = min(weight_kg * mg_per_kg(weight_kg), LABEL_MAX_DOSE_MG)
    return math.floor(dose + 0.5)


def min_interval(protocol: Protocol) -> timedelta:
    return timedelta(hours=max(LABEL_MIN_INTERVAL_HOURS, protocol.tocilizumab_min_interval_hours))


def max_total(protocol: Protocol) -> int:
    if protocol.tocilizumab_max_total is None:
        return LABEL_MAX_TOTAL
    return min(LABEL_MAX_TOTAL, protocol.tocilizumab_max_total)


def doses(snapshot: Snapshot) -> tuple[MedicationEntry, ...]:
    return tuple(m for m in snapshot.medications if m.drug == TOCILIZUMAB)


def next_allowed_at(snapshot: Snapshot) -> datetime | None:
    """The earliest time a new dose passes the interval and 24 h limits.

    None when no dose was given yet or the episode maximum is reached. It may
    lie before T: then a dose has been allowed since that time.
    """
    protocol = PROTOCOLS[snapshot.protocol]
    given = [m.at for m in doses(snapshot)]
    if not given or len(given) >= max_total(protocol):
        return None
    earliest = given[-1] + min_interval(protocol)
    per_day = protocol.tocilizumab_max_per_24h
    if per_day is not None and len(given) >= per_day:
        # The per_day-th latest dose must leave the window (t - 24 h, t].
        earliest = max(earliest, given[-per_day] + DAY)
    return earliest


def blocks_now(snapshot: Snapshot) -> tuple[str, ...]:
    """Why a new dose at T would break a limit (clinical-rules.md section 5)."""
    protocol = PROTOCOLS[snapshot.protocol]
    given = doses(snapshot)
    blocked = []
    # Label: at least 8 h between doses; exactly 8 h is allowed.
    if given and snapshot.at - given[-1].at < min_interval(protocol):
        blocked.append("min_interval")
    # Protocol A (seed 000): at most 3 doses in any 24 h.
    per_day = protocol.tocilizumab_max_per_24h
    if per_day is not None and sum(snapshot.within(m.at, DAY) for m in given) >= per_day:
        blocked.append("max_per_24h")
    # Episode maximum: A 4 (seed 000), B 2 (seed 001), never above the label's 4.
    if len(given) >= max_total(protocol):
        blocked.append("max_total")
    # **choice**: no dose without a weight from the last 7 days.
    if valid_weight_kg(snapshot) is None:
        blocked.append("no_weight")
    return tuple(blocked)


def tocilizumab_status(snapshot: Snapshot) -> TocilizumabStatus:
    protocol = PROTOCOLS[snapshot.protocol]
    given = doses(snapshot)
    weight = valid_weight_kg(snapshot)
    last_24h = sum(snapshot.within(m.at, DAY) for m in given)
    per_day = protocol.tocilizumab_max_per_24h
    blocked = blocks_now(snapshot)
    return TocilizumabStatus(
        dose_mg=label_dose_mg(weight) if weight is not None else None,
        mg_per_kg=mg_per_kg(weight) if weight is not None else None,
        doses_total=len(given),
        doses_last_24h=last_24h,
        last_dose_at=given[-1].at if given else None,
        next_allowed_at=next_allowed_at(snapshot),
        may_give_now=not blocked,
        blocked_because=blocked,
        remaining_total=max(0, max_total(protocol) - len(given)),
        remaining_24h=max(0, per_day - last_24h) if per_day is not None else None,
        warnings=warnings(snapshot),
    )


def check_dose(snapshot: Snapshot, dose_mg: float) -> tuple[str, ...]:
    """Block codes for recording `dose_mg` of tocilizumab at T.

    Adds `over_max_dose` above the label dose for the weight or above 800 mg.
    A lower dose is never blocked (up to 10 % below is vial rounding, and
    less is the prescriber's call).
    """
    if not dose_mg > 0:
        raise ValueError(f"a tocilizumab dose must be positive, got {dose_mg!r}")
    weight = valid_weight_kg(snapshot)
    ceiling = LABEL_MAX_DOSE_MG if weight is None else label_dose_mg(weight)
    blocked = blocks_now(snapshot)
    if dose_mg > ceiling:
        blocked = ("over_max_dose",) + blocked
    return blocked


def block_words(code: str, snapshot: Snapshot, at: datetime | None = None) -> str:
    """A block code in the words shown to the person recording the dose
    (clinical-rules.md section 5), with this protocol's own numbers; `at` is
    the dose's time when it is not T (a late entry)."""
    protocol = PROTOCOLS[snapshot.protocol]
    weight = valid_weight_kg(snapshot, at)
    late = at is not None and at != snapshot.at
    words = {
        "over_max_dose": (
            f"Above the label dose for {weight:g} kg ({label_dose_mg(weight)} mg)"
            if weight is not None
            else f"Above the label maximum of {LABEL_MAX_DOSE_MG} mg"
        ),
        "min_interval": (
            f"Less than {min_interval(protocol).total_seconds() / 3600:g} h "
            "since the last tocilizumab dose (label)"
        ),
        "max_per_24h": (
            f"Would be dose {(protocol.tocilizumab_max_per_24h or 0) + 1} in 24 h; "
            f"protocol {protocol.code} allows {protocol.tocilizumab_max_per_24h}"
        ),
        "max_total": (
            f"Protocol {protocol.code} allows {max_total(protocol)} doses in the episode; "
            "all have been given"
        ),
        "no_weight": (
            f"No weight recorded in the {snapshot.settings.weight_valid_days:g} days before"
            " this dose or the 24 h after it"
            if late
            else f"No weight recorded in the last {snapshot.settings.weight_valid_days:g} days: "
            "weigh the patient first"
        ),
    }
    return words[code]


def check_dose_at(snapshot: Snapshot, at: datetime, dose_mg: float) -> tuple[str, ...]:
    """Block codes for a dose given at `at`, which may be before T (a late entry).

    The new dose is checked against every dose charted by T, after it as well
    as before: a late entry must not squeeze between two doses, and of two
    people charting at once the second sees the first's dose whatever the
    order of their clocks.
    """
    if not dose_mg > 0:
        raise ValueError(f"a tocilizumab dose must be positive, got {dose_mg!r}")
    protocol = PROTOCOLS[snapshot.protocol]
    given = [m.at for m in doses(snapshot)]
    # Clinical-rules.md section 5 r2: the weight valid at the dose's own time.
    weight = valid_weight_kg(snapshot, at)
    blocked = []
    ceiling = LABEL_MAX_DOSE_MG if weight is None else label_dose_mg(weight)
    if dose_mg > ceiling:
        blocked.append("over_max_dose")
    # Label: at least 8 h between doses, on either side of this one.
    if any(abs(at - other) < min_interval(protocol) for other in given):
        blocked.append("min_interval")
    # Protocol A (seed 000): no 24 h window may hold more than 3 doses.
    per_day = protocol.tocilizumab_max_per_24h
    if per_day is not None:
        times = sorted([*given, at])
        if any(sum(end - DAY < t <= end for t in times) > per_day for end in times):
            blocked.append("max_per_24h")
    if len(given) >= max_total(protocol):
        blocked.append("max_total")
    if weight is None:
        blocked.append("no_weight")
    return tuple(blocked)
