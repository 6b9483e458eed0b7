"""Writes to the chart. Every write validates, records its author, marks the
episode's chart as changed, and announces it to grading after commit."""

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from . import ranges
from .models import (
    ChartEntry,
    Episode,
    LabResult,
    LabTest,
    MedicationAdministration,
    NeuroAssessment,
    Vasopressor,
    VitalsSet,
    WeightMeasurement,
)
from .signals import chart_changed


def validate_observed_at(episode: Episode, observed_at: datetime) -> None:
    """clinical-rules section 1: not in the future (5 min of clock drift), not before admission."""
    if observed_at is None:
        raise ValidationError({"observed_at": "Observation time is required."})
    limit = timezone.now() + timedelta(minutes=ranges.FUTURE_TOLERANCE_MINUTES)
    if observed_at > limit:
        raise ValidationError(
            {"observed_at": "Observation time is in the future: enter when it was observed."}
        )
    if observed_at < episode.admitted_at:
        raise ValidationError(
            {"observed_at": "Observation time is before this patient's admission."}
        )


def _announce(episode: Episode, trigger: str) -> None:
    # Bump the chart clock in the same transaction as the row, so the sweep
    # finds this change even if the broker never hears of it.
    now = timezone.now()
    Episode.objects.filter(pk=episode.pk).update(chart_changed_at=now)
    episode.chart_changed_at = now
    transaction.on_commit(
        lambda: chart_changed.send(
            sender=Episode, patient_id=episode.patient_id, episode_id=episode.pk, trigger=trigger
        )
    )


def _record(entry: ChartEntry) -> ChartEntry:
    validate_observed_at(entry.episode, entry.observed_at)
    # Field validators and clean() give the nurse a message naming the field;
    # the check constraints stay in the database as the last guard (checking
    # them here too would cost a query each).
    entry.full_clean(validate_constraints=False)
    entry.save()
    _announce(entry.episode, "new_data")
    return entry


@transaction.atomic
def vitals_record(
    *, episode: Episode, observed_at: datetime, by, vasopressors: Iterable[str] = (), **values
) -> VitalsSet:
    vitals = VitalsSet(episode=episode, observed_at=observed_at, recorded_by=by, **values)
    _record(vitals)
    for drug in sorted(set(vasopressors)):
        pressor = Vasopressor(vitals=vitals, drug=drug)
        pressor.full_clean(exclude=["vitals"])
        pressor.save()
    return vitals


@transaction.atomic
def neuro_record(*, episode: Episode, observed_at: datetime, by, **values) -> NeuroAssessment:
    return _record(
        NeuroAssessment(episode=episode, observed_at=observed_at, recorded_by=by, **values)
    )


@transaction.atomic
def lab_record(
    *, episode: Episode, observed_at: datetime, by, test: LabTest | str, value: float
) -> LabResult:
    if isinstance(test, str):
        test = LabTest.objects.get(code=test)
    return _record(
        LabResult(episode=episode, observed_at=observed_at, recorded_by=by, test=test, value=value)
    )


@transaction.atomic
def medication_record(
    *, episode: Episode, observed_at: datetime, by, drug: str, dose_mg, given_by=None, **values
) -> MedicationAdministration:
    return _record(
        MedicationAdministration(
            episode=episode,
            observed_at=observed_at,
            recorded_by=by,
            given_by=given_by or by,
            drug=drug,
            dose_mg=dose_mg,
            **values,
        )
    )


@transaction.atomic
def weight_record(*, episode: Episode, observed_at: datetime, by, weight_kg) -> WeightMeasurement:
    return _record(
        WeightMeasurement(
            episode=episode, observed_at=observed_at, recorded_by=by, weight_kg=weight_kg
        )
    )


@transaction.atomic
def enter_in_error(entry: ChartEntry, *, by, reason: str) -> ChartEntry:
    """Strike a row out of the grading, keeping it (and who struck it, and why) in history."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"entered_in_error_reason": "Say why this entry is in error."})
    # Lock the row so two people cannot strike it with different reasons.
    entry = type(entry).objects.select_for_update().get(pk=entry.pk)
    if entry.is_entered_in_error:
        raise ValidationError("This entry is already marked entered in error.")
    entry.entered_in_error_at = timezone.now()
    entry.entered_in_error_by = by
    entry.entered_in_error_reason = reason
    entry.save(
        update_fields=["entered_in_error_at", "entered_in_error_by", "entered_in_error_reason"]
    )
    _announce(entry.episode, "correction")
    return entry
