"""NEWS2 and qSOFA (clinical-rules.md section 9 and 13.2).

NEWS2: Royal College of Physicians, National Early Warning Score 2 (2017).
qSOFA: Seymour et al. and Singer et al., JAMA 2016 (Sepsis-3). Each parameter
is the latest value charted inside the evidence window; a parameter not
charted there is named as missing and the score is computed from the rest.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from .types import NeuroEntry, Snapshot, VitalsEntry

# RCP 2017: NEWS2 is validated for adults; section 13.2: not computed under 16.
NEWS2_FROM_AGE_YEARS = 16

# RCP 2017 chart 1, each row as (upper bound inclusive, points), lowest first.
RESPIRATION = ((8, 3), (11, 1), (20, 0), (24, 2), (float("inf"), 3))
SPO2_SCALE_1 = ((91, 3), (93, 2), (95, 1), (float("inf"), 0))
SYSTOLIC = ((90, 3), (100, 2), (110, 1), (219, 0), (float("inf"), 3))
PULSE = ((40, 3), (50, 1), (90, 0), (110, 1), (130, 2), (float("inf"), 3))
TEMPERATURE = ((35.0, 3), (36.0, 1), (38.0, 0), (39.0, 1), (float("inf"), 2))

# RCP 2017: supplemental oxygen scores 2.
ON_OXYGEN_POINTS = 2

# Level of consciousness (ACVPU): only "alert" scores 0; new confusion,
# voice, pain and unresponsive score 3.
ALERT = frozenset({"alert", "awakens_spontaneously"})

# Section 13.2 bands.
HIGH_FROM = 7
MEDIUM_FROM = 5

# Sepsis-3 qSOFA criteria.
QSOFA_SYSTOLIC_AT_MOST = 100
QSOFA_RESPIRATORY_RATE_FROM = 22
QSOFA_POSITIVE_FROM = 2

PARAMETER_WORDS = {
    "respiratory_rate": "respiratory rate",
    "spo2": "SpO2",
    "oxygen": "air or oxygen",
    "systolic": "systolic BP",
    "heart_rate": "pulse",
    "consciousness": "consciousness",
    "temperature": "temperature",
}


def _points(value: float, table) -> int:
    return next(points for bound, points in table if value <= bound)


def spo2_scale_2(spo2: float, on_oxygen: bool) -> int:
    """RCP 2017 SpO2 scale 2 (hypercapnic respiratory failure, chosen by a physician)."""
    if spo2 <= 83:
        return 3
    if spo2 <= 85:
        return 2
    if spo2 <= 87:
        return 1
    if spo2 <= 92 or not on_oxygen:
        return 0
    if spo2 <= 94:
        return 1
    if spo2 <= 96:
        return 2
    return 3


def temperature_one_decimal(value: float) -> float:
    """Section 13.2: scored at one decimal, rounded half up (36.05 -> 36.1)."""
    return float(Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _latest(snapshot: Snapshot, entries, present) -> object | None:
    for entry in reversed(entries):
        if present(entry):
            return entry if snapshot.fresh(entry) else None
    return None


def _baseline_ice(snapshot: Snapshot) -> int | None:
    """An ICE score charted before the infusion is the patient's baseline."""
    before = [
        n
        for n in snapshot.neuro
        if not snapshot.since(n.at) and n.tool == "ICE" and n.score is not None
    ]
    return before[-1].score if before else None


def confused(snapshot: Snapshot, entry: NeuroEntry) -> bool:
    """Section 9: ACVPU from the latest neuro assessment. Anything but alert or
    awakening spontaneously scores 3; so does new confusion: an ICE below the
    baseline (below 10 without one), CAPD >= 9, or a score the patient could
    not perform while awake (section 13.2)."""
    if entry.consciousness not in ALERT:
        return True
    if entry.score is None:
        return True
    if entry.tool == "CAPD":
        return entry.score >= 9
    baseline = _baseline_ice(snapshot)
    return entry.score < (baseline if baseline is not None else 10)


@dataclass(frozen=True)
class News2:
    score: int | None  # None under 16 years (section 13.2)
    band: str | None  # low, low_medium, medium, high
    single_red: bool
    complete: bool
    missing: tuple[str, ...]  # parameter codes of PARAMETER_WORDS
    parameters: tuple[tuple[str, int], ...]  # (code, points) of what was charted
    reason: str

    @property
    def missing_words(self) -> tuple[str, ...]:
        return tuple(PARAMETER_WORDS[code] for code in self.missing)


def band(score: int, single_red: bool) -> str:
    if score >= HIGH_FROM:
        return "high"
    if score >= MEDIUM_FROM:
        return "medium"
    return "low_medium" if single_red else "low"


BAND_WORDS = {"low": "low", "low_medium": "low-medium", "medium": "medium", "high": "high"}


def news2(snapshot: Snapshot) -> News2:
    if snapshot.age_years < NEWS2_FROM_AGE_YEARS:
        return News2(
            None,
            None,
            False,
            False,
            (),
            (),
            f"NEWS2 not computed: validated for adults, patient under {NEWS2_FROM_AGE_YEARS}",
        )
    vitals = snapshot.vitals

    def latest(field):
        return _latest(snapshot, vitals, lambda v: getattr(v, field) is not None)

    oxygen_entry: VitalsEntry | None = _latest(snapshot, vitals, lambda v: v.oxygen is not None)
    on_oxygen = oxygen_entry is not None and oxygen_entry.oxygen.device != "room_air"
    neuro = _latest(snapshot, snapshot.neuro, lambda n: snapshot.since(n.at))

    scored: list[tuple[str, int]] = []
    missing: list[str] = []

    def add(code, entry, points):
        if entry is None:
            missing.append(code)
        else:
            scored.append((code, points(entry)))

    add(
        "respiratory_rate",
        latest("respiratory_rate"),
        lambda v: _points(v.respiratory_rate, RESPIRATION),
    )
    if snapshot.news2_scale == 2:
        add("spo2", latest("spo2"), lambda v: spo2_scale_2(v.spo2, on_oxygen))
    else:
        add("spo2", latest("spo2"), lambda v: _points(v.spo2, SPO2_SCALE_1))
    add("oxygen", oxygen_entry, lambda v: ON_OXYGEN_POINTS if on_oxygen else 0)
    add("systolic", latest("systolic"), lambda v: _points(v.systolic, SYSTOLIC))
    add("heart_rate", latest("heart_rate"), lambda v: _points(v.heart_rate, PULSE))
    add("consciousness", neuro, lambda n: 3 if confused(snapshot, n) else 0)
    add(
        "temperature",
        latest("temperature_c"),
        lambda v: _points(temperature_one_decimal(v.temperature_c), TEMPERATURE),
    )
    if not scored:
        return News2(
            None,
            None,
            False,
            False,
            tuple(missing),
            (),
            "NEWS2: nothing charted in the evidence window",
        )
    score = sum(points for _, points in scored)
    single_red = any(points == 3 for _, points in scored)
    level = band(score, single_red)
    reason = f"NEWS2 {score} ({BAND_WORDS[level]})"
    if missing:
        reason += f", incomplete: no {', '.join(PARAMETER_WORDS[c] for c in missing)} charted"
    return News2(
        score,
        level,
        single_red,
        not missing,
        tuple(missing),
        tuple(scored),
        reason + " (RCP NEWS2 2017)",
    )


@dataclass(frozen=True)
class Qsofa:
    score: int | None
    positive: bool
    complete: bool
    missing: tuple[str, ...]


def qsofa(snapshot: Snapshot) -> Qsofa:
    """Sepsis-3 qSOFA beside NEWS2: shown, never a prompt on its own (section 9).
    Adults only, like NEWS2 (section 13.2)."""
    if snapshot.age_years < NEWS2_FROM_AGE_YEARS:
        return Qsofa(None, False, False, ())
    sbp = _latest(snapshot, snapshot.vitals, lambda v: v.systolic is not None)
    rr = _latest(snapshot, snapshot.vitals, lambda v: v.respiratory_rate is not None)
    neuro = _latest(snapshot, snapshot.neuro, lambda n: snapshot.since(n.at))
    criteria = {
        "systolic": None if sbp is None else sbp.systolic <= QSOFA_SYSTOLIC_AT_MOST,
        "respiratory_rate": None
        if rr is None
        else rr.respiratory_rate >= QSOFA_RESPIRATORY_RATE_FROM,
        "consciousness": None if neuro is None else confused(snapshot, neuro),
    }
    missing = tuple(code for code, met in criteria.items() if met is None)
    if len(missing) == len(criteria):
        return Qsofa(None, False, False, missing)
    score = sum(1 for met in criteria.values() if met)
    return Qsofa(score, score >= QSOFA_POSITIVE_FROM, not missing, missing)
