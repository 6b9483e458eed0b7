"""Pending device vitals: reading them, and the nurse's two answers.

Confirming charts through `patients.services.vitals_record` with what the
nurse saved in the ordinary vitals form (her corrections included), then
marks the set confirmed with a link to that chart row. Discarding keeps the
set, with who, when and why. Neither ever deletes anything.
"""

from datetime import datetime, timedelta
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from crsmonitor.policy import may
from patients import services as chart
from patients.models import Episode, VitalsSet
from patients.wording import clock_time

from .models import DeviceVitalsSet

# A monitor's values older than this read as stale on the bedside page: the
# patient has moved on since (vitals are due every 1-4 h on a CAR-T ward).
# They can still be charted, as the late entry they are, or discarded.
STALE_AFTER = timedelta(hours=4)


def pending_sets(episode: Episode) -> list[DeviceVitalsSet]:
    """The pending sets of an episode, newest first, with their observations (2 queries)."""
    return list(
        DeviceVitalsSet.objects.filter(episode=episode, status=DeviceVitalsSet.PENDING)
        .select_related("message")
        .prefetch_related("observations")
        .order_by("-observed_at", "-pk")
    )


def is_stale(vitals_set: DeviceVitalsSet, now: datetime) -> bool:
    return now - vitals_set.observed_at > STALE_AFTER


def form_values(vitals_set: DeviceVitalsSet) -> dict:
    """The vitals form's initial values: one per quantity, in the chart's unit."""
    values: dict = {"observed_at": vitals_set.observed_at}
    for obs in vitals_set.observations.all():
        if not obs.used:
            continue
        if obs.quantity == "temperature_c":
            values["temperature"] = obs.value
            values["temperature_unit"] = "C"
        else:
            values[obs.quantity] = int(obs.value)
    return values


def _resolved_already(locked: DeviceVitalsSet) -> ValidationError:
    who = locked.resolved_by.get_full_name() or locked.resolved_by.username
    what = "charted" if locked.status == DeviceVitalsSet.CONFIRMED else "discarded"
    return ValidationError(
        f"These monitor values were already {what} by {who} at {clock_time(locked.resolved_at)}."
    )


@transaction.atomic
def confirm(
    vitals_set: DeviceVitalsSet,
    *,
    by,
    observed_at: datetime,
    idempotency_key: UUID | None = None,
    **values,
) -> VitalsSet:
    """Chart the nurse's (checked, maybe corrected) values and close the pending set."""
    locked = DeviceVitalsSet.objects.select_for_update().get(pk=vitals_set.pk)
    if locked.status == DeviceVitalsSet.CONFIRMED and idempotency_key is not None:
        # The same form sent twice: answer with the row the first send charted.
        if locked.vitals.idempotency_key == idempotency_key:
            return locked.vitals
    if locked.status != DeviceVitalsSet.PENDING:
        raise _resolved_already(locked)
    vitals = chart.vitals_record(
        episode=locked.episode,
        observed_at=observed_at,
        by=by,
        idempotency_key=idempotency_key,
        **values,
    )
    locked.status = DeviceVitalsSet.CONFIRMED
    locked.vitals = vitals
    locked.resolved_by = by
    locked.resolved_at = timezone.now()
    locked.save(update_fields=["status", "vitals", "resolved_by", "resolved_at"])
    vitals_set.refresh_from_db()
    return vitals


@transaction.atomic
def discard(vitals_set: DeviceVitalsSet, *, by, reason: str) -> DeviceVitalsSet:
    """Set the monitor's values aside, with the reason; the set stays on record."""
    if not may(by, "chart"):
        raise PermissionDenied("Your role does not write to the chart.")
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why these values are not charted."})
    locked = DeviceVitalsSet.objects.select_for_update().get(pk=vitals_set.pk)
    if locked.status != DeviceVitalsSet.PENDING:
        raise _resolved_already(locked)
    locked.status = DeviceVitalsSet.DISCARDED
    locked.discard_reason = reason
    locked.resolved_by = by
    locked.resolved_at = timezone.now()
    locked.full_clean(exclude=["message", "episode", "vitals"])
    locked.save(update_fields=["status", "discard_reason", "resolved_by", "resolved_at"])
    return locked
