"""The JSON case interface of `manage.py grade` (spec/grade-command.md).

A case is checked against the chart's vocabulary and plausible ranges
(clinical-rules.md section 1) before any rule runs: a bad case raises a
CaseError naming the field, what was given and what is allowed, and nothing
is graded.

Beyond the spec, a case may carry `patient.weight_at`, `neuro[].excluded` and a
`settings` object (WardSettings fields), so every rule can be replayed.
"""

import difflib
import json
import math
from dataclasses import fields
from datetime import UTC, datetime

from clinical import labs as lab_catalogue
from clinical import ranges
from clinical.vocabulary import (
    CEREBRAL_EDEMA,
    CONSCIOUSNESS,
    DRUG_ALIASES,
    DRUG_CLASS,
    DRUG_CLASSES,
    DRUGS,
    EVENT_KINDS,
    NEURO_TOOLS,
    OXYGEN_DEVICES,
    SEIZURE,
    VASOPRESSORS,
    canonical_drug,
)

from .evaluate import Evaluation
from .protocols import PROTOCOLS
from .types import (
    NEURO_DOMAINS,
    EventEntry,
    LabEntry,
    MedicationEntry,
    NeuroEntry,
    Oxygen,
    Snapshot,
    VitalsEntry,
    WardSettings,
    WeightEntry,
    vocabulary_codes,
)
from .wording import iso_z

# Age has no chart range; this only catches typing errors (days for years).
AGE_YEARS = ranges.Range(0, 130, "years")

TOP_KEYS = (
    "at",
    "protocol",
    "patient",
    "infusion_at",
    "vitals",
    "neuro",
    "medications",
    "labs",
    "events",
)
OPTIONAL_TOP_KEYS = ("settings",)
PATIENT_KEYS = ("age_years", "weight_kg", "weight_at", "weights", "news2_scale")
WEIGHT_KEYS = ("at", "kg")
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
MEDICATION_KEYS = ("at", "drug", "dose_mg", "class")
LAB_KEYS = ("at", "test", "value", "uln")
EVENT_KEYS = ("at", "kind")

# Clinical-rules.md section 1: free text (a drug name, say) at most 500 characters.
NAME_MAX_CHARS = 500

# Every name the vocabulary knows a drug by. An unknown name this close to
# one of them is taken for a typing error, not a new drug: a misspelt
# tocilizumab or steroid would otherwise escape its counters and limits
# (clinical-rules.md section 5 r2, "every tocilizumab counts").
KNOWN_DRUG_NAMES = tuple(sorted({code for code, _ in DRUGS} | set(DRUG_ALIASES)))
TYPO_SIMILARITY = 0.88

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
    # Grade-command.md r2: vasopressors absent or null were not recorded in
    # this set (carried forward); [] says explicitly that none run.
    pressors_field = _name(field, "vasopressors")
    pressors = None
    if entry.get("vasopressors") is not None:
        pressors = tuple(
            _code(drug, f"{pressors_field}[{i}]", VASOPRESSORS, "a vasopressor")
            for i, drug in enumerate(_list(entry["vasopressors"], pressors_field))
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


def _open_name(value, field: str, what: str) -> str:
    """A name from an open vocabulary (grade-command.md r2): any non-empty
    text, read in lower case."""
    if not isinstance(value, str) or not value.strip():
        raise CaseError(field, f"expected {what}, got {_shown(value)}")
    if len(value) > NAME_MAX_CHARS:
        raise CaseError(field, f"is {len(value)} characters long; at most {NAME_MAX_CHARS}")
    return value.strip().lower()


def _drug(value, field: str) -> str:
    drug = canonical_drug(_open_name(value, field, "a drug name"))
    if drug not in DRUG_CLASS and drug not in vocabulary_codes(DRUGS):
        close = difflib.get_close_matches(drug, KNOWN_DRUG_NAMES, n=1, cutoff=TYPO_SIMILARITY)
        if close:
            raise CaseError(
                field,
                f"{_shown(value)} is not a known drug but is close to {_shown(close[0])}:"
                " give the exact name (a misspelt drug escapes its counters and limits)",
            )
    return drug


def _medication(value, field: str, ref: str) -> MedicationEntry:
    entry = _object(value, field, MEDICATION_KEYS, required=("at", "drug"))
    drug = _drug(entry["drug"], _name(field, "drug"))
    given_class = _optional(entry, "class", _code, field, DRUG_CLASSES, "a drug class")
    built_in = DRUG_CLASS.get(drug)
    if given_class is not None and built_in is not None and given_class != built_in:
        raise CaseError(
            _name(field, "class"),
            f"{_shown(given_class)} contradicts {drug}, which is {built_in}; leave the class out",
        )
    return MedicationEntry(
        at=_time(entry["at"], _name(field, "at")),
        drug=drug,
        dose_mg=_optional(entry, "dose_mg", _positive, field),
        ref=ref,
        drug_class=given_class,
    )


def _lab(value, field: str, ref: str) -> LabEntry:
    # Spec/grade-command.md r2: the test vocabulary is open, and `unit` (UCUM)
    # is optional; a catalogue test is converted to its canonical unit, the
    # one the rules read (clinical-rules.md section 11).
    entry = _object(value, field, (*LAB_KEYS, "unit"), required=("at", "test", "value"))
    name = _open_name(entry["test"], _name(field, "test"), "a lab test name")
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


def _news2_scale(value, field: str) -> int:
    if value is None:
        return 1
    if value not in (1, 2) or isinstance(value, bool):
        raise CaseError(field, f"{_shown(value)} is not a NEWS2 SpO2 scale; allowed: 1, 2")
    return int(value)


def _event(value, field: str, ref: str) -> EventEntry:
    entry = _object(value, field, EVENT_KEYS, required=("at", "kind"))
    return EventEntry(
        at=_time(entry["at"], _name(field, "at")),
        kind=_code(entry["kind"], _name(field, "kind"), EVENT_KINDS, "a work-up event"),
        ref=ref,
    )


def _weights(value, field: str) -> tuple[WeightEntry, ...]:
    """`patient.weights` (spec/grade-command.md r2): the weight history."""
    weights = []
    for i, item in enumerate(_list(value, field)):
        entry = _object(item, f"{field}[{i}]", WEIGHT_KEYS, required=WEIGHT_KEYS)
        weights.append(
            WeightEntry(
                at=_time(entry["at"], f"{field}[{i}].at"),
                kg=_number(entry["kg"], f"{field}[{i}].kg", ranges.WEIGHT_KG),
                ref=f"weights[{i}]",
            )
        )
    return tuple(weights)


def _settings(value, field: str) -> WardSettings:
    names = tuple(f.name for f in fields(WardSettings))
    entry = _object(value, field, names)
    return WardSettings(**{key: _positive(v, _name(field, key)) for key, v in entry.items()})


class EntryMemo:
    """Entries already checked, by kind, position and exact JSON text.

    A batch replaying an episode hour by hour repeats the chart so far in
    every case: 168 hourly cases hold some 14 000 copies of 168 vitals sets.
    Each entry is checked on its own (its field name matters only in an error,
    and an entry that failed is never kept), so an entry seen before is the
    same entry: checking each distinct one once keeps a batch linear. repr()
    tells 1 from 1.0 and from true, so only the very same JSON shares a result.
    """

    def __init__(self):
        self._entries: dict[tuple[str, str, str], object] = {}

    def read(self, read, item, field: str, ref: str):
        if not isinstance(item, dict):
            return read(item, field, ref)
        key = (read.__name__, ref, repr(item))
        entry = self._entries.get(key)
        if entry is None:
            entry = self._entries[key] = read(item, field, ref)
        return entry


def parse_case(obj, prefix: str = "", memo: EntryMemo | None = None) -> Snapshot:
    """One case object -> Snapshot. Field names in errors start with `prefix`
    ("[3]." for the fourth case of a batch); `memo` shares the checked entries
    of a batch."""
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
        items = _list(case.get(key), field)
        if memo is None:
            return tuple(read(item, f"{field}[{i}]", f"{key}[{i}]") for i, item in enumerate(items))
        return tuple(
            memo.read(read, item, f"{field}[{i}]", f"{key}[{i}]") for i, item in enumerate(items)
        )

    settings = case.get("settings")
    return Snapshot(
        at=at,
        age_years=_number(patient["age_years"], _name(patient_field, "age_years"), AGE_YEARS),
        weight_kg=_optional(patient, "weight_kg", _number, patient_field, ranges.WEIGHT_KG),
        weight_at=_optional(patient, "weight_at", _time, patient_field),
        weights=_weights(patient.get("weights"), _name(patient_field, "weights")),
        infusion_at=_optional(case, "infusion_at", _time, prefix.rstrip(".")),
        protocol=protocol,
        news2_scale=_news2_scale(patient.get("news2_scale"), _name(patient_field, "news2_scale")),
        vitals=entries("vitals", _vitals),
        neuro=entries("neuro", _neuro),
        medications=entries("medications", _medication),
        labs=entries("labs", _lab),
        events=entries("events", _event),
        settings=WardSettings() if settings is None else _settings(settings, f"{prefix}settings"),
    )


def _unique_keys(pairs):
    seen = dict(pairs)
    if len(seen) != len(pairs):
        # The first key given twice, as a walk through the pairs would find it.
        keys = set()
        for key, _value in pairs:
            if key in keys:
                raise CaseError("(json)", f"key {_shown(key)} appears twice in one object")
            keys.add(key)
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
        memo = EntryMemo()
        return [parse_case(item, f"[{i}].", memo) for i, item in enumerate(data)], True
    if isinstance(data, dict):
        return [parse_case(data)], False
    raise CaseError("(json)", f"expected a case object or an array of cases, got {_shown(data)}")


def evaluation_to_json(ev: Evaluation) -> dict:
    """The output object of spec/grade-command.md."""
    toci = ev.tocilizumab
    return {
        "at": iso_z(ev.at),
        "crs": {
            "grade": ev.crs.grade,
            "reasons": list(ev.crs.reasons),
            "status": ev.course.status,
            "onset_at": iso_z(ev.course.onset_at),
            "resolved_at": iso_z(ev.course.resolved_at),
        },
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
            "warnings": list(toci.warnings),
        },
        "prompts": [
            {"code": p.code, "severity": p.severity, "text": p.text, "source": p.source}
            for p in ev.prompts
        ],
        "acuity": {"level": ev.acuity.level, "reasons": list(ev.acuity.reasons)},
        "news2": {
            "score": ev.news2.score,
            "band": ev.news2.band,
            "single_red": ev.news2.single_red,
            "complete": ev.news2.complete,
            "missing": list(ev.news2.missing),
        },
        "qsofa": {
            "score": ev.qsofa.score,
            "positive": ev.qsofa.positive,
            "complete": ev.qsofa.complete,
            "missing": list(ev.qsofa.missing),
        },
        "due": {"vitals_at": iso_z(ev.due.vitals_at), "neuro_at": iso_z(ev.due.neuro_at)},
    }


def _number_out(value):
    return None if value is None else (int(value) if float(value).is_integer() else float(value))


def case_of(snapshot: Snapshot) -> dict:
    """The case a snapshot was built from, in the JSON of spec/grade-command.md:
    parse_case(case_of(s)) grades exactly as s does. Stored with each
    assessment so it can be replayed (`manage.py grade --assessment N`)."""
    s = snapshot
    patient = {"age_years": s.age_years, "news2_scale": s.news2_scale}
    if s.weight_kg is not None:
        patient["weight_kg"] = _number_out(s.weight_kg)
    if s.weight_at is not None:
        patient["weight_at"] = iso_z(s.weight_at)
    if s.weights:
        patient["weights"] = [{"at": iso_z(w.at), "kg": _number_out(w.kg)} for w in s.weights]
    case = {
        "at": iso_z(s.at),
        "protocol": s.protocol,
        "patient": patient,
        "vitals": [],
        "neuro": [],
        "medications": [],
        "labs": [],
        "events": [{"at": iso_z(e.at), "kind": e.kind} for e in s.events],
        "settings": {f.name: getattr(s.settings, f.name) for f in fields(WardSettings)},
    }
    if s.infusion_at is not None:
        case["infusion_at"] = iso_z(s.infusion_at)
    for v in s.vitals:
        entry = {"at": iso_z(v.at)}
        for key in VITALS_RANGES:
            if getattr(v, key) is not None:
                entry[key] = _number_out(getattr(v, key))
        if v.oxygen is not None:
            entry["oxygen"] = {"device": v.oxygen.device}
            if v.oxygen.flow_l_min is not None:
                entry["oxygen"]["flow_l_min"] = _number_out(v.oxygen.flow_l_min)
        if v.vasopressors is not None:
            entry["vasopressors"] = list(v.vasopressors)
        case["vitals"].append(entry)
    for n in s.neuro:
        case["neuro"].append(
            {
                "at": iso_z(n.at),
                "tool": n.tool,
                "score": n.score,
                "consciousness": n.consciousness,
                "seizure": n.seizure,
                "motor_weakness": n.motor_weakness,
                "cerebral_edema": n.cerebral_edema,
                "excluded": sorted(n.excluded),
            }
        )
    for m in s.medications:
        entry = {"at": iso_z(m.at), "drug": m.drug}
        if m.dose_mg is not None:
            entry["dose_mg"] = _number_out(m.dose_mg)
        if m.drug_class is not None:
            entry["class"] = m.drug_class
        case["medications"].append(entry)
    for lab in s.labs:
        entry = {"at": iso_z(lab.at), "test": lab.test, "value": _number_out(lab.value)}
        if lab.uln is not None:
            entry["uln"] = _number_out(lab.uln)
        case["labs"].append(entry)
    return case
