"""Reading an ORU^R01 from a bedside monitor: who it is for and which vital signs it carries.

No database here: `read(text)` gives a `Reading`, or raises `Unreadable`
with a reason the ACK and the admin's page can show.
"""

from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import hl7
from hl7.datatypes import parse_datetime

from . import hl7_codes

TENTH = Decimal("0.1")
# OBX-11 statuses whose value is not a result: X cannot be obtained, D delete,
# W wrong (withdrawn), N not asked, I pending.
NOT_A_RESULT = {"X", "D", "W", "N", "I"}


class Unreadable(ValueError):
    """Not an HL7 v2 message we can read (answered AR)."""


class Unsupported(ValueError):
    """An HL7 v2 message, but not an observation result (answered AR)."""


@dataclass
class Header:
    control_id: str = ""
    sending_application: str = ""
    sending_facility: str = ""
    receiving_application: str = ""
    receiving_facility: str = ""
    message_type: str = ""
    processing_id: str = "P"
    version: str = "2.6"
    sent_at: str = ""


@dataclass
class Observation:
    quantity: str
    value: Decimal  # in the chart's unit
    code: str
    received_value: str
    received_unit: str
    preference: int
    observed_at: str  # OBX-14 as sent


@dataclass
class Reading:
    header: Header
    mrns: list[str]
    family_name: str
    observations: list[Observation] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    observed_at: str = ""  # OBR-7, else the first OBX-14, else MSH-7
    device: str = ""

    def chosen(self) -> dict[str, Observation]:
        """One value per quantity: the preferred code, the first sent among equals."""
        best: dict[str, Observation] = {}
        for obs in self.observations:
            if obs.quantity not in best or obs.preference < best[obs.quantity].preference:
                best[obs.quantity] = obs
        return best


def normalise(text: str) -> str:
    """Segments end in CR; many senders (and files) use LF or CRLF."""
    return text.replace("\r\n", "\r").replace("\n", "\r").strip("\r \x00")


def header_of(text: str) -> Header:
    """What MSH says, read leniently, for the ACK of a message we cannot otherwise read."""
    first = normalise(text).split("\r", 1)[0]
    if not first.startswith("MSH") or len(first) < 8:
        return Header()
    sep = first[3]
    fields = first.split(sep)
    component = first[4]

    def at(n: int) -> str:  # MSH-n is fields[n - 1]: MSH-1 is the separator itself
        return fields[n - 1] if len(fields) >= n else ""

    return Header(
        control_id=at(10)[:64],
        sending_application=at(3)[:200],
        sending_facility=at(4)[:200],
        receiving_application=at(5)[:200],
        receiving_facility=at(6)[:200],
        message_type="^".join(at(9).split(component)[:2])[:32],
        processing_id=at(11) or "P",
        version=at(12).split(component)[0] or "2.6",
        sent_at=at(7),
    )


def _field(segment, n: int) -> str:
    try:
        return str(segment(n))
    except IndexError:
        return ""


def _components(message: hl7.Message, text: str) -> list[str]:
    """The first repetition's components, unescaped."""
    first = text.split(message.separators[2])[0] if text else ""
    return [message.unescape(part) for part in first.split(message.separators[3])]


def read(text: str) -> Reading:
    text = normalise(text)
    if not text.startswith("MSH"):
        raise Unreadable("the message does not begin with an MSH segment")
    try:
        message = hl7.parse(text)
    except Exception as error:  # the library raises several kinds on garbage
        raise Unreadable(f"not readable as HL7 v2 ({error})") from None
    header = header_of(text)
    kind = header.message_type.upper()
    if kind.split("^")[0] != "ORU" or kind.split("^")[1:2] != ["R01"]:
        raise Unsupported(
            f"message type {header.message_type or 'missing'!r}: only ORU^R01 is accepted"
        )
    if not header.control_id:
        raise Unreadable("MSH-10 (message control id) is empty")
    try:
        pid = message.segment("PID")
    except KeyError:
        raise Unreadable("no PID segment: whose vital signs are these?") from None
    mrns = []
    for repetition in _field(pid, 3).split(message.separators[2]):
        ident = message.unescape(repetition.split(message.separators[3])[0]).strip()
        if ident:
            mrns.append(ident[:64])
    family = _components(message, _field(pid, 5))[0].strip()
    reading = Reading(header=header, mrns=mrns, family_name=family)
    try:
        obr = message.segment("OBR")
    except KeyError:
        obr = None
    if obr is not None:
        reading.observed_at = _field(obr, 7)
    for obx in message.segments("OBX") if _has(message, "OBX") else []:
        _read_obx(message, obx, reading)
    if not reading.observed_at:
        times = [obs.observed_at for obs in reading.observations if obs.observed_at]
        reading.observed_at = times[0] if times else header.sent_at
    reading.device = header.sending_application
    return reading


def _has(message: hl7.Message, name: str) -> bool:
    try:
        message.segments(name)
    except KeyError:
        return False
    return True


def _read_obx(message: hl7.Message, obx, reading: Reading) -> None:
    number = _field(obx, 1) or "?"
    code_parts = _components(message, _field(obx, 3))
    found = hl7_codes.lookup(code_parts)
    raw_value = message.unescape(_field(obx, 5)).strip()
    raw_unit = _field(obx, 6)
    if found is None:
        what = "^".join(code_parts).strip("^") or "no code"
        reading.notes.append(f"OBX {number} ({what}): not a vital sign we chart, left out")
        return
    code, name = found
    status = _field(obx, 11).strip().upper()
    if status in NOT_A_RESULT:
        reading.notes.append(f"OBX {number} ({name}): status {status}, no result, left out")
        return
    if not raw_value:
        reading.notes.append(f"OBX {number} ({name}): no value, left out")
        return
    try:
        value = Decimal(raw_value)
        if not value.is_finite():
            raise InvalidOperation
    except InvalidOperation:
        reading.notes.append(f"OBX {number} ({name}): value {raw_value[:20]!r} is not a number")
        return
    unit_parts = _components(message, raw_unit)
    try:
        value = hl7_codes.to_chart_unit(code.quantity, value, unit_parts)
    except hl7_codes.UnitProblem as problem:
        reading.notes.append(f"OBX {number} ({name}): {problem}, left out")
        return
    value = value.quantize(TENTH, rounding=ROUND_HALF_UP)
    if abs(value) >= 10_000_000:
        reading.notes.append(f"OBX {number} ({name}): value {raw_value[:20]!r} is not plausible")
        return
    if code.quantity != "temperature_c":
        # The chart holds whole numbers for these (the form asks for them).
        value = value.quantize(Decimal(1), rounding=ROUND_HALF_UP)
    reading.observations.append(
        _observation(code, name, value, raw_value, unit_parts, _field(obx, 14))
    )


def _observation(code, name, value, raw_value, unit_parts, observed_at) -> Observation:
    return Observation(
        quantity=code.quantity,
        value=value,
        code=name[:200],
        received_value=raw_value[:64],
        received_unit="^".join(unit_parts).strip("^")[:64],
        preference=code.preference,
        observed_at=observed_at,
    )


def when(value: str, zone: tzinfo) -> datetime | None:
    """An HL7 DTM as an aware datetime; without an offset it is the ward's clock."""
    try:
        moment = parse_datetime(value.strip())
    except (ValueError, TypeError):
        return None
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment
