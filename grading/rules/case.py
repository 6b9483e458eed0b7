"""The JSON case interface of `manage.py grade` (spec/grade-command.md).

A case is checked against the chart's vocabulary and plausible ranges
(clinical-rules.md section 1) before any rule runs: a bad case raises a
CaseError naming the field, what was given and what is allowed, and nothing
is graded.

Beyond the spec, a case may carry `patient.weight_at`, `neuro[].excluded` and a
`settings` object (WardSettings fields), so every rule can be replayed.
"""

import json
import math
from dataclasses import fields
from datetime import UTC, datetime

from clinical import labs as lab_catalogue
from clinical import ranges
from clinical.vocabulary import (
    CEREBRAL_EDEMA,
    CONSCIOUSNESS,
    DRUGS,
    LABS,
    NEURO_TOOLS,
    OXYGEN_DEVICES,
    SEIZURE,
    VASOPRESSORS,
)

from .evaluate import Evaluation
from .protocols import PROTOCOLS
from .types import (
    NEURO_DOMAINS,
    LabEntry,
    MedicationEntry,
    NeuroEntry,
    Oxygen,
    Snapshot,
    VitalsEntry,
    WardSettings,
    vocabulary_codes,
)
from .wording import iso_z

# Age has no chart range; this only catches typing errors (days for years).
AGE_YEARS = ranges.Range(0, 130, "years")

TOP_KEYS = ("at", "protocol", "patient", "infusion_at", "vitals", "neuro", "medications", "labs")
OPTIONAL_TOP_KEYS = ("settings",)
PATIENT_KEYS = ("age_years", "weight_kg", "weight_at")
OXYGEN_KEYS = ("device", "flow_l_min")
NEURO_KEYS = (
    "at",
    "tool",
    "score",
    "consciousness",
    "seizure",
    "motor_weakness",
    "cerebral_edema",
    "excluded",
)
MEDICATION_KEYS = ("at", "drug", "dose_mg")
LAB_KEYS = ("at", "test", "value", "uln")

# Vitals field -> its plausible range (clinical-rules.md section 1).
VITALS_RANGES = {
    "temperature_c": ranges.TEMPERATURE_C,
    "heart_rate": ranges.HEART_RATE,
    "systolic": ranges.SYSTOLIC,
    "diastolic": ranges.DIASTOLIC,
    "mean_arterial": ranges.MEAN_ARTERIAL,
    "respiratory_rate": ranges.RESPIRATORY_RATE,
    "spo2": ranges.SPO2,
}
VITALS_KEYS = ("at", *VITALS_RANGES, "oxygen", "vasopressors")

SCORE_RANGES = {"ICE": ranges.ICE_SCORE, "CAPD": ranges.CAPD_SCORE}


class CaseError(ValueError):
    """A case that breaks the interface; `field` names where ("vitals[0].spo2",
    "[3].at" for the fourth case of a batch, "(json)" for the text itself)."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def _name(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix and not prefix.endswith(".") else f"{prefix}{key}"


def _shown(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def _allowed(vocabulary) -> str:
    return ", ".join(entry[0] for entry in vocabulary)


def _object(value, field: str, allowed: tuple[str, ...], required: tuple[str, ...] = ()) -> dict:
    if not isinstance(value, dict):
        raise CaseError(field, f"expected an object, got {_shown(value)}")
    unknown = [key for key in value if key not in allowed]
    if unknown:
        raise CaseError(
            field,
            f"unknown key(s) {', '.join(map(_shown, unknown))}; allowed: {', '.join(allowed)}",
        )
    for key in required:
        if key not in value:
            raise CaseError(_name(field, key), "is required")
    return value


def _list(value, field: str) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise CaseError(field, f"expected an array, got {_shown(value)}")
    return value


def _time(value, field: str) -> datetime:
    if not isinstance(value, str):
        raise CaseError(field, f"expected an ISO 8601 time with offset, got {_shown(value)}")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise CaseError(
            field, f"{_shown(value)} is not an ISO 8601 time (e.g. 2026-03-02T08:00:00Z)"
        ) from None
    if moment.tzinfo is None:
        raise CaseError(
            field, f"{_shown(value)} has no UTC offset; add Z or +01:00 so the time is unambiguous"
        )
    return moment.astimezone(UTC)


def _number(value, field: str, allowed: ranges.Range | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise CaseError(field, f"expected a number, got {_shown(value)}")
    if allowed is not None and not allowed.low <= value <= allowed.high:
        raise CaseError(
            field,
            f"{_shown(value)} is outside the plausible range"
            f" {allowed.low:g}-{allowed.high:g} {allowed.unit}",
        )
    return value


def _positive(value, field: str) -> float:
    number = _number(value, field)
    if number <= 0:
        raise CaseError(field, f"{_shown(value)} must be above 0")
    return number


def _integer(value, field: str, allowed: ranges.Range) -> int:
    number = _number(value, field, allowed)
    if not float(number).is_integer():
        raise CaseError(field, f"{_shown(value)} must be a whole number")
    return int(number)


def _code(value, field: str, vocabulary, what: str) -> str:
    if not isinstance(value, str) or value not in vocabulary_codes(vocabulary):
        raise CaseError(field, f"{_shown(value)} is not {what}; allowed: {_allowed(vocabulary)}")
    return value


def _optional(entry: dict, key: str, read, field: str, *args):
    value = entry.get(key)
    if value is None:
        return None
    return read(value, f"{field}.{key}" if field else key, *args)


def _oxygen(value, field: str) -> Oxygen | None:
    if value is None:
        return None
    entry = _object(value, field, OXYGEN_KEYS, required=("device",))
    device = _code(entry["device"], _name(field, "device"), OXYGEN_DEVICES, "an oxygen device")
    flow_field = _name(field, "flow_l_min")
    flow = _optional(entry, "flow_l_min", _number, field, ranges.O2_FLOW)
    # Clinical-rules.md section 1: a flow of 0 or none only with room air.
    if device == "room_air" and flow:
        raise CaseError(
            flow_field, f"{_shown(flow)} L/min given with room_air; room air has no flow"
        )
    if device != "room_air" and flow == 0:
        raise CaseError(
            flow_field, f"0 L/min is only possible with room_air, not with {device}; give the flow"
        )
    # The nasal cannula's grade depends on its flow (ASTCT: above 6 L/min is grade 3).
    if device == "nasal_cannula" and flow is None:
        raise CaseError(
            flow_field,
            "is required with nasal_cannula (up to 6 L/min is grade 2, above is grade 3)",
        )
    return Oxygen(device, flow)


def _vitals(value, field: str, ref: str) -> VitalsEntry:
    entry = _object(value, field, VITALS_KEYS, required=("at",))
    measured = {
        key: _optional(entry, key, _number, field, VITALS_RANGES[key]) for key in VITALS_RANGES
    }
    systolic, diastolic = measured["systolic"], measured["diastolic"]
    if systolic is not None and diastolic is not None and systolic <= diastolic:
        raise CaseError(
            _name(field, "systolic"),
            f"{_shown(systolic)} must be above the diastolic {_shown(diastolic)}",
        )
    pressors_field = _name(field, "vasopressors")
    pressors = tuple(
        _code(drug, f"{pressors_field}[{i}]", VASOPRESSORS, "a vasopressor")
        for i, drug in enumerate(_list(entry.get("vasopressors"), pressors_field))
    )
    return VitalsEntry(
        at=_time(entry["at"], _name(field, "at")),
        oxygen=_oxygen(entry.get("oxygen"), _name(field, "oxygen")),
        vasopressors=pressors,
        ref=ref,
        **measured,
    )


def _neuro(value, field: str, ref: str) -> NeuroEntry:
    entry = _object(value, field, NEURO_KEYS, required=("at", "tool", "score"))
    tool = _code(entry["tool"], _name(field, "tool"), NEURO_TOOLS, "a neuro assessment tool")
    # Score null is meaningful (cannot perform), so it must be given explicitly.
    score = _optional(entry, "score", _integer, field, SCORE_RANGES[tool])
    motor = entry.get("motor_weakness")
    if motor is not None and not isinstance(motor, bool):
        raise CaseError(
            _name(field, "motor_weakness"), f"expected true or false, got {_shown(motor)}"
        )
    excluded_field = _name(field, "excluded")
    excluded = _list(entry.get("excluded"), excluded_field)
    for i, domain in enumerate(excluded):
        if not isinstance(domain, str) or domain not in NEURO_DOMAINS:
            raise CaseError(
                f"{excluded_field}[{i}]",
                f"{_shown(domain)} is not a neuro domain;"
                f" allowed: {', '.join(sorted(NEURO_DOMAINS))}",
            )
    return NeuroEntry(
        at=_time(entry["at"], _name(field, "at")),
        tool=tool,
        score=score,
        consciousness=_optional(
            entry, "consciousness", _code, field, CONSCIOUSNESS, "a level of consciousness"
        )
        or "alert",
        seizure=_optional(entry, "seizure", _code, field, SEIZURE, "a seizure finding") or "none",
        motor_weakness=bool(motor),
        cerebral_edema=_optional(
            entry, "cerebral_edema", _code, field, CEREBRAL_EDEMA, "a cerebral oedema finding"
        )
        or "none",
        excluded=frozenset(excluded),
        ref=ref,
    )


def _medication(value, field: str, ref: str) -> MedicationEntry:
    entry = _object(value, field, MEDICATION_KEYS, required=("at", "drug"))
    drug = entry["drug"]
    if drug == "paracetamol":
        raise CaseError(_name(field, "drug"), '"paracetamol" is charted as "acetaminophen"')
    return MedicationEntry(
        at=_time(entry["at"], _name(field, "at")),
        drug=_code(drug, _name(field, "drug"), DRUGS, "a charted drug"),
        dose_mg=_optional(entry, "dose_mg", _positive, field),
        ref=ref,
    )


def _lab(value, field: str, ref: str) -> LabEntry:
    # Spec/grade-command.md r2: the test vocabulary is open, and `unit` (UCUM)
    # is optional; a catalogue test is converted to its canonical unit, the
    # one the rules read (clinical-rules.md section 11).
    entry = _object(value, field, (*LAB_KEYS, "unit"), required=("at", "test", "value"))
    name = entry["test"]
    if not isinstance(name, str) or not name.strip():
        raise CaseError(
            _name(field, "test"), f"{_shown(name)} is not a test name, e.g. {_allowed(LABS)}"
        )
    code = lab_catalogue.canonical_code(name)
    measured = _number(entry["value"], _name(field, "value"))
    if measured < 0:
        raise CaseError(_name(field, "value"), f"{_shown(measured)} must not be negative")
    uln = _optional(entry, "uln", _positive, field)
    unit = entry.get("unit")
    unit_field = _name(field, "unit")
    if unit is not None and (not isinstance(unit, str) or not unit):
        raise CaseError(unit_field, f"expected a UCUM unit, got {_shown(unit)}")
    test = lab_catalogue.lab(code)
    if test is not None:
        unit = unit or test.unit
        if unit not in (test.unit, test.si_unit):
            raise CaseError(
                unit_field,
                f"{_shown(unit)} is not a unit of {code}; allowed:"
                f" {', '.join(dict.fromkeys((test.unit, test.si_unit)))}",
            )
        system = lab_catalogue.CONVENTIONAL if unit == test.unit else lab_catalogue.SI
        if not lab_catalogue.plausible(test, measured, system):
            low, high = lab_catalogue.plausible_in(test, system)
            raise CaseError(
                _name(field, "value"),
                f"{_shown(measured)} {unit} is outside the plausible range"
                f" {lab_catalogue.plain(low)}-{lab_catalogue.plain(high)} {unit}".rstrip(),
            )
        measured = lab_catalogue.to_canonical(test, measured, unit)
        if uln is not None:
            uln = lab_catalogue.to_canonical(test, uln, unit)
    return LabEntry(
        at=_time(entry["at"], _name(field, "at")),
        test=code,
        value=measured,
        uln=uln,
        ref=ref,
    )


def _settings(value, field: str) -> WardSettings:
    names = tuple(f.name for f in fields(WardSettings))
    entry = _object(value, field, names)
    return WardSettings(**{key: _positive(v, _name(field, key)) for key, v in entry.items()})


def parse_case(obj, prefix: str = "") -> Snapshot:
    """One case object -> Snapshot. Field names in errors start with `prefix`
    ("[3]." for the fourth case of a batch)."""
    root = prefix.rstrip(".") or "(case)"
    case = _object(obj, root, TOP_KEYS + OPTIONAL_TOP_KEYS, required=())
    for key in ("at", "patient"):
        if key not in case:
            raise CaseError(f"{prefix}{key}", "is required")
    at = _time(case["at"], f"{prefix}at")
    patient_field = f"{prefix}patient"
    patient = _object(case["patient"], patient_field, PATIENT_KEYS)
    if patient.get("age_years") is None:
        raise CaseError(
            _name(patient_field, "age_years"),
            "is required: hypotension thresholds and doses depend on age, and no default is safe",
        )
    protocol = case.get("protocol", "A")
    if not isinstance(protocol, str) or protocol not in PROTOCOLS:
        raise CaseError(
            f"{prefix}protocol",
            f"{_shown(protocol)} is not a protocol; allowed: {', '.join(PROTOCOLS)}",
        )

    def entries(key, read):
        field = f"{prefix}{key}"
        return tuple(
            read(item, f"{field}[{i}]", f"{key}[{i}]")
            for i, item in enumerate(_list(case.get(key), field))
        )

    settings = case.get("settings")
    return Snapshot(
        at=at,
        age_years=_number(patient["age_years"], _name(patient_field, "age_years"), AGE_YEARS),
        weight_kg=_optional(patient, "weight_kg", _number, patient_field, ranges.WEIGHT_KG),
        weight_at=_optional(patient, "weight_at", _time, patient_field),
        infusion_at=_optional(case, "infusion_at", _time, prefix.rstrip(".")),
        protocol=protocol,
        vitals=entries("vitals", _vitals),
        neuro=entries("neuro", _neuro),
        medications=entries("medications", _medication),
        labs=entries("labs", _lab),
        settings=WardSettings() if settings is None else _settings(settings, f"{prefix}settings"),
    )


def _unique_keys(pairs):
    seen = {}
    for key, value in pairs:
        if key in seen:
            raise CaseError("(json)", f"key {_shown(key)} appears twice in one object")
        seen[key] = value
    return seen


def _no_constant(name):
    raise CaseError("(json)", f"{name} is not a number JSON allows")


def load_cases(text: str) -> tuple[list[Snapshot], bool]:
    """Parse a case or an array of cases; the bool says whether it was an array."""
    try:
        data = json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_no_constant)
    except json.JSONDecodeError as error:
        raise CaseError(
            "(json)", f"not valid JSON: {error.msg} at line {error.lineno} column {error.colno}"
        ) from None
    if isinstance(data, list):
        return [parse_case(item, f"[{i}].") for i, item in enumerate(data)], True
    if isinstance(data, dict):
        return [parse_case(data)], False
    raise CaseError("(json)", f"expected a case object or an array of cases, got {_shown(data)}")


def evaluation_to_json(ev: Evaluation) -> dict:
    """The output object of spec/grade-command.md."""
    toci = ev.tocilizumab
    return {
        "at": iso_z(ev.at),
        "crs": {"grade": ev.crs.grade, "reasons": list(ev.crs.reasons)},
        "icans": {"grade": ev.icans.grade, "reasons": list(ev.icans.reasons)},
        "tocilizumab": {
            "dose_mg": toci.dose_mg,
            "mg_per_kg": toci.mg_per_kg,
            "doses_total": toci.doses_total,
            "doses_last_24h": toci.doses_last_24h,
            "last_dose_at": iso_z(toci.last_dose_at),
            "next_allowed_at": iso_z(toci.next_allowed_at),
            "may_give_now": toci.may_give_now,
            "blocked_because": list(toci.blocked_because),
        },
        "prompts": [
            {"code": p.code, "severity": p.severity, "text": p.text, "source": p.source}
            for p in ev.prompts
        ],
    }
