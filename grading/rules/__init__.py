"""CRS Monitor's clinical rules: ASTCT 2019 CRS and ICANS grading, protocol
data, tocilizumab and steroid dose rules, and prompts.

Pure Python, no Django: input is a Snapshot, output is plain dataclasses.
"""

from .counters import DrugCounter, drug_counters
from .crs import grade_crs
from .evaluate import RULES_VERSION, Evaluation, evaluate
from .fever import crs_onset
from .icans import grade_icans
from .icans_floor import ICANS_ACTIONS, ICANS_ANY_GRADE, icans_actions, icans_steroids
from .icans_prompts import icans_risk_evidence, icans_risk_open_until
from .medication_safety import (
    CONFIRMATION_CODES,
    STEROID_CEILING_MG,
    DoseCheck,
    Finding,
    check_new_dose,
)
from .prompts import PROMPT_CODES, Prompt, prompts
from .protocols import PROTOCOLS, Action, HemoperfusionRule, Protocol, SteroidRule
from .steroids import (
    NO_PAEDIATRIC_DOSE,
    SteroidRecommendation,
    steroid_dexamethasone_equivalent_mg,
    steroid_recommendations,
)
from .tocilizumab import (
    TocilizumabStatus,
    block_words,
    check_dose,
    check_dose_at,
    tocilizumab_status,
)
from .trajectory import crs_history
from .types import (
    EventEntry,
    Grade,
    LabEntry,
    MedicationEntry,
    NeuroEntry,
    Oxygen,
    Snapshot,
    VitalsEntry,
    WardSettings,
    WeightEntry,
)
from .weights import weight_valid_at
from .workup import first_antibacterial, first_blood_culture

__all__ = [
    "CONFIRMATION_CODES",
    "STEROID_CEILING_MG",
    "DoseCheck",
    "Finding",
    "WeightEntry",
    "check_new_dose",
    "weight_valid_at",
    "ICANS_ACTIONS",
    "ICANS_ANY_GRADE",
    "PROMPT_CODES",
    "PROTOCOLS",
    "NO_PAEDIATRIC_DOSE",
    "RULES_VERSION",
    "Action",
    "DrugCounter",
    "Evaluation",
    "Grade",
    "HemoperfusionRule",
    "EventEntry",
    "LabEntry",
    "MedicationEntry",
    "NeuroEntry",
    "Oxygen",
    "Prompt",
    "Protocol",
    "Snapshot",
    "SteroidRecommendation",
    "SteroidRule",
    "TocilizumabStatus",
    "VitalsEntry",
    "WardSettings",
    "block_words",
    "check_dose",
    "check_dose_at",
    "crs_history",
    "crs_onset",
    "drug_counters",
    "evaluate",
    "first_antibacterial",
    "first_blood_culture",
    "grade_crs",
    "grade_icans",
    "icans_actions",
    "icans_risk_evidence",
    "icans_risk_open_until",
    "icans_steroids",
    "prompts",
    "steroid_dexamethasone_equivalent_mg",
    "steroid_recommendations",
    "tocilizumab_status",
]
