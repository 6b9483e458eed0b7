"""What the listener does with one message: keep it, make the pending set, answer.

`receive(raw)` always stores the message (an `InboundMessage`) before it
answers, so a message we could not use is on the admin's page, never
dropped. Answers (HL7 table 0008): AA accepted (also for a message sent
again); AE the message was read but not used (unknown patient, no active
CAR-T episode, no vital sign in it); AR it was not a readable ORU^R01. The
reason is in MSA-3 and in ERR (ERR-3 an HL7 table 0357 code, ERR-8 words).
"""

import logging
import uuid
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from patients.models import Episode, Patient

from . import hl7_reading
from .hl7_reading import Header, Reading, Unreadable, Unsupported
from .models import DeviceObservation, DeviceVitalsSet, InboundMessage

log = logging.getLogger(__name__)

APPLICATION = "CRSMONITOR"

# HL7 table 0357, message error condition codes.
ERROR_CODES = {
    InboundMessage.UNPARSEABLE: "102^Data type error^HL70357",
    InboundMessage.UNSUPPORTED: "200^Unsupported message type^HL70357",
    InboundMessage.UNKNOWN_PATIENT: "204^Unknown key identifier^HL70357",
    InboundMessage.NO_EPISODE: "204^Unknown key identifier^HL70357",
    InboundMessage.NO_VITALS: "101^Required field missing^HL70357",
}
STORE_FAILED = "207^Application internal error^HL70357"


@dataclass
class Answer:
    ack_code: str
    text: str
    outcome: str = ""


def decode(raw: bytes) -> str:
    """UTF-8 when it is; otherwise Latin-1, which reads any byte (monitors rarely say MSH-18).

    A NUL byte, which PostgreSQL text cannot hold, is kept as the four characters \\x00.
    """
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    return text.replace("\x00", "\\x00")


def receive(raw: bytes, *, peer: str = "") -> str:
    """Keep one message and answer it: the ACK's text (segments joined by CR)."""
    text = decode(raw)
    header = hl7_reading.header_of(text)
    try:
        answer = _receive(text, header, peer)
    except Exception:
        # Stored nothing (the database is down?): say so, and the sender sends again.
        log.exception("HL7 message %s from %s could not be stored", header.control_id, peer)
        return ack(
            header,
            Answer("AE", "CRS Monitor could not store this message: send it again."),
            error_code=STORE_FAILED,
        )
    return ack(header, answer, error_code=ERROR_CODES.get(answer.outcome, ""))


def _receive(text: str, header: Header, peer: str) -> Answer:
    message = InboundMessage(
        received_at=timezone.now(),
        peer=peer[:100],
        raw=text,
        control_id=header.control_id,
        sending_application=header.sending_application,
        sending_facility=header.sending_facility,
        message_type=header.message_type,
    )
    try:
        reading = hl7_reading.read(text)
    except Unreadable as problem:
        return _keep(message, InboundMessage.UNPARSEABLE, "AR", str(problem))
    except Unsupported as problem:
        return _keep(message, InboundMessage.UNSUPPORTED, "AR", str(problem))
    message.mrn = ", ".join(reading.mrns)[:64]

    earlier = _accepted_before(header)
    if earlier is not None:
        return _duplicate(message, earlier)

    if not reading.mrns:
        return _keep(message, InboundMessage.UNKNOWN_PATIENT, "AE", "PID-3 carries no MRN")
    patient = Patient.objects.select_related("ward").filter(mrn__in=reading.mrns).first()
    if patient is None:
        return _keep(
            message,
            InboundMessage.UNKNOWN_PATIENT,
            "AE",
            f"Unknown patient: no patient with MRN {', '.join(reading.mrns)}",
        )
    message.patient = patient
    if reading.family_name and reading.family_name.casefold() != patient.family_name.casefold():
        # A wrong-patient guard: the MRN and the name must agree.
        return _keep(
            message,
            InboundMessage.UNKNOWN_PATIENT,
            "AE",
            f"MRN {patient.mrn} belongs to a patient of another family name "
            f"than {reading.family_name!r} (PID-5)",
        )
    episode = Episode.objects.active().filter(patient=patient).first()
    if episode is None:
        return _keep(
            message,
            InboundMessage.NO_EPISODE,
            "AE",
            f"MRN {patient.mrn} has no active CAR-T episode",
        )
    if not reading.observations:
        why = "no vital sign we chart in this message"
        if reading.notes:
            why += ": " + "; ".join(reading.notes)
        return _keep(message, InboundMessage.NO_VITALS, "AE", why[:2000])
    return _accept(message, reading, episode)


def _accepted_before(header: Header) -> InboundMessage | None:
    return InboundMessage.objects.filter(
        outcome=InboundMessage.ACCEPTED,
        sending_application=header.sending_application,
        sending_facility=header.sending_facility,
        control_id=header.control_id,
    ).first()


def _keep(message: InboundMessage, outcome: str, ack_code: str, reason: str) -> Answer:
    message.outcome, message.ack_code, message.reason = outcome, ack_code, reason
    message.save()
    return Answer(ack_code, reason, outcome)


def _duplicate(message: InboundMessage, earlier: InboundMessage) -> Answer:
    reason = f"Already received (message {earlier.pk}); kept once"
    _keep(message, InboundMessage.DUPLICATE, "AA", reason)
    return Answer("AA", reason, InboundMessage.DUPLICATE)


def _accept(message: InboundMessage, reading: Reading, episode: Episode) -> Answer:
    zone = episode.patient.ward.tzinfo
    notes = list(reading.notes)
    observed_at = hl7_reading.when(reading.observed_at, zone)
    if observed_at is None:
        observed_at = message.received_at
        notes.append("No observation time in the message (OBR-7, OBX-14, MSH-7): time received")
    chosen = reading.chosen()
    try:
        with transaction.atomic():
            message.outcome, message.ack_code = InboundMessage.ACCEPTED, "AA"
            message.reason = "Pending vitals for the nurse to confirm"
            message.save()
            vitals_set = DeviceVitalsSet.objects.create(
                message=message,
                episode=episode,
                observed_at=observed_at,
                device=reading.device[:200],
                notes="\n".join(notes),
            )
            DeviceObservation.objects.bulk_create(
                DeviceObservation(
                    vitals_set=vitals_set,
                    quantity=obs.quantity,
                    value=obs.value,
                    code=obs.code,
                    received_value=obs.received_value,
                    received_unit=obs.received_unit,
                    used=chosen[obs.quantity] is obs,
                )
                for obs in reading.observations
            )
    except IntegrityError:
        # The same message on another connection, a moment before.
        earlier = _accepted_before(reading.header)
        if earlier is None:
            raise
        message.pk = None
        return _duplicate(message, earlier)
    return Answer("AA", message.reason, InboundMessage.ACCEPTED)


# --- The answer ----------------------------------------------------------------


def escape(text: str) -> str:
    """HL7 escape sequences for the standard delimiters |^~\\&."""
    replaced = text.replace("\\", "\\E\\")
    for char, code in (("|", "F"), ("^", "S"), ("~", "R"), ("&", "T")):
        replaced = replaced.replace(char, f"\\{code}\\")
    return replaced.replace("\r", " ").replace("\n", " ")


def ack(header: Header, answer: Answer, *, error_code: str = "") -> str:
    """An original-mode ACK: MSH, MSA (and ERR when not accepted)."""
    trigger = header.message_type.split("^")[1] if "^" in header.message_type else "R01"
    now = timezone.now().strftime("%Y%m%d%H%M%S+0000")
    msh = "|".join(
        [
            "MSH",
            "^~\\&",
            APPLICATION,
            escape(header.receiving_facility),
            escape(header.sending_application),
            escape(header.sending_facility),
            now,
            "",
            f"ACK^{escape(trigger)}^ACK",
            uuid.uuid4().hex[:20],
            escape(header.processing_id) or "P",
            escape(header.version) or "2.6",
        ]
    )
    words = escape(answer.text)[:500]
    segments = [msh, f"MSA|{answer.ack_code}|{escape(header.control_id)}|{words}"]
    if answer.ack_code != "AA":
        segments.append(f"ERR|||{error_code}|E||||{words}")
    return "\r".join(segments) + "\r"
