"""Writes for the board: what each user has seen."""

from django.utils import timezone

from patients.models import Episode

from .models import Assessment, BoardSeen


def board_seen_record(*, user, episode: Episode, assessment: Assessment | None) -> None:
    """This user opened the patient: grades up to `assessment` are no longer news to them."""
    if not user.is_authenticated or not episode.is_active:
        return
    BoardSeen.objects.update_or_create(
        user=user,
        episode=episode,
        defaults={"assessment": assessment, "seen_at": timezone.now()},
    )
