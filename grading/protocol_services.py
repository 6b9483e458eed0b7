"""Which protocol a ward and an episode follow, and every change to it, audited.

clinical-rules section 4 (r2): an episode takes the ward's protocol when it
starts and keeps it; a ward's new protocol applies to new episodes, and to
the active ones only through a separate, confirmed step.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, F, Q

from crsmonitor.policy import may
from patients.models import Episode, Ward

from .models import PROTOCOL_REASON_MAX, EpisodeProtocolChange, ProtocolChange
from .receivers import queue_regrade
from .rules import PROTOCOLS


def _check(by, protocol: str, reason: str) -> str:
    if not may(by, "change_protocol"):
        raise PermissionDenied("Only a physician changes a protocol.")
    errors = {}
    if protocol not in PROTOCOLS:
        errors["protocol"] = f"Choose one of: {', '.join(sorted(PROTOCOLS))}."
    reason = reason.strip()
    if not reason:
        errors["reason"] = "Say why the protocol changes: it is kept in the audit trail."
    elif len(reason) > PROTOCOL_REASON_MAX:
        errors["reason"] = f"Keep the reason to {PROTOCOL_REASON_MAX} characters."
    if errors:
        raise ValidationError(errors)
    return reason


def episodes_on_another_protocol(ward: Ward):
    """The ward's active episodes whose protocol is not the ward's, for the apply
    step, with `.tocilizumab_given`: the doses the new limits will count."""
    given = Q(
        medicationadministration__drug="tocilizumab",
        medicationadministration__entered_in_error_at__isnull=True,
    )
    return (
        Episode.objects.active()
        .filter(patient__ward=ward)
        # Compared in the database: the ward object may predate its last change.
        .exclude(protocol=F("patient__ward__protocol"))
        .select_related("patient")
        .annotate(tocilizumab_given=Count("medicationadministration", filter=given))
        .order_by("patient__family_name", "patient__given_name", "patient__mrn")
    )


@transaction.atomic
def ward_protocol_set(ward: Ward, *, protocol: str, reason: str, by) -> ProtocolChange:
    """Change the protocol new episodes on this ward start under.

    Active episodes keep theirs: their limits count doses given under it.
    """
    reason = _check(by, protocol, reason)
    ward = Ward.objects.select_for_update().get(pk=ward.pk)
    if ward.protocol == protocol:
        raise ValidationError({"protocol": f"{ward.name} already follows protocol {protocol}."})
    change = ProtocolChange.objects.create(
        ward=ward, protocol=protocol, previous=ward.protocol, reason=reason, by=by
    )
    ward.protocol = protocol
    ward.save(update_fields=["protocol"])
    return change


def _episode_protocol_change(
    episode: Episode, *, protocol: str, reason: str, by, ward_change=None
) -> EpisodeProtocolChange:
    change = EpisodeProtocolChange.objects.create(
        episode=episode,
        protocol=protocol,
        previous=episode.protocol,
        reason=reason,
        ward_change=ward_change,
        by=by,
    )
    episode.protocol = protocol
    episode.save(update_fields=["protocol"])
    # Limits, steroid doses and prompts follow the protocol: regrade now.
    transaction.on_commit(
        lambda: queue_regrade(None, patient_id=episode.patient_id, trigger="protocol")
    )
    return change


@transaction.atomic
def episode_protocol_set(
    episode: Episode, *, protocol: str, reason: str, by
) -> EpisodeProtocolChange:
    """A physician moves one patient's episode to another protocol."""
    reason = _check(by, protocol, reason)
    # The lock dose recording takes: a dose is checked under one protocol.
    episode = Episode.objects.select_for_update().get(pk=episode.pk)
    if not episode.is_active:
        raise ValidationError(
            {"protocol": "This episode has ended: it keeps the protocol it was treated under."}
        )
    if episode.protocol == protocol:
        raise ValidationError({"protocol": f"This episode already follows protocol {protocol}."})
    return _episode_protocol_change(episode, protocol=protocol, reason=reason, by=by)


@transaction.atomic
def ward_protocol_apply_to_active(
    ward: Ward, *, protocol: str, episode_ids: list[int], reason: str, by
) -> list[EpisodeProtocolChange]:
    """Move the listed active episodes to the ward's protocol, `protocol`.

    Only what the physician saw and confirmed changes: the episodes listed,
    to the protocol named; if the ward has changed protocol since, nothing.
    """
    reason = _check(by, protocol, reason)
    ward = Ward.objects.select_for_update().get(pk=ward.pk)
    if ward.protocol != protocol:
        raise ValidationError(
            {
                "protocol": f"{ward.name} has changed to protocol {ward.protocol} since the "
                "list was shown: check it and confirm again."
            }
        )
    episodes = list(
        Episode.objects.select_for_update(of=("self",))
        .filter(pk__in=episode_ids, patient__ward=ward, discharged_at__isnull=True)
        .exclude(protocol=ward.protocol)
        .order_by("pk")
    )
    if not episodes:
        raise ValidationError(
            {"episodes": f"No active episode on {ward.name} is left on another protocol."}
        )
    ward_change = ward.protocol_changes.filter(protocol=ward.protocol).first()
    return [
        _episode_protocol_change(
            episode, protocol=ward.protocol, reason=reason, by=by, ward_change=ward_change
        )
        for episode in episodes
    ]
