"""Per-drug dose counters for the episode (clinical-rules.md section 5)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from .types import Snapshot

DAY = timedelta(hours=24)


@dataclass(frozen=True)
class DrugCounter:
    drug: str
    doses_total: int
    doses_last_24h: int  # doses in (T - 24 h, T], the window the limits use
    mg_last_24h: float  # doses charted without an amount add nothing here
    mg_total: float
    last_dose_at: datetime


def drug_counters(snapshot: Snapshot) -> tuple[DrugCounter, ...]:
    """One counter for every drug given, by drug name."""
    by_drug: dict[str, list] = {}
    for medication in snapshot.medications:
        by_drug.setdefault(medication.drug, []).append(medication)
    counters = []
    for drug in sorted(by_drug):
        given = by_drug[drug]
        recent = [m for m in given if snapshot.within(m.at, DAY)]
        counters.append(
            DrugCounter(
                drug=drug,
                doses_total=len(given),
                doses_last_24h=len(recent),
                mg_last_24h=sum(m.dose_mg or 0 for m in recent),
                mg_total=sum(m.dose_mg or 0 for m in given),
                last_dose_at=given[-1].at,
            )
        )
    return tuple(counters)
