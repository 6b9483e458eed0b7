"""Writes to the chart. Every write validates, records its author, marks the
episode's chart as changed, and announces it to grading after commit."""

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from uuid import UUID, uuid5

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from clinical import ranges
from crsmonitor.policy import may

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
    WorkupEvent,
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


def _already_saved(model: type[ChartEntry], key: UUID | None) -> ChartEntry | None:
    if key is None:
        return None
    return model.objects.filter(idempotency_key=key).first()


def _record(
    entry: ChartEntry,
    also: Callable[[ChartEntry], None] | None = None,
    announce: bool = True,
    action: str = "chart",
) -> ChartEntry:
    """Validate and save one chart row (and `also` what belongs with it), once per key.

    A form sent twice (a double tap, a retry after a lost connection) carries
    the same idempotency key: the second send gets the row the first one saved.
    """
    if not may(entry.recorded_by, action):
        raise PermissionDenied("Your role does not write this to the chart.")
    saved = _already_saved(type(entry), entry.idempotency_key)
    if saved is not None:
        _same_episode(saved, entry)
        return saved
    validate_observed_at(entry.episode, entry.observed_at)
    # Field validators and clean() give the nurse a message naming the field;
    # the check constraints stay in the database as the last guard (checking
    # them here too would cost a query each). The key's uniqueness is left to
    # the database too: only it sees a twin request that is still in flight.
    entry.full_clean(exclude=["idempotency_key"], validate_constraints=False)
    try:
        with transaction.atomic():
            entry.save()
            if also:
                also(entry)
    except IntegrityError:
        # The twin request committed first: answer with its row.
        saved = _already_saved(type(entry), entry.idempotency_key)
        if saved is None:
            raise
        _same_episode(saved, entry)
        return saved
    if announce:
        _announce(entry.episode, "new_data")
    return entry


def _same_episode(saved: ChartEntry, entry: ChartEntry) -> None:
    # A key belongs to one form for one patient; never show another chart's row.
    if saved.episode_id != entry.episode_id:
        raise ValidationError("This form was already used for another patient: open a new one.")


@transaction.atomic
def vitals_record(
    *,
    episode: Episode,
    observed_at: datetime,
    by,
    vasopressors: Iterable[str] | None = (),
    idempotency_key: UUID | None = None,
    **values,
) -> VitalsSet:
    """One vitals set. `vasopressors=None` and `oxygen_device=""` mean "not
    recorded in this set": those charted before still hold (clinical-rules
    section 2 r2); an empty list means none running."""

    def save_vasopressors(vitals: VitalsSet) -> None:
        for drug in sorted(set(vasopressors or ())):
            pressor = Vasopressor(vitals=vitals, drug=drug)
            pressor.full_clean(exclude=["vitals"])
            pressor.save()

    vitals = VitalsSet(
        episode=episode,
        observed_at=observed_at,
        recorded_by=by,
        idempotency_key=idempotency_key,
        vasopressors_recorded=vasopressors is not None,
        **values,
    )
    return _record(vitals, also=save_vasopressors)


@transaction.atomic
def neuro_record(
    *, episode: Episode, observed_at: datetime, by, idempotency_key: UUID | None = None, **values
) -> NeuroAssessment:
    return _record(
        NeuroAssessment(
            episode=episode,
            observed_at=observed_at,
            recorded_by=by,
            idempotency_key=idempotency_key,
            **values,
        )
    )


@transaction.atomic
def lab_record(
    *,
    episode: Episode,
    observed_at: datetime,
    by,
    test: LabTest | str,
    value: float,
    idempotency_key: UUID | None = None,
    **values,
) -> LabResult:
    if isinstance(test, str):
        test = LabTest.objects.get(code=test)
    return _record(
        LabResult(
            episode=episode,
            observed_at=observed_at,
            recorded_by=by,
            test=test,
            value=value,
            idempotency_key=idempotency_key,
            **values,
        )
    )


@transaction.atomic
def lab_panel_record(
    *,
    episode: Episode,
    observed_at: datetime,
    by,
    results: dict[LabTest, float],
    idempotency_key: UUID,
) -> list[LabResult]:
    """Several results from one sample, saved together or not at all, announced once.

    Each row's key derives from the form's key and its test, so a panel sent
    twice finds every row already saved.
    """
    keys = {test: uuid5(idempotency_key, test.code) for test in results}
    already = set(
        LabResult.objects.filter(idempotency_key__in=keys.values()).values_list(
            "idempotency_key", flat=True
        )
    )
    rows = [
        _record(
            LabResult(
                episode=episode,
                observed_at=observed_at,
                recorded_by=by,
                test=test,
                value=value,
                idempotency_key=keys[test],
            ),
            announce=False,
        )
        for test, value in results.items()
    ]
    if len(already) < len(keys):
        _announce(episode, "new_data")
    return rows


@transaction.atomic
def medication_record(
    *,
    episode: Episode,
    observed_at: datetime,
    by,
    drug: str,
    dose_mg,
    given_by=None,
    idempotency_key: UUID | None = None,
    **values,
) -> MedicationAdministration:
    return _record(
        MedicationAdministration(
            episode=episode,
            observed_at=observed_at,
            recorded_by=by,
            given_by=given_by or by,
            drug=drug,
            dose_mg=dose_mg,
            idempotency_key=idempotency_key,
            **values,
        ),
        # Pharmacists give doses through the dose limits (grading.dose_services).
        action="record_dose",
    )


@transaction.atomic
def weight_record(
    *, episode: Episode, observed_at: datetime, by, weight_kg, idempotency_key: UUID | None = None
) -> WeightMeasurement:
    return _record(
        WeightMeasurement(
            episode=episode,
            observed_at=observed_at,
            recorded_by=by,
            weight_kg=weight_kg,
            idempotency_key=idempotency_key,
        )
    )


@transaction.atomic
def workup_record(
    *,
    episode: Episode,
    observed_at: datetime,
    by,
    event: str,
    note: str = "",
    idempotency_key: UUID | None = None,
) -> WorkupEvent:
    return _record(
        WorkupEvent(
            episode=episode,
            observed_at=observed_at,
            recorded_by=by,
            event=event,
            note=(note or "").strip(),
            idempotency_key=idempotency_key,
        )
    )


@transaction.atomic
def enter_in_error(entry: ChartEntry, *, by, reason: str) -> ChartEntry:
    """Strike a row out of the grading, keeping it (and who struck it, and why) in history."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"entered_in_error_reason": "Say why this entry is in error."})
    if len(reason) > ranges.FREE_TEXT_MAX:
        raise ValidationError(
            {"entered_in_error_reason": f"Keep the reason to {ranges.FREE_TEXT_MAX} characters."}
        )
    if not may(by, "chart"):
        raise PermissionDenied("Your role does not write to the chart.")
    # Lock the row so two people cannot strike it with different reasons.
    entry = type(entry).objects.select_for_update().get(pk=entry.pk)
    if entry.recorded_by_id != by.pk and not may(by, "correct_others_entries"):
        raise PermissionDenied("You can mark only your own entries in error: ask a physician.")
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
