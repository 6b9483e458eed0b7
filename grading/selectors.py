"""Reads for the pages, each in a fixed number of queries."""

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
        .order_by("patient__bed", "patient__family_name")
    )
    current = Assessment.objects.in_bulk([e.current_id for e in episodes if e.current_id])
    for episode in episodes:
        episode.current = current.get(episode.current_id)
    return episodes


def episode_history(episode: Episode):
    return episode.assessments.latest_first()
