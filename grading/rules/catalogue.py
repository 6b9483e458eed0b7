"""The rules a reason can come from, each with its source, so any grade can
answer "why?" (clinical-rules.md section 12: sources a clinician can look up).

A reason carries the id of the rule that produced it; the screens and the
stored assessment look the id up here.
"""

from dataclasses import dataclass

from .protocols import ASTCT_2019


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    source: str


RULES = {
    rule.id: rule
    for rule in (
        Rule(
            "crs.fever",
            "Fever criterion: a temperature of 38.0 °C or more in the look-back",
            f"{ASTCT_2019}, table 2; look-back of 24 h a ward choice (clinical-rules §2)",
        ),
        Rule(
            "crs.exemption",
            "Fever not required after antipyretic or anti-cytokine therapy, while the CRS is"
            " active",
            f"{ASTCT_2019}; Protocol A source: guideline summary on severe CRS and sepsis"
            " (2025), special considerations; clinical-rules §2 and §8 r2",
        ),
        Rule(
            "crs.course",
            "The course of CRS: onset, resolution after a quiet period, a new onset",
            "clinical-rules §8 and §13.1 r2 (resolution time a ward choice)",
        ),
        Rule(
            "crs.circulation",
            "Hypotension and vasopressors (vasopressin not counted towards 'multiple')",
            f"{ASTCT_2019}, table 2 and footnote; thresholds a ward choice (clinical-rules §2);"
            " evidence older than the evidence window does not grade (§2 r2)",
        ),
        Rule(
            "crs.oxygen",
            "Oxygen support given (not the SpO2)",
            f"{ASTCT_2019}, table 2; evidence window (clinical-rules §2 r2)",
        ),
        Rule(
            "crs.other_causes",
            "Hypotension or oxygen need without the fever criterion is not CRS",
            f"{ASTCT_2019}; clinical-rules §2 and §9 r2 (acuity counts it)",
        ),
        Rule(
            "icans.assessment",
            "ICANS is graded from the latest ICE/CAPD after the infusion",
            f"{ASTCT_2019}, tables 5-8; clinical-rules §3",
        ),
        Rule("icans.score", "ICE score (12 y and over) or CAPD", f"{ASTCT_2019}, tables 5-8"),
        Rule("icans.consciousness", "Depressed level of consciousness", f"{ASTCT_2019}, table 6"),
        Rule("icans.seizure", "Seizure", f"{ASTCT_2019}, table 6"),
        Rule("icans.motor", "Motor findings (focal weakness)", f"{ASTCT_2019}, table 6"),
        Rule(
            "icans.edema",
            "Raised intracranial pressure / cerebral oedema",
            f"{ASTCT_2019}, table 6",
        ),
        Rule(
            "acuity.crs",
            "Acuity from the CRS grade",
            "clinical-rules §9 r2 (acuity 0-4 orders the board)",
        ),
        Rule("acuity.icans", "Acuity from the ICANS grade", "clinical-rules §9 r2"),
        Rule(
            "acuity.without_fever",
            "Shock or respiratory failure without fever counts at the grade its support would give",
            f"clinical-rules §9 r2 (the seeds' severe CRS and sepsis); {ASTCT_2019}, table 2",
        ),
        Rule(
            "acuity.news2",
            "NEWS2 7 or more gives acuity 3; 5-6 or a single parameter scoring 3 gives 2",
            "RCP NEWS2 2017; clinical-rules §9 r2",
        ),
        Rule(
            "icans.excluded",
            "A finding attributed to another cause does not count",
            f"{ASTCT_2019} (findings explained by another cause, such as sedation)",
        ),
    )
}
