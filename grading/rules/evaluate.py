"""One evaluation of a snapshot: both grades, the CRS course, acuity, NEWS2
and qSOFA, due times, the tocilizumab status and the open prompts, stamped
with the rules version so it can be replayed."""

from dataclasses import dataclass
from datetime import datetime

from .acuity import Acuity, acuity
from .course import CrsCourse
from .crs import grade_crs
from .due import Due, due
from .fever import fever_status
from .icans import grade_icans
from .news2 import News2, Qsofa, news2, qsofa
from .prompts import Prompt, prompts
from .tocilizumab import TocilizumabStatus, tocilizumab_status
from .types import Grade, Snapshot

# Bump when any rule, threshold or protocol record changes meaning, so stored
# assessments say which rules produced them.
RULES_VERSION = "astct2019-r2"


@dataclass(frozen=True)
class Evaluation:
    at: datetime
    crs: Grade
    icans: Grade
    tocilizumab: TocilizumabStatus
    prompts: tuple[Prompt, ...]
    rules_version: str
    course: CrsCourse
    acuity: Acuity
    news2: News2
    qsofa: Qsofa
    due: Due


def evaluate(snapshot: Snapshot) -> Evaluation:
    fever = fever_status(snapshot)
    crs = grade_crs(snapshot, fever)
    icans = grade_icans(snapshot)
    toci = tocilizumab_status(snapshot)
    score = news2(snapshot)
    level = acuity(snapshot, fever, crs, icans, score)
    raised = prompts(snapshot, crs, icans, toci, score=score, acuity=level)
    return Evaluation(
        at=snapshot.at,
        crs=crs,
        icans=icans,
        tocilizumab=toci,
        prompts=raised,
        rules_version=RULES_VERSION,
        course=fever.course,
        acuity=level,
        news2=score,
        qsofa=qsofa(snapshot),
        due=due(
            snapshot,
            crs.grade,
            icans.grade,
            level.level,
            score,
            icans_risk_high=any(p.code == "icans_risk_high" for p in raised),
        ),
    )
