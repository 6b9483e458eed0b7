"""Corticosteroids: totals in dexamethasone equivalents and the protocol's
recommended doses (clinical-rules.md sections 4 and 5)."""

from dataclasses import dataclass
from datetime import timedelta

from .protocols import PROTOCOLS
from .types import Snapshot

# Standard glucocorticoid equivalence (anti-inflammatory potency):
# dexamethasone 0.75 mg = methylprednisolone 4 mg = hydrocortisone 20 mg
# (BNF "Glucocorticoid therapy"; Liu et al., Allergy Asthma Clin Immunol
# 2013;9:30, table 1). Factor = mg of dexamethasone per mg of the drug.
DEXAMETHASONE_EQUIVALENT = {
    "dexamethasone": 1.0,
    "methylprednisolone": 0.75 / 4,
    "hydrocortisone": 0.75 / 20,
}
CORTICOSTEROIDS = frozenset(DEXAMETHASONE_EQUIVALENT)
# The same table (BNF: prednisolone 5 mg = prednisone 5 mg = dexamethasone
# 0.75 mg) for the glucocorticoids the chart has no entry for: charted under
# "Other" by name, they still count in the registry's steroid exposure.
OTHER_GLUCOCORTICOID_EQUIVALENT = {
    "prednisolone": 0.75 / 5,
    "prednisone": 0.75 / 5,
}

# **choice** (clinical-rules.md section 4): both seeds give adult doses only,
# so a patient under 18 never sees one.
ADULT_FROM_YEARS = 18
NO_PAEDIATRIC_DOSE = "no paediatric dose rule in this protocol: check with pharmacy"

DAY = timedelta(hours=24)


def steroid_dexamethasone_equivalent_mg(snapshot: Snapshot) -> tuple[float, float]:
    """(last 24 h, episode total) in mg dexamethasone; doses without an amount
    add nothing."""
    last_24h = total = 0.0
    for medication in snapshot.medications:
        factor = DEXAMETHASONE_EQUIVALENT.get(medication.drug)
        if factor is None or medication.dose_mg is None:
            continue
        total += medication.dose_mg * factor
        if snapshot.within(medication.at, DAY):
            last_24h += medication.dose_mg * factor
    return last_24h, total


@dataclass(frozen=True)
class SteroidRecommendation:
    drug: str
    dose_mg: float | None  # None for a child: no adult dose is shown
    text: str  # the adult dose and schedule, or NO_PAEDIATRIC_DOSE
    condition: str | None  # a check in conditions.py, None: always at this grade
    source: str


def steroid_recommendations(snapshot: Snapshot, grade: int) -> tuple[SteroidRecommendation, ...]:
    """The protocol's steroid doses for this CRS grade; for a child, the
    pharmacy message instead of every adult dose."""
    adult = snapshot.age_years >= ADULT_FROM_YEARS
    return tuple(
        SteroidRecommendation(
            drug=rule.drug,
            dose_mg=rule.dose_mg if adult else None,
            text=rule.text if adult else NO_PAEDIATRIC_DOSE,
            condition=rule.condition,
            source=rule.source,
        )
        for rule in PROTOCOLS[snapshot.protocol].steroid_rules
        if rule.grade == grade
    )
