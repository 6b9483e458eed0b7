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

# How prompts, protocol pages and printouts name the two documents the
# built-in protocols follow (clinical-rules.md section 12): words a clinician
# can look up, never a file name. In comments they stay "seed 000" (shared/
# seeds/000_623c65b5e40ad08d.txt) and "seed 001" (001_bd14ab9c656b1f75.txt).
SEED_000 = "Protocol A source: guideline summary on severe CRS and sepsis (2025)"
SEED_001 = "Protocol B source: guideline summary on CRS diagnosis and management (2025)"

# The other sources, named as clinical-rules.md section 12 names them.
ASTCT_2019 = "ASTCT 2019 (Lee et al.)"
TOCILIZUMAB_LABEL = "Tocilizumab US label"
ASCO_2021 = "ASCO 2021 (Santomasso et al.)"
NCCN_2026 = "NCCN CAR-T toxicities 2026"
RCP_NEWS2 = "RCP NEWS2 2017"


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
    """When to suggest extracorporeal cytokine adsorption: the grade persisting
    after tocilizumab and high-dose steroids, with multiple vasopressors or
    with at least `organ_dysfunctions` of the signs of multi-organ dysfunction
    (see hemoperfusion_consider)."""

    grade: int
    high_dose_steroid: str  # the drug that counts as "high-dose steroids"
    high_dose_steroid_min_mg: float  # a single dose at least this large
    organ_dysfunctions: int  # how many signs make "multi-organ dysfunction"
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
    # The protocol's conditions for a repeat dose (clinical-rules.md section 4
    # r2); one that fails holds the repeat (tocilizumab_repeat_on_hold).
    # "If no improvement": the CRS grade now at least the grade at the last dose.
    tocilizumab_repeat_needs_no_improvement: bool
    # "Infection excluded": a blood culture charted for the current CRS.
    tocilizumab_repeat_needs_blood_culture: bool
    # A repeat is considered only this long after the previous dose (None: no end).
    tocilizumab_repeat_window_hours: float | None
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
    name="Protocol A: severe CRS, up to 4 tocilizumab doses, hemoperfusion",
    version="A-2025-10-29",
    source=f"{SEED_000}: management of severe cytokine release syndrome and sepsis,"
    " last updated 29 Oct 2025",
    cite=SEED_000,
    tocilizumab_max_per_24h=3,
    tocilizumab_max_total=4,
    tocilizumab_min_interval_hours=8,
    tocilizumab_repeat=Action(
        "repeat every 8 h if no improvement; at most 3 doses in 24 h and 4 in total",
        f"{SEED_000}, Grade 2 CRS",
    ),
    # Seed 000, Grade 2 CRS: "repeat every 8 hours if no improvement".
    tocilizumab_repeat_needs_no_improvement=True,
    tocilizumab_repeat_needs_blood_culture=False,
    tocilizumab_repeat_window_hours=None,
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
        "extracorporeal cytokine adsorption (CytoSorb hemoperfusion with CRRT; for grade 4"
        " not responding to tocilizumab and high-dose steroids, with multiple vasopressors or"
        " multi-organ dysfunction)",
    ),
    refractory_source=f"{SEED_000}, Management of Refractory CRS",
    # Seed 000, Hemoperfusion for Severe CRS/Sepsis: grade 4 unresponsive to
    # tocilizumab and high-dose corticosteroids; multiple vasopressors or
    # multi-organ dysfunction (clinical-rules.md section 6: two or more signs).
    hemoperfusion=HemoperfusionRule(
        grade=4,
        high_dose_steroid="methylprednisolone",
        high_dose_steroid_min_mg=500,
        organ_dysfunctions=2,
        text="consider CytoSorb hemoperfusion with continuous renal replacement therapy"
        " (the evidence is case series)",
        source=f"{SEED_000}, Hemoperfusion for Severe CRS/Sepsis",
    ),
)

PROTOCOL_B = Protocol(
    code="B",
    name="Protocol B: CRS with early ICU, at most 2 tocilizumab doses",
    version="B-2025-11-20",
    source=f"{SEED_001}: diagnosis and management of cytokine release syndrome,"
    " last updated 20 Nov 2025",
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
    # Seed 001, Grades 2-4: "if no improvement within 3 days and infection
    # excluded ... in absence of ICANS" (grades 3-4). Clinical-rules.md
    # section 4 r2 and 13.6: the 3 days are the window after the previous
    # dose in which a repeat is considered.
    tocilizumab_repeat_needs_no_improvement=True,
    tocilizumab_repeat_needs_blood_culture=True,
    tocilizumab_repeat_window_hours=72,
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
