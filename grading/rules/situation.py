"""What every prompt check reads, and how a prompt is written
(clinical-rules.md section 6)."""

from dataclasses import dataclass
from functools import cached_property

from .acuity import Acuity
from .course import CrsCourse
from .fever import fever_status
from .news2 import News2, news2
from .protocols import PROTOCOLS, Protocol
from .steroids import CORTICOSTEROIDS
from .tocilizumab import LABEL_MAX_DOSE_MG, TocilizumabStatus
from .trajectory import Trajectory
from .types import Grade, Snapshot
from .wording import clock

SEVERITY_ORDER = ("critical", "high", "medium", "low")

SEVERITY = {
    "gm_csf_contraindicated": "critical",
    "icu_transfer": "critical",
    "refractory_options": "critical",
    "hemoperfusion_consider": "critical",
    "tocilizumab_indicated": "high",
    "tocilizumab_limit_reached": "high",
    "dexamethasone": "high",
    "methylprednisolone": "high",
    "icans_present": "high",
    "infection_workup": "high",
    "assess_oxygen": "high",
    "tocilizumab_consider": "medium",
    "evaluate_other_causes": "medium",
    "grading_overdue": "medium",
    "neuro_overdue": "medium",
    "toci_lab_monitoring": "medium",
    "news2_emergency": "critical",
    "news2_urgent": "high",
    "antifungal_prophylaxis": "low",
}

TOCILIZUMAB_SOURCE = "tocilizumab US label (CRS dosing)"


@dataclass(frozen=True)
class Prompt:
    code: str
    severity: str
    text: str  # ends with the source it follows
    source: str
    dose_text: str | None = None


class Situation:
    """Everything the prompt conditions read, computed once per evaluation."""

    def __init__(
        self,
        snapshot: Snapshot,
        crs: Grade,
        icans: Grade,
        toci: TocilizumabStatus,
        score: News2 | None = None,
        acuity: Acuity | None = None,
    ):
        self.snapshot = snapshot
        self.crs = crs
        self.icans = icans
        self.toci = toci
        self._news2 = score
        self.acuity = acuity
        self.protocol: Protocol = PROTOCOLS[snapshot.protocol]

    @cached_property
    def news2(self) -> News2:
        return self._news2 or news2(self.snapshot)

    @property
    def course(self) -> CrsCourse:
        return self.fever.course

    def when(self, moment) -> str:
        return clock(moment, self.snapshot.at)

    @cached_property
    def fever(self):
        return fever_status(self.snapshot)

    @cached_property
    def trajectory(self) -> Trajectory:
        return Trajectory(self.snapshot)

    @cached_property
    def episode_steroids(self):
        return [
            m
            for m in self.snapshot.medications
            if m.drug in CORTICOSTEROIDS and self.snapshot.since(m.at)
        ]

    @property
    def toci_dose_text(self) -> str | None:
        if self.toci.dose_mg is None:
            return None
        return (
            f"tocilizumab {self.toci.dose_mg} mg IV ({self.toci.mg_per_kg} mg/kg,"
            f" max {LABEL_MAX_DOSE_MG} mg)"
        )


def make(code: str, text: str, source: str, dose_text: str | None = None) -> Prompt:
    return Prompt(code, SEVERITY[code], f"{text}. Source: {source}.", source, dose_text)
