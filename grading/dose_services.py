"""Recording doses against the protocol's limits, overrides, verification and stock."""

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from crsmonitor.roles import MAY_OVERRIDE_DOSE_BLOCKS, PHARMACIST, has_role
from patients import services as chart
from patients.models import Episode, MedicationAdministration

from . import rules
from .models import BlockedDose, DoseOverride, DoseVerification, TocilizumabStock
from .snapshot import episode_snapshot

# Drugs whose doses the protocol limits (clinical-rules section 5).
LIMITED_DRUGS = frozenset({"tocilizumab"})


@dataclass
class DoseBlocked(Exception):
    """A limit stops this dose; `reasons` are (code, words) pairs."""

    reasons: list[tuple[str, str]]

    @property
    def codes(self) -> list[str]:
        return [code for code, _ in self.reasons]


def dose_blocks(episode: Episode, drug: str, dose_mg: Decimal, at: datetime):
    if drug not in LIMITED_DRUGS:
        return []
    # Everything charted so far, also after `at`: a late entry is checked both ways.
    snapshot = episode_snapshot(episode, max(at, timezone.now()))
    words_at = replace(snapshot, at=at)
    return [
        (code, rules.block_words(code, words_at))
        for code in rules.check_dose_at(snapshot, at, float(dose_mg))
    ]


def dose_record(
    *,
    episode: Episode,
    drug: str,
    dose_mg: Decimal,
    observed_at: datetime,
    by,
    route: str = "iv",
    override_reason: str = "",
    **values,
) -> MedicationAdministration:
    """Chart a dose unless a limit blocks it; a physician or pharmacist may
    override a block with a written reason.

    The episode row is locked while the limits are checked and the dose is
    written, so two people charting at once cannot together pass a limit.
    """
    override_reason = override_reason.strip()
    try:
        with transaction.atomic():
            locked = (
                Episode.objects.select_for_update(of=("self",))
                .select_related("patient__ward")
                .get(pk=episode.pk)
            )
            chart.validate_observed_at(locked, observed_at)
            if not dose_mg or dose_mg <= 0:
                raise ValidationError({"dose_mg": "Enter the dose in mg (more than 0)."})
            blocks = dose_blocks(locked, drug, dose_mg, observed_at)
            if blocks and not override_reason:
                raise DoseBlocked(blocks)
            if blocks and not has_role(by, *MAY_OVERRIDE_DOSE_BLOCKS):
                raise PermissionDenied("Only a physician or pharmacist can override a dose block.")
            medication = chart.medication_record(
                episode=locked,
                observed_at=observed_at,
                by=by,
                drug=drug,
                dose_mg=dose_mg,
                route=route,
                **values,
            )
            if blocks:
                DoseOverride.objects.create(
                    medication=medication,
                    blocked_because=[code for code, _ in blocks],
                    reason=override_reason,
                    by=by,
                )
            return medication
    except DoseBlocked as blocked:
        # Kept outside the rolled-back transaction: the pharmacist reviews blocks.
        BlockedDose.objects.create(
            episode=episode,
            drug=drug,
            dose_mg=dose_mg,
            given_at=observed_at,
            blocked_because=blocked.codes,
            by=by,
        )
        raise


@transaction.atomic
def dose_verify(medication: MedicationAdministration, *, by) -> DoseVerification:
    if not has_role(by, PHARMACIST):
        raise PermissionDenied("Only a pharmacist verifies doses.")
    if medication.is_entered_in_error:
        raise ValidationError("This dose was entered in error; there is nothing to verify.")
    verification, _ = DoseVerification.objects.get_or_create(
        medication=medication, defaults={"by": by}
    )
    return verification


def stock_record(*, episode: Episode, doses_on_site: int, by) -> TocilizumabStock:
    if not has_role(by, PHARMACIST):
        raise PermissionDenied("Only a pharmacist records the tocilizumab on site.")
    stock = TocilizumabStock(episode=episode, doses_on_site=doses_on_site, recorded_by=by)
    stock.full_clean()
    stock.save()
    return stock
