"""Reads for the pages, each in a fixed number of queries."""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Max, OuterRef, Prefetch, Subquery
from django.utils import timezone

from patients.models import Episode, MedicationAdministration, Ward

from . import rules
from .models import Assessment, BlockedDose, Prompt, TocilizumabStock
from .snapshot import dose_snapshots, episode_snapshot


def ward_rows(ward: Ward) -> list[Episode]:
    """Active episodes of a ward with `.current` (latest assessment) and episode maxima."""
    latest = Assessment.objects.filter(episode=OuterRef("pk")).latest_first().values("pk")[:1]
    episodes = list(
        Episode.objects.active()
        .filter(patient__ward=ward)
        .select_related("patient__ward")
        .annotate(
            current_id=Subquery(latest),
            max_crs=Max("assessments__crs_grade"),
            max_icans=Max("assessments__icans_grade"),
        )
    )
    current = Assessment.objects.in_bulk([e.current_id for e in episodes if e.current_id])
    for episode in episodes:
        episode.current = current.get(episode.current_id)
    return sorted(episodes, key=lambda e: (_bed_order(e.patient.bed), e.patient.family_name))


def _bed_order(bed: str) -> tuple:
    """Bed 2 before bed 10, as the ward counts them."""
    return tuple(
        (0, int(part), "") if part.isdigit() else (1, 0, part)
        for part in re.findall(r"\d+|\D+", bed)
    )


def episode_history(episode: Episode) -> list[Assessment]:
    """Assessments newest first, each with `.grade_changed` in words when it moved a grade."""
    history = list(episode.assessments.latest_first())
    if not history:
        return history
    for assessment, before in zip(history, history[1:] + [None], strict=True):
        assessment.grade_changed = _change(assessment, before)
    return history


def _change(assessment: Assessment, before: Assessment | None) -> str:
    if before is None:
        return "first grade"
    return ", ".join(grade_moves(assessment, before))


def grades_rose(current: Assessment | None, previous: Assessment | None) -> list[str]:
    """The grades that went up from the previous assessment, e.g. ["CRS 1 → 2"]."""
    if current is None or previous is None:
        return []
    return grade_moves(current, previous, upward_only=True)


def grade_moves(current: Assessment, previous: Assessment, upward_only=False) -> list[str]:
    return [
        f"{kind} {old} → {new}"
        for kind, old, new in (
            ("CRS", previous.crs_grade, current.crs_grade),
            ("ICANS", previous.icans_grade, current.icans_grade),
        )
        if new > old or (new != old and not upward_only)
    ]


def regrade_pending(episode: Episode) -> bool:
    """True while the chart holds a change no regrade has seen yet."""
    return episode.graded_through is None or episode.chart_changed_at > episode.graded_through


@dataclass
class DoseSummary:
    """What the dose screens show, from the same rules as `manage.py grade`."""

    weight_kg: float | None
    weight_at: datetime | None
    tocilizumab: rules.TocilizumabStatus
    blocks: list[tuple[str, str]]  # (code, words) for a dose now
    counters: tuple[rules.DrugCounter, ...]
    steroid_mg_24h: float
    steroid_mg_total: float
    stock: TocilizumabStock | None

    @property
    def stock_short(self) -> bool:
        return self.stock is None or self.stock.is_short


def _dose_summary(snapshot: rules.Snapshot, stock: TocilizumabStock | None) -> DoseSummary:
    steroid_24h, steroid_total = rules.steroid_dexamethasone_equivalent_mg(snapshot)
    toci = rules.tocilizumab_status(snapshot)
    return DoseSummary(
        weight_kg=snapshot.weight_kg,
        weight_at=snapshot.weight_at,
        tocilizumab=toci,
        blocks=[(code, rules.block_words(code, snapshot)) for code in toci.blocked_because],
        counters=rules.drug_counters(snapshot),
        steroid_mg_24h=steroid_24h,
        steroid_mg_total=steroid_total,
        stock=stock,
    )


def dose_summary(episode: Episode, at: datetime | None = None):
    """(summary, steroid recommendations for the current CRS grade) for one patient."""
    snapshot = episode_snapshot(episode, at or timezone.now())
    stock = episode.toci_stock.first()
    grade = rules.grade_crs(snapshot).grade
    return _dose_summary(snapshot, stock), rules.steroid_recommendations(snapshot, grade)


def pharmacy_rows(at: datetime | None = None) -> list[Episode]:
    """Every active episode with `.doses` (a DoseSummary), `.recent_doses`,
    `.recent_blocks`: a fixed number of queries however many patients."""
    at = at or timezone.now()
    since = at - timedelta(hours=72)
    episodes = list(
        Episode.objects.active()
        .select_related("patient__ward")
        .prefetch_related(
            Prefetch(
                "medicationadministration_set",
                queryset=MedicationAdministration.objects.filter(observed_at__gte=since)
                .select_related("override__by", "verification__by", "given_by")
                .order_by("-observed_at"),
                to_attr="recent_doses",
            ),
            Prefetch(
                "blocked_doses",
                queryset=BlockedDose.objects.filter(at__gte=since).select_related("by"),
                to_attr="recent_blocks",
            ),
        )
        .order_by("patient__ward__name", "patient__bed")
    )
    latest_stock = {}
    for stock in TocilizumabStock.objects.filter(episode__in=episodes).order_by("recorded_at"):
        latest_stock[stock.episode_id] = stock
    snapshots = dose_snapshots(episodes, at)
    for episode in episodes:
        episode.doses = _dose_summary(snapshots[episode.pk], latest_stock.get(episode.pk))
    return sorted(episodes, key=lambda e: (e.patient.ward.name, _bed_order(e.patient.bed)))


def live_prompts(episode: Episode) -> list[Prompt]:
    """Open and acknowledged prompts, most severe first, with their responses."""
    prompts = list(episode.prompts.exclude(state=Prompt.RESOLVED).prefetch_related("responses__by"))
    return sorted(prompts, key=lambda p: (p.severity_rank, p.raised_at))


def resolved_prompts(episode: Episode, limit: int = 50) -> list[Prompt]:
    return list(
        episode.prompts.filter(state=Prompt.RESOLVED)
        .order_by("-resolved_at")
        .prefetch_related("responses__by")[:limit]
    )
