"""Treatment protocols as versioned data (clinical-rules.md section 4).

A ward picks one protocol. Everything that differs between protocols lives in
these records; the rules read them and never branch on a protocol's code, so a
protocol C is one more entry in PROTOCOLS.

The tocilizumab label floor (dose per kg, 800 mg cap, 8 h interval, 4 doses)
is not here: it applies under every protocol (see tocilizumab.py).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

# Short citations used beside each rule; the full references are in
# Protocol.source.
SEED_000 = "seed 000"
SEED_001 = "seed 001"


@dataclass(frozen=True)
class Action:
    text: str
    source: str


@dataclass(frozen=True)
class SteroidRule:
    """An adult steroid dose the protocol recommends at a CRS grade.

    `condition` names a check in conditions.py that must hold for the rule to
    be prompted (None: always at this grade); `when` is the protocol's own
    wording of a qualifier the clinician judges ("if not improving").
    """

    drug: str
    dose_mg: float
    schedule: str  # route and interval, e.g. "IV every 6 h for 1-3 days"
    grade: int
    source: str
    condition: str | None = None
    when: str | None = None

    @property
    def text(self) -> str:
        dose = f"{self.drug} {self.dose_mg:g} mg {self.schedule}"
        return f"{self.when}: {dose}" if self.when else dose


@dataclass(frozen=True)
class HemoperfusionRule:
    """When to suggest extracorporeal cytokine adsorption."""

    grade: int
    needs_multiple_vasopressors: bool
    high_dose_steroid: str  # the drug that counts as "high-dose steroids"
    high_dose_steroid_min_mg: float  # a single dose at least this large
    text: str
    source: str


@dataclass(frozen=True)
class Protocol:
    code: str
    name: str
    version: str
    source: str  # full reference of the document the protocol follows
    cite: str  # short citation shown in prompt texts
    # Tocilizumab limits on top of the label floor.
    tocilizumab_max_per_24h: int | None
    tocilizumab_max_total: int | None
    tocilizumab_min_interval_hours: float
    tocilizumab_repeat: Action  # when a repeat dose is suggested
    # A repeat dose is not suggested from this CRS grade while ICANS is present.
    tocilizumab_repeat_needs_no_icans_from_grade: int | None
    # Suggest tocilizumab when grade 1 lasts longer than this (None: never).
    tocilizumab_consider_after_grade_1_hours: float | None
    tocilizumab_consider: Action | None
    actions: Mapping[int, tuple[Action, ...]]  # CRS grade -> recommended actions
    steroid_rules: tuple[SteroidRule, ...]
    icu_transfer_from_grade: int
    icu_transfer: Action
    infection_workup: Action
    refractory_options: tuple[str, ...]
    refractory_source: str
    hemoperfusion: HemoperfusionRule | None


PROTOCOL_A = Protocol(
    code="A",
    name="Protocol A: severe CRS with hemoperfusion (seed 000)",
    version="A-2025-10-29",
    source="seed 000 (shared/seeds/000_623c65b5e40ad08d.txt): Management of Severe Cytokine"
    " Release Syndrome (CRS) and Sepsis, Dr.Oracle, last updated 2025-10-29",
    cite=SEED_000,
    tocilizumab_max_per_24h=3,
    tocilizumab_max_total=4,
    tocilizumab_min_interval_hours=8,
    tocilizumab_repeat=Action(
        "repeat every 8 h if no improvement; at most 3 doses in 24 h and 4 in total",
        f"{SEED_000}, Grade 2 CRS",
    ),
    tocilizumab_repeat_needs_no_icans_from_grade=None,
    tocilizumab_consider_after_grade_1_hours=72,
    tocilizumab_consider=Action(
        "consider tocilizumab for prolonged CRS (> 3 days) or significant comorbidities",
        f"{SEED_000}, Grade 1 CRS",
    ),
    actions=MappingProxyType(
        {
            1: (
                Action(
                    "Supportive care: antipyretics, IV hydration, symptomatic management",
                    f"{SEED_000}, Grade 1 CRS",
                ),
                Action(
                    "Consider empiric broad-spectrum antibiotics if neutropenic",
                    f"{SEED_000}, Grade 1 CRS",
                ),
                Action(
                    "Consider tocilizumab if CRS lasts > 3 days or significant comorbidities",
                    f"{SEED_000}, Grade 1 CRS",
                ),
            ),
            2: (
                Action(
                    "Tocilizumab 8 mg/kg IV (max 800 mg); repeat every 8 h if no improvement,"
                    " at most 3 doses in 24 h and 4 in total",
                    f"{SEED_000}, Grade 2 CRS",
                ),
                Action(
                    "Consider dexamethasone 10 mg IV every 12-24 h for persistent refractory"
                    " hypotension",
                    f"{SEED_000}, Grade 2 CRS",
                ),
                Action(
                    "Cardiac monitoring and IV fluid boluses as needed",
                    f"{SEED_000}, Grade 2 CRS",
                ),
            ),
            3: (
                Action(
                    "Tocilizumab as for grade 2 if the 24 h maximum is not reached",
                    f"{SEED_000}, Grade 3 CRS",
                ),
                Action("Add dexamethasone 10 mg IV every 6 h", f"{SEED_000}, Grade 3 CRS"),
                Action("Transfer to ICU", f"{SEED_000}, Grade 3 CRS"),
                Action("Vasopressors and oxygen as needed", f"{SEED_000}, Grade 3 CRS"),
            ),
            4: (
                Action(
                    "Tocilizumab as for grade 2 if the 24 h maximum is not reached",
                    f"{SEED_000}, Grade 4 CRS",
                ),
                Action(
                    "Methylprednisolone 500 mg IV every 12 h for 3 days, then taper;"
                    " if not improving, 1000 mg IV twice daily",
                    f"{SEED_000}, Grade 4 CRS",
                ),
                Action("Mechanical ventilation as needed", f"{SEED_000}, Grade 4 CRS"),
            ),
        }
    ),
    steroid_rules=(
        SteroidRule(
            "dexamethasone",
            10,
            "IV every 12-24 h",
            grade=2,
            condition="refractory_hypotension",
            when="consider for persistent refractory hypotension",
            source=f"{SEED_000}, Grade 2 CRS",
        ),
        SteroidRule(
            "dexamethasone", 10, "IV every 6 h", grade=3, source=f"{SEED_000}, Grade 3 CRS"
        ),
        SteroidRule(
            "methylprednisolone",
            500,
            "IV every 12 h for 3 days, then taper",
            grade=4,
            source=f"{SEED_000}, Grade 4 CRS",
        ),
        SteroidRule(
            "methylprednisolone",
            1000,
            "IV twice daily",
            grade=4,
            when="if not improving",
            source=f"{SEED_000}, Grade 4 CRS",
        ),
    ),
    icu_transfer_from_grade=3,
    icu_transfer=Action("Transfer to ICU", f"{SEED_000}, Grade 3 CRS"),
    infection_workup=Action(
        "blood and urine cultures, chest radiograph if febrile; CBC, CMP, CRP, ferritin,"
        " fibrinogen, PT/PTT; consider empiric broad-spectrum antibiotics if neutropenic",
        f"{SEED_000}, Initial Assessment and Monitoring; Grade 1 CRS",
    ),
    refractory_options=(
        "anakinra",
        "siltuximab",
        "ruxolitinib",
        "cyclophosphamide",
        "IVIG",
        "anti-thymocyte globulin",
        "extracorporeal cytokine adsorption with CRRT (hemoperfusion)",
    ),
    refractory_source=f"{SEED_000}, Management of Refractory CRS",
    hemoperfusion=HemoperfusionRule(
        grade=4,
        needs_multiple_vasopressors=True,
        high_dose_steroid="methylprednisolone",
        high_dose_steroid_min_mg=500,
        text="consider CytoSorb hemoperfusion with continuous renal replacement therapy",
        source=f"{SEED_000}, Hemoperfusion for Severe CRS/Sepsis",
    ),
)

PROTOCOL_B = Protocol(
    code="B",
    name="Protocol B: CRS with early ICU (seed 001)",
    version="B-2025-11-20",
    source="seed 001 (shared/seeds/001_bd14ab9c656b1f75.txt): Diagnosis and Management of"
    " Cytokine Release Syndrome, Dr.Oracle, last updated 2025-11-20",
    cite=SEED_001,
    tocilizumab_max_per_24h=None,
    tocilizumab_max_total=2,
    # Seed 001 sets no interval of its own; the label's 8 h applies.
    tocilizumab_min_interval_hours=8,
    tocilizumab_repeat=Action(
        "one repeat dose at most, if no improvement within 3 days and infection excluded;"
        " for grades 3-4 only without ICANS",
        f"{SEED_001}, Grade 2 CRS and Grade 3 CRS",
    ),
    tocilizumab_repeat_needs_no_icans_from_grade=3,
    tocilizumab_consider_after_grade_1_hours=None,
    tocilizumab_consider=None,
    actions=MappingProxyType(
        {
            1: (
                Action(
                    "Supportive care: acetaminophen for fever, IV hydration",
                    f"{SEED_001}, Grade 1 CRS",
                ),
                Action("Monitor every 12 h or more often", f"{SEED_001}, Grade 1 CRS"),
                Action("Alert the ICU team", f"{SEED_001}, Grade 1 CRS"),
            ),
            2: (
                Action(
                    "Tocilizumab 8 mg/kg IV (max 800 mg; 12 mg/kg under 30 kg) now",
                    f"{SEED_001}, Grade 2 CRS",
                ),
                Action("Transfer to ICU", f"{SEED_001}, Grade 2 CRS"),
                Action(
                    "If no improvement within 3 days and infection excluded, repeat tocilizumab"
                    " (at most 1 additional dose)",
                    f"{SEED_001}, Grade 2 CRS",
                ),
                Action(
                    "If deteriorating, dexamethasone 10 mg IV every 6 h with the second"
                    " tocilizumab dose",
                    f"{SEED_001}, Grade 2 CRS",
                ),
            ),
            3: (
                Action(
                    "Tocilizumab and dexamethasone 10 mg IV every 6 h for 1-3 days",
                    f"{SEED_001}, Grade 3 CRS",
                ),
                Action("Transfer to ICU now", f"{SEED_001}, Grade 3 CRS"),
                Action(
                    "If deteriorating, dexamethasone 20 mg IV every 6 h for 3 days, then taper"
                    " over 3-7 days",
                    f"{SEED_001}, Grade 3 CRS",
                ),
            ),
            4: (
                Action(
                    "Tocilizumab and dexamethasone 20 mg IV every 6 h for 3 days",
                    f"{SEED_001}, Grade 4 CRS",
                ),
                Action(
                    "ICU now, mechanical ventilation as needed",
                    f"{SEED_001}, Grade 4 CRS",
                ),
                Action(
                    "If no improvement, methylprednisolone 1000 mg/day IV for 3 days, then"
                    " 250 mg twice daily x2 days, 125 mg twice daily x2 days, 60 mg twice"
                    " daily x2 days",
                    f"{SEED_001}, Grade 4 CRS",
                ),
            ),
        }
    ),
    steroid_rules=(
        SteroidRule(
            "dexamethasone",
            10,
            "IV every 6 h, with the second tocilizumab dose",
            grade=2,
            condition="deterioration",
            when="if deteriorating",
            source=f"{SEED_001}, Grade 2 CRS",
        ),
        SteroidRule(
            "dexamethasone",
            10,
            "IV every 6 h for 1-3 days",
            grade=3,
            source=f"{SEED_001}, Grade 3 CRS",
        ),
        SteroidRule(
            "dexamethasone",
            20,
            "IV every 6 h for 3 days, then taper over 3-7 days",
            grade=3,
            when="if deteriorating",
            source=f"{SEED_001}, Grade 3 CRS",
        ),
        SteroidRule(
            "dexamethasone",
            20,
            "IV every 6 h for 3 days",
            grade=4,
            source=f"{SEED_001}, Grade 4 CRS",
        ),
        SteroidRule(
            "methylprednisolone",
            1000,
            "IV per day for 3 days, then 250 mg twice daily x2 days, 125 mg twice daily"
            " x2 days, 60 mg twice daily x2 days",
            grade=4,
            when="if no improvement",
            source=f"{SEED_001}, Grade 4 CRS",
        ),
    ),
    icu_transfer_from_grade=2,
    icu_transfer=Action("Transfer to ICU", f"{SEED_001}, Grade 2 CRS"),
    infection_workup=Action(
        "blood cultures and empiric broad-spectrum antibiotics immediately (infection mimics"
        " CRS); CBC, CMP, CRP, ferritin, fibrinogen, LDH, coagulation",
        f"{SEED_001}, Diagnostic Criteria and Grading (critical diagnostic steps)",
    ),
    refractory_options=("siltuximab", "clazakizumab", "anakinra"),
    refractory_source=f"{SEED_001}, Refractory CRS Management",
    hemoperfusion=None,
)

_BY_CODE = {"A": PROTOCOL_A, "B": PROTOCOL_B}

# Read-only for the rules; a new protocol is a new entry in _BY_CODE.
PROTOCOLS: Mapping[str, Protocol] = MappingProxyType(_BY_CODE)
