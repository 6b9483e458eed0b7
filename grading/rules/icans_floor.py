"""The ICANS management floor (clinical-rules.md section 10): actions and
adult steroid doses by ICANS grade, applied under every protocol, like the
tocilizumab label floor.

Sources: ASCO 2021 (Santomasso et al., J Clin Oncol 2021;39:3978) and NCCN
CAR T-cell toxicities v2.2026, CART-9, as transcribed in clinical-rules.md
section 10. The doses are adult doses: under 18 the paediatric rule of
section 4 replaces every one of them.
"""

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from .protocols import ASCO_2021, NCCN_2026, Action
from .steroids import ADULT_FROM_YEARS, NO_PAEDIATRIC_DOSE, SteroidRecommendation
from .tocilizumab import valid_weight_kg
from .types import Snapshot
from .wording import number

BOTH = f"{ASCO_2021}; {NCCN_2026}"


@dataclass(frozen=True)
class IcansSteroid:
    """An adult steroid dose of the floor: a fixed dose or a dose per kg."""

    drug: str
    schedule: str  # route and interval after the dose
    grade: int
    source: str
    dose_mg: float | None = None
    mg_per_kg: float | None = None
    when: str | None = None  # the floor's own qualifier ("consider")

    def __post_init__(self):
        if (self.dose_mg is None) == (self.mg_per_kg is None):
            raise ValueError(f"{self.drug}: give either dose_mg or mg_per_kg")


# Section 10, "any": every ICANS grade from 1 (ASCO 2021; NCCN CART-9).
ICANS_ANY_GRADE = (
    Action("neuro assessment (ICE/CAPD) every 4 h while ICANS is 1 or above", BOTH),
    Action("neurology consult at the first sign", BOTH),
    Action("aspiration precautions", BOTH),
    Action("avoid CNS depressants", BOTH),
    Action("consider seizure prophylaxis (levetiracetam)", BOTH),
)

# Section 10, by grade: the actions besides the steroid.
ICANS_ACTIONS: Mapping[int, tuple[Action, ...]] = MappingProxyType(
    {
        1: (Action("supportive care", BOTH),),
        2: (Action("EEG and brain MRI (CT if MRI is not feasible)", BOTH),),
        3: (
            Action("ICU care", BOTH),
            Action("repeat brain imaging every 2-3 days while ICANS is 3 or above", BOTH),
        ),
        4: (
            Action("ICU care", BOTH),
            Action("treat status epilepticus", BOTH),
        ),
    }
)

# Section 10, by grade: the adult steroid; two rules at one grade are
# alternatives (grade 3: dexamethasone or methylprednisolone).
ICANS_STEROIDS: tuple[IcansSteroid, ...] = (
    IcansSteroid("dexamethasone", "IV once", 1, NCCN_2026, dose_mg=10, when="consider"),
    IcansSteroid("dexamethasone", "IV, repeat every 6-12 h if not improving", 2, BOTH, dose_mg=10),
    IcansSteroid("dexamethasone", "IV every 6 h", 3, BOTH, dose_mg=10),
    IcansSteroid("methylprednisolone", "IV every 12 h", 3, BOTH, mg_per_kg=1),
    IcansSteroid(
        "methylprednisolone",
        "IV daily for 3 days, then 250 mg every 12 h x2 days, 125 mg every 12 h x2 days,"
        " 60 mg every 12 h x2 days",
        4,
        BOTH,
        dose_mg=1000,
    ),
)


def icans_actions(grade: int) -> tuple[Action, ...]:
    """The floor's actions at this ICANS grade (none at grade 0)."""
    if grade < 1:
        return ()
    return ICANS_ANY_GRADE + ICANS_ACTIONS[min(grade, 4)]


def _adult_text(rule: IcansSteroid, snapshot: Snapshot) -> tuple[float | None, str]:
    qualifier = f"{rule.when} " if rule.when else ""
    if rule.dose_mg is not None:
        return rule.dose_mg, f"{qualifier}{rule.drug} {number(rule.dose_mg)} mg {rule.schedule}"
    # Clinical-rules.md section 10: a dose per kg follows the weight rules of
    # section 5 (the weight valid now; none, none computed).
    per_kg = f"{number(rule.mg_per_kg)} mg/kg"
    weight = valid_weight_kg(snapshot)
    if weight is None:
        days = number(snapshot.settings.weight_valid_days)
        return None, (
            f"{qualifier}{rule.drug} {per_kg} {rule.schedule} (no weight from the last"
            f" {days} days: weigh the patient)"
        )
    # Doses round half up to the whole mg (clinical-rules.md section 2 r2).
    dose = math.floor(weight * rule.mg_per_kg + 0.5)
    return dose, (
        f"{qualifier}{rule.drug} {dose} mg {rule.schedule} ({per_kg} for {number(weight)} kg)"
    )


def icans_steroids(snapshot: Snapshot, grade: int) -> tuple[SteroidRecommendation, ...]:
    """The floor's steroid at this ICANS grade; for a child, the pharmacy
    message instead of every adult dose (clinical-rules.md section 4)."""
    adult = snapshot.age_years >= ADULT_FROM_YEARS
    found = []
    for rule in ICANS_STEROIDS:
        if rule.grade != min(grade, 4):
            continue
        if adult:
            dose, text = _adult_text(rule, snapshot)
        else:
            dose, text = None, f"{rule.drug}: {NO_PAEDIATRIC_DOSE}"
        found.append(SteroidRecommendation(rule.drug, dose, text, None, rule.source))
    return tuple(found)
