"""A patient's NEWS2 SpO2 scale: scale 2 for hypercapnic respiratory failure,
chosen by a physician with a reason (RCP NEWS2 2017; clinical-rules section 9)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from crsmonitor.policy import may
from patients.models import Episode

from .models import PROTOCOL_REASON_MAX, News2ScaleChange
from .receivers import queue_regrade

ONLY_PHYSICIANS = "Only a physician changes a patient's NEWS2 SpO2 scale."


def may_change(user) -> bool:
    return may(user, "change_news2_scale")


@transaction.atomic
def news2_scale_set(episode: Episode, *, scale: int, reason: str, by) -> News2ScaleChange:
    if not may_change(by):
        raise PermissionDenied(ONLY_PHYSICIANS)
    errors = {}
    if scale not in (1, 2):
        errors["scale"] = "Choose SpO2 scale 1 or 2."
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = "Say why the scale changes: it is kept in the audit trail."
    elif len(reason) > PROTOCOL_REASON_MAX:
        errors["reason"] = f"Keep the reason to {PROTOCOL_REASON_MAX} characters."
    if errors:
        raise ValidationError(errors)
    episode = Episode.objects.select_for_update().get(pk=episode.pk)
    if episode.news2_scale == scale:
        raise ValidationError({"scale": f"This patient is already on SpO2 scale {scale}."})
    change = News2ScaleChange.objects.create(
        episode=episode, scale=scale, previous=episode.news2_scale, reason=reason, by=by
    )
    episode.news2_scale = scale
    episode.save(update_fields=["news2_scale"])
    # NEWS2, acuity and the due times follow the scale: regrade now.
    transaction.on_commit(
        lambda: queue_regrade(None, patient_id=episode.patient_id, trigger="new_data")
    )
    return change
