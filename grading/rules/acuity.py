"""Acuity 0-4: how ill the patient is now, whatever the cause
(clinical-rules.md section 9). It orders the board and colours a patient.

The product started from two documents on severe CRS *and sepsis*: a patient
in shock without fever is as urgent as one in grade 4 CRS, so the support a
patient needs counts even when the fever criterion of CRS is not met.
"""

import re
from dataclasses import dataclass

from .circulation import hypotension_finding
from .fever import FeverStatus
from .news2 import HIGH_FROM, MEDIUM_FROM, News2
from .oxygenation import hypoxia_finding
from .types import Grade, Snapshot

# Section 9: NEWS2 >= 7 -> acuity 3; 5-6 or any single parameter scoring 3 -> 2.
NEWS2_HIGH_ACUITY = 3
NEWS2_MEDIUM_ACUITY = 2


@dataclass(frozen=True)
class Acuity:
    level: int
    reasons: tuple[str, ...]
    rules: tuple[str, ...] = ()  # the rule id behind each reason (rules/catalogue.py)

    def why(self) -> tuple[tuple[str, str], ...]:
        return tuple(zip(self.rules, self.reasons, strict=True))


def acuity(
    snapshot: Snapshot, fever: FeverStatus, crs: Grade, icans: Grade, score: News2
) -> Acuity:
    found: list[tuple[int, str, str]] = []  # (level, rule id, reason)
    if crs.grade:
        found.append((crs.grade, "acuity.crs", f"CRS grade {crs.grade}"))
    if icans.grade:
        found.append((icans.grade, "acuity.icans", f"ICANS grade {icans.grade}"))
    if not fever.met:
        # Section 9: without the fever criterion the support still counts, at
        # the grade it would give (ASTCT 2019 table 2 columns).
        circulation = hypotension_finding(snapshot)
        if circulation.grade:
            found.append(
                (
                    circulation.grade,
                    "acuity.without_fever",
                    f"Shock without fever: {_lower(circulation.reason)}",
                )
            )
        oxygen = hypoxia_finding(snapshot)
        if oxygen.grade:
            found.append(
                (
                    oxygen.grade,
                    "acuity.without_fever",
                    f"Respiratory failure without fever: {_lower(oxygen.reason)}",
                )
            )
    if score.score is not None:
        if score.score >= HIGH_FROM:
            found.append((NEWS2_HIGH_ACUITY, "acuity.news2", score.reason))
        elif score.score >= MEDIUM_FROM or score.single_red:
            found.append((NEWS2_MEDIUM_ACUITY, "acuity.news2", score.reason))
    if not found:
        return Acuity(0, ("No CRS, ICANS, unsupported shock or raised NEWS2",), ("acuity.crs",))
    level = max(level for level, _, _ in found)
    # The reasons that set the level first, then the rest.
    ordered = sorted(found, key=lambda item: -item[0])
    return Acuity(
        level, tuple(reason for _, _, reason in ordered), tuple(rule for _, rule, _ in ordered)
    )


def _lower(reason: str) -> str:
    """'Grade 3: norepinephrine running' -> 'norepinephrine running';
    'Positive pressure: BiPAP' -> 'positive pressure: BiPAP'."""
    text = re.sub(r"^Grade \d: ", "", reason)
    return text[:1].lower() + text[1:]
