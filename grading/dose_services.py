"""Charting doses through the one dose check (clinical-rules sections 5 and 11):
blocks, confirmations and warnings; overrides, verification and stock."""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from crsmonitor.policy import may
from patients import services as chart
from patients.models import LATE_ENTRY_AFTER, Episode, MedicationAdministration

from . import rules
from .models import (
    BlockedDose,
    DoseConfirmation,
    DoseOverride,
    DoseVerification,
    TocilizumabStock,
)
from .snapshot import episode_snapshot

# Drugs the protocols limit by count and interval (clinical-rules section 5);
# every drug goes through dose_check, these also through the counters.
LIMITED_DRUGS = frozenset({"tocilizumab"})

# Ticked by whoever charts a blocked dose that was already given (a late
# entry): the dose is charted, so it counts, and a pharmacist reviews it.
ALREADY_GIVEN = "already_given"


@dataclass
class DoseNotCleared(Exception):
    """The dose was not saved: `check` says what stands in the way."""

    check: rules.DoseCheck
    late: bool  # given long enough ago to be charted as a late entry
    reason_missing: bool = False

    @property
    def reasons(self) -> list[tuple[str, str]]:
        return [(f.code, f.words) for f in self.check.blocks]

    @property
    def codes(self) -> list[str]:
        return list(self.check.block_codes)


class DoseBlocked(DoseNotCleared):
    """A limit stops this dose; a physician or pharmacist may override it."""


class DoseNeedsConfirmation(DoseNotCleared):
    """The person charting must tick each confirmation (and say why, where asked)."""


def is_late_entry(observed_at: datetime) -> bool:
    return timezone.now() - observed_at > LATE_ENTRY_AFTER


def dose_check(episode: Episode, drug: str, dose_mg: Decimal, at: datetime) -> rules.DoseCheck:
    """The rules' check of one dose, against everything charted so far (also
    after `at`: a late entry is checked both ways)."""
    snapshot = episode_snapshot(episode, max(at, timezone.now()))
    return rules.check_new_dose(snapshot, drug, float(dose_mg), at)


def dose_record(
    *,
    episode: Episode,
    drug: str,
    dose_mg: Decimal,
    observed_at: datetime,
    by,
    route: str = "iv",
    override_reason: str = "",
    confirmed: Collection[str] = (),
    confirm_reason: str = "",
    idempotency_key: UUID | None = None,
    **values,
) -> MedicationAdministration:
    """Chart a dose once it clears the dose check; every form that charts a
    drug comes through here.

    A block needs a physician's or pharmacist's override with a written
    reason, except for a dose already given (a late entry): then whoever
    charts it ticks ALREADY_GIVEN and says why, and it is charted for review,
    because a dose given but not charted would escape every later limit.
    The episode row is locked while the dose is checked and written, so two
    people charting at once cannot together pass a limit; a form sent twice
    (same idempotency key) finds its dose saved and is not checked again.
    """
    override_reason = (override_reason or "").strip()
    confirm_reason = (confirm_reason or "").strip()
    confirmed = set(confirmed)
    try:
        with transaction.atomic():
            locked = (
                Episode.objects.select_for_update(of=("self",))
                .select_related("patient__ward")
                .get(pk=episode.pk)
            )
            saved = _already_saved(locked, idempotency_key)
            if saved is not None:
                return saved
            chart.validate_observed_at(locked, observed_at)
            if not dose_mg or dose_mg <= 0:
                raise ValidationError({"dose_mg": "Enter the dose in mg (more than 0)."})
            check = dose_check(locked, drug, dose_mg, observed_at)
            late = is_late_entry(observed_at)
            documented_late = late and ALREADY_GIVEN in confirmed
            if check.blocks:
                if not override_reason:
                    raise DoseBlocked(check, late)
                if not (may(by, "override_dose_block") or documented_late):
                    raise PermissionDenied(
                        "Only a physician or pharmacist can override a dose block."
                    )
            missing = set(check.confirmation_codes) - confirmed
            reason_missing = check.needs_reason and not confirm_reason
            if missing or reason_missing:
                raise DoseNeedsConfirmation(check, late, reason_missing)
            medication = chart.medication_record(
                episode=locked,
                observed_at=observed_at,
                by=by,
                drug=drug,
                dose_mg=dose_mg,
                route=route,
                idempotency_key=idempotency_key,
                **values,
            )
            _keep_what_was_cleared(
                medication, check, by, override_reason, confirm_reason, late_entry=documented_late
            )
            if medication.drug in LIMITED_DRUGS:
                _use_stock(locked, medication, by)
            return medication
    except DoseBlocked as blocked:
        # Kept outside the rolled-back transaction: the pharmacist reviews blocks.
        # The same attempt sent again (a retry, a second look) is one block to review.
        attempt = {
            "episode": episode,
            "drug": blocked.check.drug,
            "dose_mg": dose_mg,
            "given_at": observed_at,
            "by": by,
        }
        pending = BlockedDose.objects.filter(**attempt, reviewed_at__isnull=True)
        if not any(b.blocked_because == blocked.codes for b in pending):
            BlockedDose.objects.create(**attempt, blocked_because=blocked.codes)
        raise


def _already_saved(episode: Episode, key: UUID | None) -> MedicationAdministration | None:
    if key is None:
        return None
    saved = MedicationAdministration.objects.filter(idempotency_key=key).first()
    if saved is not None and saved.episode_id != episode.pk:
        raise ValidationError("This form was already used for another patient: open a new one.")
    return saved


def _keep_what_was_cleared(
    medication, check, by, override_reason, confirm_reason, *, late_entry: bool
) -> None:
    """The audit of what stood in the way and who took it on."""
    if check.blocks:
        DoseOverride.objects.create(
            medication=medication,
            blocked_because=list(check.block_codes),
            reason=override_reason,
            by=by,
            late_entry=late_entry,
        )
    if check.confirmations or check.warnings:
        DoseConfirmation.objects.create(
            medication=medication,
            confirmed=list(check.confirmation_codes),
            warnings=[f.code for f in check.warnings],
            words=[f.words for f in check.confirmations + check.warnings],
            reason=confirm_reason,
            by=by,
        )


def _use_stock(episode: Episode, medication: MedicationAdministration, by) -> None:
    # A charted dose used one of the doses on site: the count goes down with it
    # (never below 0), and the pharmacist's next count corrects any drift.
    latest = episode.toci_stock.order_by("-recorded_at", "-pk").first()
    if latest is None:
        return
    TocilizumabStock.objects.create(
        episode=episode,
        doses_on_site=max(0, latest.doses_on_site - 1),
        recorded_by=by,
        used_by_dose=medication,
    )


@transaction.atomic
def dose_verify(medication: MedicationAdministration, *, by) -> DoseVerification:
    if not may(by, "verify_dose"):
        raise PermissionDenied("Only a pharmacist verifies doses.")
    if medication.is_entered_in_error:
        raise ValidationError("This dose was entered in error; there is nothing to verify.")
    verification, _ = DoseVerification.objects.get_or_create(
        medication=medication, defaults={"by": by}
    )
    return verification


@transaction.atomic
def blocked_dose_review(blocked: BlockedDose, *, by) -> BlockedDose:
    """A pharmacist has seen a dose a limit stopped (and followed it up)."""
    if not may(by, "review_blocked_dose"):
        raise PermissionDenied("Only a pharmacist reviews blocked doses.")
    blocked = BlockedDose.objects.select_for_update().get(pk=blocked.pk)
    if blocked.reviewed_at is None:
        blocked.reviewed_by = by
        blocked.reviewed_at = timezone.now()
        blocked.save(update_fields=["reviewed_by", "reviewed_at"])
    return blocked


def stock_record(*, episode: Episode, doses_on_site: int, by) -> TocilizumabStock:
    if not may(by, "record_stock"):
        raise PermissionDenied("Only a pharmacist records the tocilizumab on site.")
    stock = TocilizumabStock(episode=episode, doses_on_site=doses_on_site, recorded_by=by)
    stock.full_clean()
    stock.save()
    return stock
