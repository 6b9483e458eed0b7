"""What the rules read (a snapshot of one CAR-T episode at time T) and the
grade they return. Frozen dataclasses, no Django: the chart builds a Snapshot,
the rules never see a model.

All datetimes are timezone-aware; the rules compare them as instants and write
them in UTC.
"""

import copy
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from operator import attrgetter

from clinical.vocabulary import (
    CEREBRAL_EDEMA,
    CONSCIOUSNESS,
    DRUG_CLASSES,
    EVENT_KINDS,
    NEURO_TOOLS,
    OXYGEN_DEVICES,
    SEIZURE,
    VASOPRESSORS,
    canonical_drug,
    codes,
    drug_class,
)
from clinical.vocabulary import NEURO_DOMAINS as NEURO_DOMAIN_VOCABULARY

from .protocols import PROTOCOLS

# ICANS domains a nurse may mark "attributable to another cause" (ASTCT 2019:
# findings explained by something else, such as sedation, are not ICANS).
NEURO_DOMAINS = codes(NEURO_DOMAIN_VOCABULARY)


ENTRY_KINDS = ("vitals", "neuro", "medications", "labs", "events", "weights")


# An entry's time, for sorting and cutting the chart (in C, not a Python call each).
_time = attrgetter("at")


def _require_aware(moment: datetime, name: str) -> None:
    # A naive time would be read in the server's zone and silently shift the
    # 24 h windows the limits are counted in.
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {moment!r}")


@cache
def vocabulary_codes(vocabulary) -> frozenset[str]:
    """clinical.vocabulary.codes, built once per vocabulary (they never change)."""
    return codes(vocabulary)


def _require_code(value: str, vocabulary, name: str) -> None:
    if value not in vocabulary_codes(vocabulary):
        raise ValueError(f"{name} {value!r} is not one of {sorted(vocabulary_codes(vocabulary))}")


@dataclass(frozen=True)
class Oxygen:
    device: str = "room_air"
    flow_l_min: float | None = None

    def __post_init__(self):
        _require_code(self.device, OXYGEN_DEVICES, "oxygen device")


@dataclass(frozen=True)
class VitalsEntry:
    at: datetime
    temperature_c: float | None = None
    heart_rate: float | None = None
    systolic: float | None = None
    diastolic: float | None = None
    mean_arterial: float | None = None  # measured MAP (arterial line); None = derive it
    respiratory_rate: float | None = None
    spo2: float | None = None
    oxygen: Oxygen | None = None  # None = not recorded in this set
    # Running at `at`; () = explicitly none, None = not recorded in this set
    # (clinical-rules.md section 2 r2: not recorded is never "none").
    vasopressors: tuple[str, ...] | None = ()
    ref: str | None = None

    def __post_init__(self):
        _require_aware(self.at, "vitals time")
        if self.vasopressors is not None:
            object.__setattr__(self, "vasopressors", tuple(dict.fromkeys(self.vasopressors)))
            for drug in self.vasopressors:
                _require_code(drug, VASOPRESSORS, "vasopressor")

    @property
    def map_mmhg(self) -> float | None:
        """Measured MAP, else (SBP + 2 x DBP) / 3 (clinical-rules.md section 2)."""
        if self.mean_arterial is not None:
            return self.mean_arterial
        if self.systolic is None or self.diastolic is None:
            return None
        return (self.systolic + 2 * self.diastolic) / 3

    @property
    def has_pressure(self) -> bool:
        return self.systolic is not None or self.mean_arterial is not None


@dataclass(frozen=True)
class NeuroEntry:
    at: datetime
    tool: str  # "ICE" or "CAPD"
    score: int | None  # None = the patient cannot perform the assessment
    consciousness: str = "alert"
    seizure: str = "none"
    motor_weakness: bool = False
    cerebral_edema: str = "none"
    excluded: frozenset[str] = frozenset()  # domains attributed to another cause
    ref: str | None = None

    def __post_init__(self):
        _require_aware(self.at, "neuro assessment time")
        _require_code(self.tool, NEURO_TOOLS, "neuro tool")
        _require_code(self.consciousness, CONSCIOUSNESS, "consciousness")
        _require_code(self.seizure, SEIZURE, "seizure")
        _require_code(self.cerebral_edema, CEREBRAL_EDEMA, "cerebral oedema")
        object.__setattr__(self, "excluded", frozenset(self.excluded))
        unknown = self.excluded - NEURO_DOMAINS
        if unknown:
            raise ValueError(f"excluded domains {sorted(unknown)} not in {sorted(NEURO_DOMAINS)}")


@dataclass(frozen=True)
class MedicationEntry:
    at: datetime
    drug: str  # generic code; brand names and aliases are folded into it
    dose_mg: float | None = None
    ref: str | None = None
    drug_class: str | None = None  # None = the class built into the drug, if any

    def __post_init__(self):
        _require_aware(self.at, "medication time")
        object.__setattr__(self, "drug", canonical_drug(self.drug))
        object.__setattr__(self, "drug_class", drug_class(self.drug, self.drug_class))
        if self.drug_class is not None:
            _require_code(self.drug_class, DRUG_CLASSES, "drug class")


@dataclass(frozen=True)
class EventEntry:
    """A work-up event: a culture drawn, an imaging study, a consult, an ICU
    transfer (clinical-rules.md section 9)."""

    at: datetime
    kind: str
    ref: str | None = None

    def __post_init__(self):
        _require_aware(self.at, "event time")
        _require_code(self.kind, EVENT_KINDS, "event kind")


@dataclass(frozen=True)
class LabEntry:
    at: datetime
    test: str
    value: float
    uln: float | None = None
    ref: str | None = None

    def __post_init__(self):
        _require_aware(self.at, "lab time")


@dataclass(frozen=True)
class WeightEntry:
    """A weight measured at a time: doses are checked against the weight valid
    at their own time (clinical-rules.md section 5 r2), so the history is kept."""

    at: datetime
    kg: float
    ref: str | None = None

    def __post_init__(self):
        _require_aware(self.at, "weight time")
        if not self.kg > 0:
            raise ValueError(f"a weight must be above 0 kg, got {self.kg!r}")


@dataclass(frozen=True)
class WardSettings:
    """The **choice** values of clinical-rules.md, configurable per ward."""

    fever_lookback_hours: float = 24  # section 2: fever criterion look-back
    adult_hypotension_age_years: float = 10  # section 2: adult thresholds from this age
    adult_systolic_below: float = 90
    adult_map_below: float = 65
    child_systolic_base: float = 70  # age 1-9: SBP < base + 2 x age
    infant_systolic_below: float = 70  # age < 1
    weight_valid_days: float = 7  # section 5: no_weight after this
    refractory_after_hours: float = 24  # section 6: refractory_options
    evidence_window_hours: float = 12  # section 2 r2: older support records no longer grade
    crs_resolution_hours: float = 24  # section 8: quiet this long resolves a CRS
    vitals_interval_hours: float = 4  # section 7: the ward's routine interval
    vitals_interval_unwell_hours: float = 1  # section 7 r2: at CRS >= 2 or acuity >= 2
    neuro_interval_hours: float = 12  # section 7: seed 001, NCCN (twice a day)
    neuro_interval_icans_hours: float = 4  # section 7 r2: at ICANS >= 1 or high ICANS risk

    def __post_init__(self):
        for name, value in vars(self).items():
            if value <= 0:
                raise ValueError(f"ward setting {name} must be positive, got {value}")
            # A Decimal from a model field would not mix with timedelta.
            object.__setattr__(self, name, float(value))


@dataclass(frozen=True)
class Snapshot:
    """One CAR-T episode as charted at or before `at`.

    Entries timed after `at` are dropped here, once, so no rule can see the
    future; the remaining entries are sorted by time (stable for ties).
    """

    at: datetime
    age_years: float
    # The latest weight; with no `weights` history, weight_at None means a
    # current weight that applies at every time (spec/grade-command.md r2).
    weight_kg: float | None = None
    weight_at: datetime | None = None
    infusion_at: datetime | None = None
    protocol: str = "A"
    news2_scale: int = 1  # RCP 2017 SpO2 scale; 2 for hypercapnic respiratory failure
    vitals: tuple[VitalsEntry, ...] = ()
    neuro: tuple[NeuroEntry, ...] = ()
    medications: tuple[MedicationEntry, ...] = ()
    labs: tuple[LabEntry, ...] = ()
    events: tuple[EventEntry, ...] = ()
    weights: tuple[WeightEntry, ...] = ()  # the weight history, when known
    settings: WardSettings = field(default_factory=WardSettings)

    def __post_init__(self):
        _require_aware(self.at, "evaluation time")
        for name in ("weight_at", "infusion_at"):
            moment = getattr(self, name)
            if moment is not None:
                _require_aware(moment, name)
        if self.news2_scale not in (1, 2):
            raise ValueError(f"NEWS2 SpO2 scale must be 1 or 2, got {self.news2_scale!r}")
        if self.protocol not in PROTOCOLS:
            raise ValueError(f"unknown protocol {self.protocol!r}; known: {sorted(PROTOCOLS)}")
        for name in ENTRY_KINDS:
            # Sorted (stable for ties), then cut at T: the entries charted by T.
            charted = sorted(getattr(self, name), key=_time)
            object.__setattr__(
                self, name, tuple(charted[: bisect_right(charted, self.at, key=_time)])
            )

    def as_of(self, moment: datetime) -> "Snapshot":
        """This chart as it stood at an earlier moment (for the trajectory).

        The entries are already sorted, so cutting each list at `moment` keeps
        the invariant without sorting again.
        """
        if moment > self.at:
            raise ValueError(f"{moment} is after this snapshot's time {self.at}")
        earlier = copy.copy(self)
        earlier.__dict__.pop("_course_walk", None)
        # The rules may reuse work done on the whole chart (course.py).
        object.__setattr__(earlier, "_origin", self.origin)
        object.__setattr__(earlier, "at", moment)
        for name in ENTRY_KINDS:
            entries = getattr(self, name)
            object.__setattr__(earlier, name, entries[: bisect_right(entries, moment, key=_time)])
        return earlier

    @property
    def origin(self) -> "Snapshot":
        """The snapshot this one was cut from by as_of (itself if none)."""
        return self.__dict__.get("_origin", self)

    def since(self, moment: datetime) -> bool:
        """True when `moment` is in the episode (at or after the infusion).

        Without an infusion time every charted entry counts as the episode's.
        """
        return self.infusion_at is None or moment >= self.infusion_at

    def within(self, moment: datetime, window: timedelta) -> bool:
        """True for moment in (at - window, at]: clinical-rules.md section 2 r2,
        one convention for every "in the last N hours"."""
        return self.at - window < moment <= self.at

    @property
    def evidence_window(self) -> timedelta:
        return timedelta(hours=self.settings.evidence_window_hours)

    def fresh(self, entry) -> bool:
        """True when an entry is inside the evidence window at T (section 2 r2:
        evidence exactly 12 h old is stale, section 13.5)."""
        return entry is not None and self.within(entry.at, self.evidence_window)


@dataclass(frozen=True)
class Grade:
    grade: int
    reasons: tuple[str, ...]
    used: tuple[str, ...]  # refs of the chart rows that determined the grade
    rules: tuple[str, ...] = ()  # the rule id behind each reason (rules/catalogue.py)

    def why(self) -> tuple[tuple[str, str], ...]:
        """(rule id, reason) pairs."""
        return tuple(zip(self.rules, self.reasons, strict=True))


@dataclass(frozen=True)
class Finding:
    """One part of a grade (hypotension, hypoxia, an ICANS domain)."""

    grade: int
    reason: str
    used: tuple[str, ...] = ()


def refs(*entries) -> tuple[str, ...]:
    """The refs of the given entries, in order, without None or repeats."""
    return tuple(dict.fromkeys(e.ref for e in entries if e is not None and e.ref is not None))
