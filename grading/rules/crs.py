"""The ASTCT 2019 CRS grade (Lee et al. 2019, table 2; clinical-rules.md section 2)."""

from .circulation import hypotension_finding
from .fever import FeverStatus, fever_status
from .oxygenation import hypoxia_finding
from .types import Grade, Snapshot


def grade_crs(snapshot: Snapshot, fever: FeverStatus | None = None) -> Grade:
    """Grade = the more severe of the hypotension and hypoxia grades, at least 1
    with a fever, 0 without the fever criterion (ASTCT 2019 table 2)."""
    fever = fever or fever_status(snapshot)
    circulation = hypotension_finding(snapshot)
    oxygen = hypoxia_finding(snapshot)
    support = max(circulation.grade, oxygen.grade)
    used = tuple(dict.fromkeys(fever.used + circulation.used + oxygen.used))
    parts = (circulation.reason, oxygen.reason)
    part_rules = ("crs.circulation", "crs.oxygen")

    if fever.fever is not None:
        # ASTCT 2019 table 2: fever alone is grade 1.
        return Grade(max(1, support), fever.reasons + parts, used, fever.rules + part_rules)

    if fever.exemption is not None:
        # ASTCT 2019 ("fever is no longer required... grading is driven by
        # hypotension and/or hypoxia"): without a fever, grade 1 has nothing
        # to stand on, so no hypotension and no oxygen need is grade 0.
        if support == 0:
            return Grade(
                0,
                fever.reasons + ("CRS active, no fever, hypotension or oxygen need now",),
                used,
                fever.rules + ("crs.exemption",),
            )
        return Grade(support, fever.reasons + parts, used, fever.rules + part_rules)

    # No fever criterion: not CRS, whatever the support (ASTCT 2019; the
    # evaluate_other_causes prompt takes over).
    if support == 0:
        return Grade(0, fever.reasons, fever.used, fever.rules)
    other = tuple(
        f"{finding.reason}: not CRS without fever, evaluate other causes"
        for finding in (circulation, oxygen)
        if finding.grade > 0
    )
    return Grade(0, fever.reasons + other, used, fever.rules + ("crs.other_causes",) * len(other))
