"""A transaction Bundle from an EHR, charted through the chart's services.

Semantics (docs/fhir.md, README "FHIR R4 API"):
- FHIR transaction: all or nothing. Every entry is checked by the same
  services, ranges and rules as the bedside forms, inside one database
  transaction; if any entry is refused, nothing is written and the
  OperationOutcome lists every refused entry and why.
- Vital-sign Observations (and vasopressor MedicationAdministrations) of one
  patient with the same effective time form one vitals set.
- Idempotent by identifier: a resource whose identifier was imported before
  is answered with the row it became and charted nothing again.
- Rows are charted with source "EHR", the resource's identifier, and the
  client's interface account as their author.
"""

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.dateparse import parse_datetime
from fhir.resources.R4B.bundle import Bundle
from pydantic import ValidationError as SchemaError

from clinical import labs as lab_catalogue
from clinical import ranges, vocabulary
from interop.models import FhirClient, FhirImport
from patients import services as chart
from patients.models import (
    Episode,
    LabResult,
    LabTest,
    MedicationAdministration,
    Patient,
    Vasopressor,
    VitalsSet,
)

from . import codes as c

SOURCE = "EHR"
RETRACTION = "entered-in-error"
MAX_ENTRIES = 1000

# Single-valued vital signs: (system, code) -> (model field, kind, UCUM unit, decimals).
SIMPLE_VITALS = {
    (c.LOINC, "8310-5"): ("temperature_c", "temperature", "Cel", 1),
    (c.LOINC, "8867-4"): ("heart_rate", "heart-rate", "/min", 0),
    (c.LOINC, "9279-1"): ("respiratory_rate", "respiratory-rate", "/min", 0),
    (c.LOINC, "2708-6"): ("spo2", "spo2", "%", 0),
    (c.LOINC, "59408-5"): ("spo2", "spo2", "%", 0),
    (c.LOINC, "8480-6"): ("systolic", "bp", "mm[Hg]", 0),
    (c.LOINC, "8462-4"): ("diastolic", "bp", "mm[Hg]", 0),
    (c.LOINC, "8478-0"): ("mean_arterial", "bp", "mm[Hg]", 0),
    (c.LOINC, "3151-8"): ("oxygen_flow_l_min", "oxygen", "L/min", 1),
}
# Which kind of observation a chart field came from, to name the refused entry.
FIELD_KIND = {f: kind for f, kind, _, _ in SIMPLE_VITALS.values()} | {"oxygen_device": "oxygen"}


class BadBundle(Exception):
    """The request is not a transaction Bundle this server can read (400)."""

    def __init__(self, message: str, expression: str = "Bundle"):
        super().__init__(message)
        self.message = message
        self.expression = expression


@dataclass
class Refusal:
    index: int
    message: str
    expression: str = ""


@dataclass
class Fact:
    """What one entry says, ready for a service."""

    index: int
    resource_type: str
    identifier: str
    patient_key: tuple
    effective: datetime | None
    kind: str  # a vital kind, "lab", "medication" or RETRACTION
    values: dict = field(default_factory=dict)


@dataclass
class Outcome:
    status: int
    refusals: list[Refusal]
    locations: dict[int, tuple[str, str]]  # entry index -> (status, location)


class EntryError(Exception):
    def __init__(self, message: str, where: str = ""):
        super().__init__(message)
        self.message = message
        self.where = where


def import_bundle(body: dict, client: FhirClient) -> Outcome:
    entries = _entries(body)
    facts, refusals = [], []
    for index, entry in enumerate(entries):
        try:
            facts.append(_fact(index, entry))
        except EntryError as error:
            refusals.append(Refusal(index, error.message, _where(index, error.where)))
    patients = _patients({fact.patient_key for fact in facts}, client)
    for fact in list(facts):
        found = patients.get(fact.patient_key)
        if isinstance(found, str):
            refusals.append(Refusal(fact.index, found, _where(fact.index, "subject")))
            facts.remove(fact)
    seen: dict[str, int] = {}
    for fact in list(facts):
        if fact.identifier in seen:
            refusals.append(
                Refusal(
                    fact.index,
                    f"Identifier {fact.identifier} is also entry {seen[fact.identifier]}'s.",
                    _where(fact.index, "identifier"),
                )
            )
            facts.remove(fact)
        seen.setdefault(fact.identifier, fact.index)
    known = {
        row.identifier: row
        for row in FhirImport.objects.filter(identifier__in=[f.identifier for f in facts])
    }
    for fact in list(facts):
        if fact.identifier in known and known[fact.identifier].client_id != client.pk:
            message = f"Identifier {fact.identifier} was imported by another client."
            refusals.append(Refusal(fact.index, message, _where(fact.index, "identifier")))
            facts.remove(fact)
    retractions = [f for f in facts if f.kind == RETRACTION]
    facts = [f for f in facts if f.kind != RETRACTION]
    locations: dict[int, tuple[str, str | None]] = {
        f.index: ("200 OK", _location(f, known[f.identifier].row))
        for f in facts
        if f.identifier in known
    }
    # A retraction of what was never charted here has nothing to strike.
    locations |= {f.index: ("200 OK", None) for f in retractions if f.identifier not in known}
    new = [fact for fact in facts if fact.identifier not in known]
    with transaction.atomic():
        written = _write(new, patients, client, refusals)
        _retract(
            [f for f in retractions if f.identifier in known], known, patients, client, refusals
        )
        locations |= {f.index: ("200 OK", None) for f in retractions if f.identifier in known}
        if refusals:
            transaction.set_rollback(True)
            return Outcome(422, sorted(refusals, key=lambda r: r.index), {})
        FhirImport.objects.bulk_create(
            FhirImport(
                identifier=fact.identifier,
                resource_type=fact.resource_type,
                row=row.ref,
                client=client,
            )
            for fact, row in written
        )
    for fact, row in written:
        locations[fact.index] = ("201 Created", _location(fact, row.ref))
    return Outcome(200, [], locations)


def _where(index: int, path: str) -> str:
    return f"Bundle.entry[{index}].resource" + (f".{path}" if path else "")


def _entries(body) -> list[dict]:
    if not isinstance(body, dict) or body.get("resourceType") != "Bundle":
        raise BadBundle("POST a Bundle of type transaction to /fhir/.")
    if body.get("type") != "transaction":
        raise BadBundle("Only a transaction Bundle is accepted here.", "Bundle.type")
    try:
        Bundle.model_validate(body)
    except SchemaError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in e['loc'])}: {e['msg']}" for e in error.errors()[:10]
        )
        raise BadBundle(f"The Bundle is not valid FHIR R4B: {problems}") from None
    entries = body.get("entry") or []
    if not entries:
        raise BadBundle("The transaction has no entries.", "Bundle.entry")
    if len(entries) > MAX_ENTRIES:
        raise BadBundle(f"Send at most {MAX_ENTRIES} entries per transaction.", "Bundle.entry")
    return entries


# --- one entry ------------------------------------------------------------------


def _fact(index: int, entry: dict) -> Fact:
    resource = entry.get("resource") or {}
    request = entry.get("request") or {}
    kind = resource.get("resourceType")
    if request.get("method") != "POST":
        raise EntryError("Each entry is created with request.method POST.", "")
    if kind not in ("Observation", "MedicationAdministration"):
        raise EntryError(
            f"{kind or 'This resource'} is not imported: send vital-sign and lab"
            " Observations and MedicationAdministrations."
        )
    identifier = _identifier(resource)
    patient_key = _patient_key(resource)
    if resource.get("status") == "entered-in-error":
        # The EHR retracts what it sent: strike the row it became.
        return Fact(index, kind, identifier, patient_key, None, RETRACTION)
    effective = _effective(resource)
    if kind == "Observation":
        if resource.get("status") not in ("final", "amended", "corrected"):
            raise EntryError(
                f"Observation status “{resource.get('status')}” is not charted:"
                " only final, amended or corrected results.",
                "status",
            )
        what, values = _observation(resource)
    else:
        if resource.get("status") not in ("completed", "in-progress"):
            raise EntryError(
                f"MedicationAdministration status “{resource.get('status')}” is not charted:"
                " only completed (or in-progress for a running vasopressor).",
                "status",
            )
        what, values = _administration(resource)
    return Fact(index, kind, identifier, patient_key, effective, what, values)


def _identifier(resource: dict) -> str:
    for identifier in resource.get("identifier") or []:
        if identifier.get("system") and identifier.get("value"):
            return f"{identifier['system']}|{identifier['value']}"[:600]
    raise EntryError(
        "An identifier with a system and a value is required: it makes the import idempotent.",
        "identifier",
    )


def _patient_key(resource: dict) -> tuple:
    subject = resource.get("subject") or {}
    reference = subject.get("reference") or ""
    match = re.search(r"(?:^|/)Patient/(\d{1,18})$", reference)
    if match:
        return ("id", int(match.group(1)))
    identifier = subject.get("identifier") or {}
    if identifier.get("system") == c.MRN and identifier.get("value"):
        return ("mrn", identifier["value"])
    raise EntryError(
        f"subject must be a Patient/<id> reference or an identifier {c.MRN}|<MRN>.", "subject"
    )


def _effective(resource: dict) -> datetime:
    text = resource.get("effectiveDateTime") or (resource.get("effectivePeriod") or {}).get("start")
    try:
        moment = parse_datetime(text) if isinstance(text, str) else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise EntryError(
            "effectiveDateTime must be a time with its offset (2026-11-30T08:00:00Z).",
            "effectiveDateTime",
        )
    return moment


def _codings(concept: dict | None) -> list[tuple[str, str]]:
    return [
        (coding.get("system"), coding.get("code"))
        for coding in (concept or {}).get("coding") or []
        if coding.get("code")
    ]


def _quantity(value: dict | None, where: str, units: dict[str, Decimal], decimals: int):
    """The quantity in the chart's unit: `units` maps an accepted UCUM code to a factor."""
    value = value or {}
    if value.get("value") is None:
        raise EntryError("A value is required.", where)
    unit = value.get("code") or value.get("unit")
    if unit not in units and unit != "[degF]":
        raise EntryError(f"Unit “{unit}” is not accepted here: use {' or '.join(units)}.", where)
    try:
        number = Decimal(str(value["value"]))
    except InvalidOperation:
        raise EntryError("The value is not a number.", where) from None
    if unit == "[degF]":
        number = Decimal(str(ranges.fahrenheit_to_celsius(float(number)))).quantize(Decimal("0.1"))
    else:
        number = number * units[unit]
    try:
        exact = number == number.quantize(Decimal(1).scaleb(-decimals))
    except InvalidOperation:
        raise EntryError(f"{value['value']} is far outside any plausible value.", where) from None
    if not exact:
        places = "a whole number" if not decimals else f"at most {decimals} decimal"
        raise EntryError(f"The chart keeps {places} here, not {value['value']}.", where)
    return int(number) if decimals == 0 else number


def _observation(resource: dict) -> tuple[str, dict]:
    codes = _codings(resource.get("code"))
    for code in codes:
        if code in SIMPLE_VITALS:
            field_name, kind, unit, decimals = SIMPLE_VITALS[code]
            units = {unit: Decimal(1)}
            if kind == "temperature":
                units = {"Cel": Decimal(1)}  # °F converts to the chart's tenth of a degree
            return kind, {
                field_name: _quantity(
                    resource.get("valueQuantity"), "valueQuantity", units, decimals
                )
            }
        if code == c.BP_PANEL[:2]:
            return "bp", _blood_pressure(resource)
        if code == c.OXYGEN_SUPPORT[:2]:
            return "oxygen", _oxygen(resource)
        if code == c.VASOPRESSORS_RUNNING[:2]:
            running = resource.get("valueBoolean")
            if not isinstance(running, bool):
                raise EntryError("valueBoolean (true or false) is required.", "valueBoolean")
            return "vasopressors", {"running": running}
        if code in (c.CRS_GRADE[:2], c.ICANS_GRADE[:2], c.NEWS2[:2]):
            raise EntryError(
                "Grades and scores are computed here from the chart, not imported.", "code"
            )
    for system, code in codes:
        test = (
            c.LAB_BY_LOINC.get(code)
            if system == c.LOINC
            else lab_catalogue.lab(code)
            if system == c.LAB
            else None
        )
        if test is not None:
            return "lab", {
                "test": test.code,
                "value": _lab_value(test, resource.get("valueQuantity")),
            }
    shown = ", ".join(f"{s}|{k}" for s, k in codes) or "none"
    raise EntryError(
        f"Unknown observation code ({shown}): send the LOINC codes of vital signs or of"
        " the lab catalogue.",
        "code",
    )


def _lab_value(test, value: dict | None) -> float:
    value = value or {}
    if value.get("value") is None:
        raise EntryError(f"{test.name} needs a valueQuantity.", "valueQuantity")
    unit = value.get("code") or value.get("unit")
    try:
        canonical = lab_catalogue.to_canonical(test, value["value"], unit)
    except (ValueError, TypeError) as error:
        raise EntryError(f"{error}.", "valueQuantity") from None
    problem = lab_catalogue.plausibility_error(test, canonical, lab_catalogue.CONVENTIONAL)
    if problem:
        raise EntryError(problem, "valueQuantity.value")
    return canonical


def _blood_pressure(resource: dict) -> dict:
    values = {}
    for number, component in enumerate(resource.get("component") or []):
        for code in _codings(component.get("code")):
            if code in SIMPLE_VITALS and SIMPLE_VITALS[code][1] == "bp":
                field_name = SIMPLE_VITALS[code][0]
                if component.get("valueQuantity") is not None:
                    values[field_name] = _quantity(
                        component["valueQuantity"],
                        f"component[{number}].valueQuantity",
                        {"mm[Hg]": Decimal(1)},
                        0,
                    )
    if not values:
        raise EntryError(
            "The blood pressure panel has no systolic or diastolic value.", "component"
        )
    return values


def _oxygen(resource: dict) -> dict:
    device = next(
        (
            code
            for system, code in _codings(resource.get("valueCodeableConcept"))
            if system == c.OXYGEN_DEVICE
        ),
        None,
    )
    if device not in c.DEVICE_NAMES:
        raise EntryError(
            f"valueCodeableConcept must be a device of {c.OXYGEN_DEVICE}:"
            f" {', '.join(c.DEVICE_NAMES)}.",
            "valueCodeableConcept",
        )
    values = {"oxygen_device": device}
    for number, component in enumerate(resource.get("component") or []):
        if c.O2_FLOW[:2] in _codings(component.get("code")):
            values["oxygen_flow_l_min"] = _quantity(
                component.get("valueQuantity"),
                f"component[{number}].valueQuantity",
                {"L/min": Decimal(1)},
                1,
            )
    return values


def _administration(resource: dict) -> tuple[str, dict]:
    concept = resource.get("medicationCodeableConcept")
    if not concept:
        raise EntryError("medicationCodeableConcept is required.", "medicationCodeableConcept")
    ours = [code for system, code in _codings(concept) if system == c.DRUG]
    text = (concept.get("text") or "").strip()
    drug = ours[0] if ours else None
    if drug in c.VASOPRESSOR_NAMES:
        return "vasopressors", {"drug": drug}
    values = {}
    if drug is None or drug == "other":
        drug = vocabulary.known_drug_named(text) if text else None
        if drug is None:
            if not text:
                raise EntryError(
                    f"Name the drug: a code of {c.DRUG} or its text.", "medicationCodeableConcept"
                )
            drug, values["drug_other"] = "other", text
    if drug not in c.DRUG_NAMES:
        raise EntryError(f"Unknown drug code “{drug}” of {c.DRUG}.", "medicationCodeableConcept")
    dosage = resource.get("dosage") or {}
    values["dose_mg"] = _quantity(
        dosage.get("dose"), "dosage.dose", {"mg": Decimal(1), "g": Decimal(1000)}, 2
    )
    route = next(
        (
            c.ROUTE_BY_SNOMED[code]
            for system, code in _codings(dosage.get("route"))
            if system == c.SNOMED and code in c.ROUTE_BY_SNOMED
        ),
        None,
    )
    if route is None:
        names = ", ".join(f"{code} ({name})" for code, name in c.ROUTES.values())
        raise EntryError(f"dosage.route must be a SNOMED CT route: {names}.", "dosage.route")
    values.update(drug=drug, route=route)
    return "medication", values


# --- patients -------------------------------------------------------------------


def _patients(keys: set[tuple], client: FhirClient) -> dict[tuple, Episode | str]:
    """Each patient key -> its active episode, or why it cannot be charted."""
    ward_ids = list(client.wards.values_list("pk", flat=True))
    ids = [value for kind, value in keys if kind == "id"]
    mrns = [value for kind, value in keys if kind == "mrn"]
    found: dict[tuple, Episode | str] = {}
    patients = Patient.objects.filter(ward_id__in=ward_ids).filter(
        pk__in=ids
    ) | Patient.objects.filter(ward_id__in=ward_ids, mrn__in=mrns)
    episodes = {
        episode.patient_id: episode
        for episode in Episode.objects.active()
        .filter(patient__in=patients)
        .select_related("patient__ward")
    }
    by_key = {}
    for patient in patients:
        by_key[("id", patient.pk)] = patient
        by_key[("mrn", patient.mrn)] = patient
    for key in keys:
        patient = by_key.get(key)
        if patient is None:
            found[key] = f"Unknown patient {key[1]} (or not on this client's wards)."
        elif patient.pk not in episodes:
            found[key] = f"Patient {patient.pk} has no active CAR-T episode to chart on."
        else:
            found[key] = episodes[patient.pk]
    return found


# --- writing --------------------------------------------------------------------


def _write(facts: list[Fact], patients, client: FhirClient, refusals: list[Refusal]):
    """Chart every fact through the services; refusals collect every entry refused."""
    written = []
    groups: dict[tuple, list[Fact]] = defaultdict(list)
    for fact in facts:
        if fact.kind in ("lab", "medication"):
            rows = _attempt([fact], refusals, lambda fact=fact: _single(fact, patients, client))
            written += [(fact, row) for row in rows]
        else:
            groups[(fact.patient_key, fact.effective)].append(fact)
    for (key, effective), members in groups.items():
        rows = _attempt(
            members,
            refusals,
            lambda members=members, key=key, effective=effective: _vitals(
                members, patients[key], effective, client
            ),
        )
        written += [(fact, row) for fact in members for row in rows]
    return written


def _attempt(members: list[Fact], refusals: list[Refusal], write) -> list:
    try:
        with transaction.atomic():
            return [write()]
    except EntryError as error:
        refusals += [Refusal(f.index, error.message, _where(f.index, error.where)) for f in members]
    except ValidationError as error:
        messages = error.message_dict if hasattr(error, "error_dict") else {"": error.messages}
        for name, texts in messages.items():
            named = [f for f in members if FIELD_KIND.get(name) == f.kind] or members
            for fact in named:
                refusals += [Refusal(fact.index, text, _where(fact.index, "")) for text in texts]
    except PermissionDenied as error:
        refusals += [Refusal(f.index, str(error), _where(f.index, "")) for f in members]
    except IntegrityError:
        refusals += [
            Refusal(
                f.index,
                "The chart's database refused this entry (a rule it breaks).",
                _where(f.index, ""),
            )
            for f in members
        ]
    return []


def _single(fact: Fact, patients, client: FhirClient):
    episode = patients[fact.patient_key]
    common = {
        "episode": episode,
        "observed_at": fact.effective,
        "by": client.account,
        "source": SOURCE,
        "external_id": fact.identifier,
    }
    if fact.kind == "lab":
        test = LabTest.objects.get(code=fact.values["test"])
        return chart.lab_record(test=test, value=fact.values["value"], **common)
    return chart.medication_record(**common, **fact.values)


def _vitals(members: list[Fact], episode: Episode, effective: datetime, client: FhirClient):
    values: dict = {}
    pressors: list[str] = []
    running = None
    for fact in members:
        if fact.kind == "vasopressors":
            if "drug" in fact.values:
                pressors.append(fact.values["drug"])
            else:
                running = fact.values["running"]
            continue
        twice = sorted(set(values) & set(fact.values))
        if twice:
            raise EntryError(f"Two values for {twice[0]} at {effective.isoformat()}: send one.", "")
        values |= fact.values
    if running is False and pressors:
        raise EntryError("Vasopressors are said to be both running and not running at this time.")
    if running is True and not pressors:
        raise EntryError(
            "Vasopressors are said to be running: send each as a MedicationAdministration."
        )
    if "oxygen_device" not in values:
        # Not recorded in this set: the support charted before still holds.
        if "oxygen_flow_l_min" in values:
            raise EntryError("An oxygen flow needs the oxygen device it runs through.")
        values["oxygen_device"] = ""
    return chart.vitals_record(
        episode=episode,
        observed_at=effective,
        by=client.account,
        vasopressors=pressors if (pressors or running is not None) else None,
        source=SOURCE,
        external_id=min(fact.identifier for fact in members),
        **values,
    )


def _retract(facts: list[Fact], known: dict, patients, client: FhirClient, refusals) -> None:
    """Mark the rows these resources became entered in error, through the chart's service.

    A vitals set is one row however many Observations made it: it is struck
    only when every one of them is retracted, never a valid value with it."""
    by_row: dict[str, list[Fact]] = defaultdict(list)
    for fact in facts:
        by_row[known[fact.identifier].row].append(fact)
    members: dict[str, set[str]] = defaultdict(set)
    for row, identifier in FhirImport.objects.filter(row__in=by_row).values_list(
        "row", "identifier"
    ):
        members[row].add(identifier)
    models = {
        "vitalsset": VitalsSet,
        "labresult": LabResult,
        "medicationadministration": MedicationAdministration,
    }
    for row, retracted in by_row.items():
        model_name, _, pk = row.partition(":")
        entry = models[model_name].objects.select_related("episode").get(pk=pk)
        sent = {fact.identifier for fact in retracted}
        others = sorted(members[row] - sent)
        problem = None
        if any(entry.episode.patient_id != patients[f.patient_key].patient_id for f in retracted):
            problem = "This resource was charted for another patient."
        elif others:
            problem = (
                f"It was charted in one vitals set with {', '.join(others)}: send those as"
                " entered-in-error too, or strike the set at the bedside."
            )
        if problem:
            refusals += [Refusal(f.index, problem, _where(f.index, "status")) for f in retracted]
        elif not entry.is_entered_in_error:
            reason = f"Entered in error in the EHR ({', '.join(sorted(sent))})."
            _attempt(
                retracted,
                refusals,
                lambda entry=entry, reason=reason: chart.enter_in_error(
                    entry, by=client.account, reason=reason[: ranges.FREE_TEXT_MAX]
                ),
            )


def _location(fact: Fact, row: str) -> str:
    """Where the resource an entry became is read: "Observation/vs-17-heart-rate"."""
    model, _, pk = row.partition(":")
    if model == "labresult":
        return f"Observation/lab-{pk}"
    if model == "medicationadministration":
        return f"MedicationAdministration/med-{pk}"
    if fact.kind == "vasopressors" and "drug" in fact.values:
        pressor = Vasopressor.objects.filter(vitals_id=pk, drug=fact.values["drug"]).first()
        if pressor is not None:
            return f"MedicationAdministration/vaso-{pressor.pk}"
    return f"Observation/vs-{pk}-{fact.kind}"
