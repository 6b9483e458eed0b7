"""Reads for the pages, each in a fixed number of queries."""

import re

from django.db.models import Max, OuterRef, Subquery

from patients.models import Episode, Ward

from .models import Assessment


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
    for assessment, before in zip(history, history[1:] + [None], strict=True):
        assessment.grade_changed = _change(assessment, before)
    return history


def _change(assessment: Assessment, before: Assessment | None) -> str:
    if before is None:
        return "first grade"
    moves = [
        f"{kind} {old} → {new}"
        for kind, old, new in (
            ("CRS", before.crs_grade, assessment.crs_grade),
            ("ICANS", before.icans_grade, assessment.icans_grade),
        )
        if old != new
    ]
    return ", ".join(moves)
