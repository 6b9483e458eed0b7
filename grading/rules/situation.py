"""What every prompt check reads, and how a prompt is written
(clinical-rules.md section 6)."""

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from .acuity import Acuity
from .course import CrsCourse
from .fever import fever_status
from .news2 import News2, news2
from .protocols import PROTOCOLS, TOCILIZUMAB_LABEL, Protocol
from .tocilizumab import LABEL_MAX_DOSE_MG, TocilizumabStatus
from .trajectory import Trajectory
from .types import Grade, Snapshot
from .wording import clock

# Most severe first. "info" (r2) tells, asks nothing: a repeat dose on hold.
SEVERITY_ORDER = ("critical", "high", "medium", "low", "info")

# The severity of each code; a code whose severity depends on the finding
# (febrile_neutropenia, evaluate_other_causes, icans_management) passes it to
# make() and is listed here at its lowest. Section 6 r2 sets hemoperfusion
# (high), evaluate_other_causes, febrile_neutropenia and the repeat on hold
# (info); the other r2 codes are a **choice**: high where the physician
# should act now (ICANS management and risk, IEC-HS), medium for monitoring
# and considerations (telemetry, echocardiogram, seizure prophylaxis).
SEVERITY = {
    "gm_csf_contraindicated": "critical",
    "icu_transfer": "critical",
    "refractory_options": "critical",
    "hemoperfusion_consider": "high",
    "tocilizumab_indicated": "high",
    "tocilizumab_limit_reached": "high",
    "dexamethasone": "high",
    "methylprednisolone": "high",
    "icans_present": "high",
    "icans_management": "high",
    "icans_risk_high": "high",
    "infection_workup": "high",
    "febrile_neutropenia": "high",
    "iec_hs_consider": "high",
    "assess_oxygen": "high",
    "evaluate_other_causes": "high",
    "tocilizumab_consider": "medium",
    "seizure_prophylaxis_consider": "medium",
    "telemetry": "medium",
    "echocardiogram_consider": "medium",
    "grading_overdue": "medium",
    "neuro_overdue": "medium",
    "toci_lab_monitoring": "medium",
    "news2_emergency": "critical",
    "news2_urgent": "high",
    "antifungal_prophylaxis": "low",
    "tocilizumab_repeat_on_hold": "info",
}

TOCILIZUMAB_SOURCE = TOCILIZUMAB_LABEL


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

    @property
    def crs_onsets(self) -> tuple[datetime, ...]:
        """The start of each CRS of the episode, oldest first (section 8)."""
        return self.course.onsets

    @property
    def crs_active(self) -> bool:
        return self.course.active

    @cached_property
    def episode_steroids(self):
        # Any corticosteroid, by its class: a steroid charted under another
        # name with the class "steroid" counts too (grade-command.md r2).
        return [
            m
            for m in self.snapshot.medications
            if m.drug_class == "steroid" and self.snapshot.since(m.at)
        ]

    @property
    def toci_dose_text(self) -> str | None:
        if self.toci.dose_mg is None:
            return None
        return (
            f"tocilizumab {self.toci.dose_mg} mg IV ({self.toci.mg_per_kg} mg/kg,"
            f" max {LABEL_MAX_DOSE_MG} mg)"
        )


def make(
    code: str,
    text: str,
    source: str,
    dose_text: str | None = None,
    severity: str | None = None,
) -> Prompt:
    """A prompt at the code's severity, or at `severity` when the finding
    sets it (never below the code's own)."""
    level = SEVERITY[code]
    if severity is not None:
        if SEVERITY_ORDER.index(severity) > SEVERITY_ORDER.index(level):
            raise ValueError(f"{code} cannot be {severity}: it is at least {level}")
        level = severity
    # "Protocol A source: ..." names itself; "Source: Protocol A source:" would stutter.
    cited = source if source.startswith("Protocol ") else f"Source: {source}"
    return Prompt(code, level, f"{text}. {cited}.", source, dose_text)
