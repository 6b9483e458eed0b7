"""Reads for the bedside page, each in a fixed number of queries."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from .models import (
    ChartEntry,
    Episode,
    LabResult,
    MedicationAdministration,
    NeuroAssessment,
    VitalsSet,
    WeightMeasurement,
    WorkupEvent,
)

# clinical-rules section 6 (`neuro_overdue`): an ICE/CAPD at least every 12 hours.

# The history on the bedside page covers a day and a shift handover.
HISTORY_WINDOW = timedelta(hours=24)

# Chart kinds as they appear in URLs, in the order the bedside lists them.
CHART_KINDS = {
    "vitals": VitalsSet,
    "neuro": NeuroAssessment,
    "lab": LabResult,
    "drug": MedicationAdministration,
    "weight": WeightMeasurement,
    "event": WorkupEvent,
}


@dataclass(frozen=True)
class Due:
    """When a check falls due: `every` after the last one, or now if there was none."""

    what: str
    last_at: datetime | None
    every: timedelta
    now: datetime

    @property
    def due_at(self) -> datetime | None:
        return None if self.last_at is None else self.last_at + self.every

    @property
    def is_due(self) -> bool:
        return self.due_at is None or self.now >= self.due_at


def _latest(model: type[ChartEntry], episode: Episode):
    return model.objects.valid().filter(episode=episode).order_by("-observed_at", "-pk")


def last_vitals(episode: Episode) -> VitalsSet | None:
    return _latest(VitalsSet, episode).prefetch_related("vasopressors").first()


def last_neuro(episode: Episode) -> NeuroAssessment | None:
    return _latest(NeuroAssessment, episode).first()


@dataclass(frozen=True)
class Support:
    """The oxygen and vasopressors in force, each from the latest valid set that
    recorded it: a set that left them out carries them over (clinical-rules
    section 2 r2)."""

    oxygen_set: VitalsSet | None
    pressor_set: VitalsSet | None

    @property
    def oxygen_device(self) -> str:
        return self.oxygen_set.oxygen_device if self.oxygen_set else ""

    @property
    def oxygen_flow(self):
        return self.oxygen_set.oxygen_flow_l_min if self.oxygen_set else None

    @property
    def oxygen_words(self) -> str:
        if self.oxygen_set is None:
            return ""
        words = self.oxygen_set.get_oxygen_device_display()
        if self.oxygen_flow:
            words += f" {self.oxygen_flow.normalize():f} L/min"
        return words

    @property
    def vasopressors(self) -> list[str]:
        return [p.drug for p in self.pressor_set.vasopressors.all()] if self.pressor_set else []

    @property
    def vasopressor_words(self) -> str:
        if self.pressor_set is None:
            return ""
        names = [p.get_drug_display() for p in self.pressor_set.vasopressors.all()]
        return ", ".join(names) if names else "none running"


def carried_support(episode: Episode) -> Support:
    return Support(
        oxygen_set=_latest(VitalsSet, episode).exclude(oxygen_device="").first(),
        pressor_set=_latest(VitalsSet, episode)
        .filter(vasopressors_recorded=True)
        .prefetch_related("vasopressors")
        .first(),
    )


def baseline_neuro(episode: Episode) -> NeuroAssessment | None:
    """The last valid ICE/CAPD before the infusion: what later ones are read against."""
    return _latest(NeuroAssessment, episode).filter(observed_at__lt=episode.infusion_at).first()


def bedside_summary(episode: Episode, now: datetime) -> dict:
    vitals = last_vitals(episode)
    neuro = _latest(NeuroAssessment, episode).first()
    return {
        "last_vitals": vitals,
        "support": carried_support(episode),
        "last_neuro": neuro,
        "baseline": baseline_neuro(episode),
        "weight": _latest(WeightMeasurement, episode).first(),
    }


def recent_events(episode: Episode, now: datetime) -> list[WorkupEvent]:
    """The work-up charted in the last 24 hours, newest first, struck ones too."""
    rows = (
        WorkupEvent.objects.filter(episode=episode, observed_at__gte=now - HISTORY_WINDOW)
        .select_related("recorded_by", "entered_in_error_by")
        .order_by("-observed_at", "-recorded_at")
    )
    return [dressed(row, episode) for row in rows]


def chart_history(episode: Episode, now: datetime, everything: bool = False) -> list[ChartEntry]:
    """Every chart row of the episode, newest first, entered-in-error ones included.

    Each row gets `.kind` (a CHART_KINDS key); neuro rows after the infusion
    get `.baseline`, and the baseline itself `.is_baseline`.
    """
    related = {
        VitalsSet: (),
        NeuroAssessment: (),
        LabResult: ("test",),
        MedicationAdministration: ("given_by",),
        WeightMeasurement: (),
        WorkupEvent: (),
    }
    baseline = baseline_neuro(episode)
    rows = []
    for kind, model in CHART_KINDS.items():
        query = model.objects.filter(episode=episode).select_related(
            "recorded_by", "entered_in_error_by", *related[model]
        )
        if not everything:
            query = query.filter(observed_at__gte=now - HISTORY_WINDOW)
        if model is VitalsSet:
            query = query.prefetch_related("vasopressors")
        for row in query:
            row.kind = kind
            if model is NeuroAssessment:
                _beside_baseline(row, episode, baseline)
            rows.append(row)
    return sorted(rows, key=lambda row: (row.observed_at, row.recorded_at), reverse=True)


def chart_row(episode: Episode, kind: str, entry_id: int) -> ChartEntry | None:
    """One row of this episode's chart, dressed as chart_history dresses it."""
    model = CHART_KINDS.get(kind)
    if model is None:
        return None
    row = model.objects.filter(episode=episode, pk=entry_id).first()
    return None if row is None else dressed(row, episode)


def dressed(row: ChartEntry, episode: Episode) -> ChartEntry:
    """A row just saved or fetched alone, with what chart_history adds to each row."""
    row.kind = next(kind for kind, model in CHART_KINDS.items() if isinstance(row, model))
    if isinstance(row, NeuroAssessment):
        _beside_baseline(row, episode, baseline_neuro(episode))
    return row


def _beside_baseline(row: NeuroAssessment, episode: Episode, baseline) -> None:
    # Only a score from the same tool, taken after the infusion, is read against it.
    row.is_baseline = baseline is not None and row.pk == baseline.pk
    after = row.observed_at >= episode.infusion_at
    row.baseline = baseline if after and baseline and baseline.tool == row.tool else None
