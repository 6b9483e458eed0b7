"""Thin Celery tasks: take ids, call services. Every task is idempotent, so
late acknowledgement (a task re-run after a worker dies) is harmless."""

from celery import shared_task

from patients.models import Episode

from . import services


@shared_task(acks_late=True)
def regrade_patient(patient_id: int, trigger: str = "new_data") -> int | None:
    assessment = services.regrade_patient(patient_id, trigger=trigger)
    return assessment.pk if assessment else None


@shared_task(acks_late=True)
def regrade_active_episodes() -> int:
    """The 12-hourly regrade of every active episode (seed 001)."""
    episodes = Episode.objects.active().only("pk")
    for episode in episodes:
        services.regrade(episode, trigger="schedule")
    return len(episodes)


@shared_task(acks_late=True)
def sweep_stale_assessments() -> int:
    """Regrade charts that changed while no regrade ran (the broker was down)."""
    stale = list(services.stale_episodes().only("pk"))
    for episode in stale:
        services.regrade(episode, trigger="sweep")
    return len(stale)
