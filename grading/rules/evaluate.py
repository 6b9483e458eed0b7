"""One evaluation of a snapshot: both grades, the tocilizumab status and the
open prompts, stamped with the rules version so it can be replayed."""

from dataclasses import dataclass
from datetime import datetime

from .crs import grade_crs
from .icans import grade_icans
from .prompts import Prompt, prompts
from .tocilizumab import TocilizumabStatus, tocilizumab_status
from .types import Grade, Snapshot

# Bump when any rule, threshold or protocol record changes meaning, so stored
# assessments say which rules produced them.
RULES_VERSION = "astct2019-r1"


@dataclass(frozen=True)
class Evaluation:
    at: datetime
    crs: Grade
    icans: Grade
    tocilizumab: TocilizumabStatus
    prompts: tuple[Prompt, ...]
    rules_version: str


def evaluate(snapshot: Snapshot) -> Evaluation:
    crs = grade_crs(snapshot)
    icans = grade_icans(snapshot)
    toci = tocilizumab_status(snapshot)
    return Evaluation(
        at=snapshot.at,
        crs=crs,
        icans=icans,
        tocilizumab=toci,
        prompts=prompts(snapshot, crs, icans, toci),
        rules_version=RULES_VERSION,
    )
