from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from crsmonitor.roles import PHYSICIAN, has_role
from patients.models import Episode, Ward

from .models import ProtocolChange
from .receivers import queue_regrade
from .rules import PROTOCOLS


@transaction.atomic
def ward_protocol_set(ward: Ward, *, protocol: str, by, reason: str = "") -> ProtocolChange:
    """Change a ward's protocol, recording who, when and why, and regrade its patients."""
    if not has_role(by, PHYSICIAN):
        raise PermissionDenied("Only a physician changes a ward's protocol.")
    if protocol not in PROTOCOLS:
        raise ValidationError({"protocol": f"Choose one of: {', '.join(sorted(PROTOCOLS))}."})
    ward = Ward.objects.select_for_update().get(pk=ward.pk)
    if ward.protocol == protocol:
        raise ValidationError({"protocol": f"{ward.name} already follows protocol {protocol}."})
    change = ProtocolChange.objects.create(
        ward=ward, protocol=protocol, previous=ward.protocol, reason=reason.strip(), by=by
    )
    ward.protocol = protocol
    ward.save(update_fields=["protocol"])
    # Dose limits and prompts follow the protocol: regrade everyone on the ward.
    patient_ids = (
        Episode.objects.active().filter(patient__ward=ward).values_list("patient_id", flat=True)
    )
    for patient_id in patient_ids:
        transaction.on_commit(
            lambda p=patient_id: queue_regrade(None, patient_id=p, trigger="protocol")
        )
    return change
