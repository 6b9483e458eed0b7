"""The check on a dose about to be charted (clinical-rules.md sections 5 and 11).

One check for every form that charts a drug. It returns blocks (the dose is
not saved unless a physician or pharmacist overrides with a reason),
confirmations (the person charting ticks each; some need a reason) and
warnings (shown and kept with the dose, never in the way).
"""

from dataclasses import dataclass
from datetime import datetime

from clinical.vocabulary import canonical_drug, drug_class

from .conditions import CONDITIONS
from .crs import grade_crs
from .icans import grade_icans
from .protocols import PROTOCOLS, SEED_000, SEED_001
from .steroids import ADULT_FROM_YEARS
from .tocilizumab import TOCILIZUMAB, block_words, check_dose_at, warning_words, warnings
from .trajectory import Trajectory
from .types import Snapshot, WeightEntry
from .weights import weight_valid_at

# Clinical-rules.md section 11: the largest single adult dose any built-in
# rule recommends is the ceiling (protocol B grade 3-4 dexamethasone 20 mg;
# methylprednisolone 1000 mg in both protocols and the ICANS floor, NCCN
# CART-9; hydrocortisone 100 mg as the spec sets it). Above it: `over_max_dose`.
STEROID_CEILING_MG = {
    "dexamethasone": 20,
    "methylprednisolone": 1000,
    "hydrocortisone": 100,
}

# Seed 000, Important Pitfalls to Avoid: no GM-CSF with CAR-T cells.
GM_CSF = frozenset({"sargramostim"})

# Seed 001: "reserve corticosteroids for grade 3-4 or refractory grade 2".
STEROID_WITHOUT_CONFIRMATION_FROM_GRADE = 3

CONFIRMATION_CODES = ("child_steroid", "steroid_below_grade_3", "gm_csf_contraindicated")


@dataclass(frozen=True)
class Finding:
    code: str
    words: str
    needs_reason: bool = False


@dataclass(frozen=True)
class DoseCheck:
    drug: str
    blocks: tuple[Finding, ...] = ()
    confirmations: tuple[Finding, ...] = ()
    warnings: tuple[Finding, ...] = ()
    weight: WeightEntry | None = None  # the weight a weight-based dose was checked against

    @property
    def block_codes(self) -> tuple[str, ...]:
        return tuple(f.code for f in self.blocks)

    @property
    def confirmation_codes(self) -> tuple[str, ...]:
        return tuple(f.code for f in self.confirmations)

    @property
    def needs_reason(self) -> bool:
        return any(f.needs_reason for f in self.confirmations)


def is_steroid(drug: str) -> bool:
    return drug_class(drug) == "steroid"


def check_new_dose(snapshot: Snapshot, drug: str, dose_mg: float, at: datetime) -> DoseCheck:
    """What stands between this dose (given at `at`, possibly before T: a late
    entry) and the chart, with everything charted by T taken into account."""
    if not dose_mg > 0:
        raise ValueError(f"a dose must be positive, got {dose_mg!r}")
    if at > snapshot.at:
        raise ValueError(f"the dose time {at} is after the snapshot's time {snapshot.at}")
    drug = canonical_drug(drug)
    if drug == TOCILIZUMAB:
        return _tocilizumab(snapshot, dose_mg, at)
    blocks, confirmations = [], []
    if is_steroid(drug):
        then = snapshot.as_of(at)
        child = snapshot.age_years < ADULT_FROM_YEARS
        ceiling = STEROID_CEILING_MG.get(drug)
        if ceiling is not None and dose_mg > ceiling:
            # A child never reads an adult steroid figure (clinical-rules section 4).
            limit = "the" if child else f"{ceiling} mg, the"
            blocks.append(
                Finding(
                    "over_max_dose",
                    f"Above {limit} largest single adult dose of {drug} any protocol recommends",
                )
            )
        if child:
            # Clinical-rules.md sections 4 and 11: both seeds give adult doses only.
            confirmations.append(
                Finding(
                    "child_steroid",
                    f"Patient under {ADULT_FROM_YEARS} (age {snapshot.age_years:.1f}):"
                    " no paediatric rule: pharmacist to verify",
                )
            )
        below = _steroid_below_grade_3(then)
        if below:
            confirmations.append(Finding("steroid_below_grade_3", below, needs_reason=True))
    if drug in GM_CSF:
        confirmations.append(
            Finding(
                "gm_csf_contraindicated",
                f"{drug.capitalize()} is GM-CSF: do not use GM-CSF with CAR-T cells"
                f" ({SEED_000}, Important Pitfalls to Avoid)",
            )
        )
    return DoseCheck(drug, tuple(blocks), tuple(confirmations))


def _tocilizumab(snapshot: Snapshot, dose_mg: float, at: datetime) -> DoseCheck:
    # Clinical-rules.md section 5: the label and the protocol's limits, against
    # the weight valid at the dose's own time (r2).
    blocks = tuple(
        Finding(code, block_words(code, snapshot, at))
        for code in check_dose_at(snapshot, at, dose_mg)
    )
    shown = tuple(Finding(code, warning_words(code, snapshot)) for code in warnings(snapshot))
    return DoseCheck(TOCILIZUMAB, blocks, (), shown, weight_valid_at(snapshot, at))


def _steroid_below_grade_3(then: Snapshot) -> str | None:
    """Clinical-rules.md section 11: a steroid at CRS <= 2 without a refractory
    condition and with ICANS 0 needs a confirmation with a reason (seed 001:
    "reserve corticosteroids for grade 3-4 or refractory grade 2"; NCCN allows
    early dexamethasone for some products, so a confirmation, not a block).
    The conditions are those the protocol's own steroid rules name (A:
    refractory hypotension, B: deterioration)."""
    crs = grade_crs(then).grade
    if crs >= STEROID_WITHOUT_CONFIRMATION_FROM_GRADE or grade_icans(then).grade > 0:
        return None
    protocol = PROTOCOLS[then.protocol]
    names = dict.fromkeys(rule.condition for rule in protocol.steroid_rules if rule.condition)
    trajectory = Trajectory(then)
    if any(CONDITIONS[name](then, trajectory) for name in names):
        return None
    return (
        f"CRS grade {crs} and ICANS 0, with no refractory condition: {SEED_001} reserves"
        " corticosteroids for grade 3-4 or refractory grade 2 (NCCN allows early"
        " dexamethasone for some products): say why it is given"
    )
