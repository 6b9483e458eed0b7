"""Escalation and safety prompts (clinical-rules.md section 6): which prompt
conditions hold at T, most severe first. The chart side keeps each prompt's
state (open, acknowledged, resolved)."""

from . import icans_prompts as icans
from . import monitoring_prompts as monitoring
from . import safety_prompts as safety
from . import treatment_prompts as treatment
from . import warning_prompts as warning
from .acuity import Acuity
from .news2 import News2
from .situation import SEVERITY_ORDER, Prompt, Situation
from .tocilizumab import TocilizumabStatus
from .types import Grade, Snapshot

# In the order of clinical-rules.md section 6 (the tie-break within a severity).
CHECKS = (
    safety.infection_workup,
    treatment.tocilizumab_indicated,
    treatment.tocilizumab_consider,
    treatment.tocilizumab_repeat_on_hold,
    treatment.tocilizumab_limit_reached,
    treatment.dexamethasone,
    treatment.methylprednisolone,
    treatment.icu_transfer,
    treatment.refractory_options,
    treatment.hemoperfusion_consider,
    safety.assess_oxygen,
    safety.evaluate_other_causes,
    safety.icans_present,
    safety.antifungal_prophylaxis,
    safety.gm_csf_contraindicated,
    safety.grading_overdue,
    safety.neuro_overdue,
    safety.toci_lab_monitoring,
    monitoring.telemetry,
    monitoring.echocardiogram_consider,
    monitoring.febrile_neutropenia,
    icans.icans_management,
    icans.seizure_prophylaxis_consider,
    icans.icans_risk_high,
    monitoring.iec_hs_consider,
    warning.news2_urgent,
    warning.news2_emergency,
)
PROMPT_CODES = tuple(check.__name__ for check in CHECKS)


def prompts(
    snapshot: Snapshot,
    crs: Grade,
    icans: Grade,
    toci: TocilizumabStatus,
    score: News2 | None = None,
    acuity: Acuity | None = None,
) -> tuple[Prompt, ...]:
    """The prompts whose condition holds at T, most severe first."""
    situation = Situation(snapshot, crs, icans, toci, score, acuity)
    found = [p for p in (check(situation) for check in CHECKS) if p is not None]
    return tuple(sorted(found, key=lambda p: SEVERITY_ORDER.index(p.severity)))
