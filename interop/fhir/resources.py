"""Search and read, per resource type, within a client's wards.

Each search runs a fixed number of queries whatever the page size: every
source is fetched with its relations joined or prefetched, at most
offset + count + 1 rows each, merged in one order (effective time, source,
row), and cut to the page; the extra row says whether there is a next page.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q

from grading.models import Assessment
from patients.models import (
    Episode,
    LabResult,
    MedicationAdministration,
    Patient,
    Vasopressor,
    VitalsSet,
)

from . import codes as c
from . import export
from .search import BadParameter, Search, date_filter, last_updated_filter, matches, parse

SEARCH_PARAMETERS = {
    "Patient": {"_id": "string", "identifier": "token", "name": "string"},
    "Encounter": {"patient": "reference", "subject": "reference", "date": "date"},
    "Observation": {
        "patient": "reference",
        "subject": "reference",
        "category": "token",
        "code": "token",
        "date": "date",
        "_lastUpdated": "date",
    },
    "MedicationAdministration": {
        "patient": "reference",
        "subject": "reference",
        "code": "token",
        "effective-time": "date",
        "date": "date",
        "_lastUpdated": "date",
    },
}
RESOURCE_TYPES = tuple(SEARCH_PARAMETERS)


@dataclass
class Page:
    resources: list[dict]
    has_next: bool


class NotFound(Exception):
    pass


def search(resource_type: str, query, ward_ids: list[int]) -> tuple[Search, Page]:
    params = parse(query, SEARCH_PARAMETERS[resource_type])
    finder = {
        "Patient": _patients,
        "Encounter": _encounters,
        "Observation": _observations,
        "MedicationAdministration": _administrations,
    }[resource_type]
    wanted = params.offset + params.count + 1
    rows = sorted(finder(params, ward_ids, wanted), key=lambda row: row[0])
    page = rows[params.offset : params.offset + params.count]
    return params, Page([resource for _, resource in page], len(rows) > len(page) + params.offset)


def read(resource_type: str, resource_id: str, ward_ids: list[int]) -> dict:
    """One resource by id, if it is in the client's wards; NotFound otherwise."""
    if resource_type in ("Patient", "Encounter"):
        match = re.fullmatch(r"(\d{1,18})", resource_id)
        kind, part = resource_type, ""
    else:
        match = re.fullmatch(
            r"(vs|lab|crs|icans|news2|med|vaso)-(\d{1,18})(?:-([a-z0-9-]+))?", resource_id
        )
        kind, part = (match.group(1), match.group(3) or "") if match else ("", "")
    if not match:
        raise NotFound
    pk = int(match.group(2) if resource_type not in ("Patient", "Encounter") else match.group(1))
    found = None
    if resource_type == "Patient":
        row = _patient_rows(ward_ids).filter(pk=pk).first()
        found = row and export.patient(row)
    elif resource_type == "Encounter":
        row = _episode_rows(ward_ids).filter(pk=pk).first()
        found = row and export.encounter(row)
    elif resource_type == "Observation" and kind == "vs" and part:
        row = _vitals_rows(ward_ids).filter(pk=pk).first()
        found = row and dict(export.vitals_observations(row, {part})).get(part)
    elif resource_type == "Observation" and kind == "lab" and not part:
        row = _lab_rows(ward_ids).filter(pk=pk).first()
        found = row and export.lab_observation(row)
    elif resource_type == "Observation" and kind in c.SCORE_KINDS and not part:
        row = _assessment_rows(ward_ids).filter(pk=pk).first()
        found = row and dict(export.score_observations(row, {kind})).get(kind)
    elif resource_type == "MedicationAdministration" and kind == "med" and not part:
        row = _medication_rows(ward_ids).filter(pk=pk).first()
        found = row and export.medication_administration(row)
    elif resource_type == "MedicationAdministration" and kind == "vaso" and not part:
        row = _vasopressor_rows(ward_ids).filter(pk=pk).first()
        found = row and export.vasopressor_administration(row)
    if not found:
        raise NotFound
    return found


# --- the rows, within the client's wards --------------------------------------


def _patient_rows(ward_ids):
    return Patient.objects.filter(ward_id__in=ward_ids)


def _episode_rows(ward_ids):
    return Episode.objects.filter(patient__ward_id__in=ward_ids).select_related("patient__ward")


def _chart_rows(model, ward_ids):
    return model.objects.filter(episode__patient__ward_id__in=ward_ids).select_related(
        "episode", "recorded_by"
    )


def _vitals_rows(ward_ids):
    return _chart_rows(VitalsSet, ward_ids).prefetch_related("vasopressors")


def _lab_rows(ward_ids):
    return _chart_rows(LabResult, ward_ids).select_related("test")


def _medication_rows(ward_ids):
    return _chart_rows(MedicationAdministration, ward_ids).select_related("given_by")


def _vasopressor_rows(ward_ids):
    return Vasopressor.objects.filter(
        vitals__episode__patient__ward_id__in=ward_ids
    ).select_related("vitals__episode")


def _assessment_rows(ward_ids):
    return (
        Assessment.objects.filter(patient__ward_id__in=ward_ids)
        .defer("details", "inputs", "inputs_used")
        .order_by()
    )


# --- searches -------------------------------------------------------------------


def _patients(params: Search, ward_ids, limit: int) -> Iterable:
    rows = _patient_rows(ward_ids)
    if "_id" in params.strings:
        ids = params.strings["_id"].split(",")
        if not all(i.strip().isdigit() and len(i.strip()) <= 18 for i in ids):
            raise BadParameter("_id", "“_id” must be patient ids, e.g. 12 or 12,13.")
        rows = rows.filter(pk__in=[int(i) for i in ids])
    if "identifier" in params.tokens:
        q = Q()
        for system, value in params.tokens["identifier"]:
            if system not in (None, c.MRN):
                raise BadParameter("identifier", f"Patients are identified by {c.MRN}|MRN.")
            q |= Q(mrn=value)
        rows = rows.filter(q)
    if "name" in params.strings:
        name = params.strings["name"]
        rows = rows.filter(Q(family_name__icontains=name) | Q(given_name__icontains=name))
    for row in rows.order_by("pk")[:limit]:
        yield (row.pk,), export.patient(row)


def _patient_filter(params: Search, path: str) -> Q:
    return Q(**{path: params.patient}) if params.patient is not None else Q()


def _encounters(params: Search, ward_ids, limit: int) -> Iterable:
    rows = _episode_rows(ward_ids).filter(_patient_filter(params, "patient_id"))
    if "date" in params.dates:
        rows = rows.filter(date_filter("admitted_at", params.dates["date"]))
    for row in rows.order_by("admitted_at", "pk")[:limit]:
        yield (row.admitted_at, row.pk), export.encounter(row)


def _selected_kinds(params: Search, kinds: dict) -> set[str]:
    chosen = set(kinds)
    if "category" in params.tokens:
        tokens = params.tokens["category"]
        chosen = {
            kind
            for kind, (category, _) in kinds.items()
            if matches(tokens, [(c.OBSERVATION_CATEGORY, category)])
        }
    if "code" in params.tokens:
        chosen = {kind for kind in chosen if matches(params.tokens["code"], kinds[kind][1])}
    return chosen


# A vitals set holds a kind of observation when this is true.
HOLDS = {
    "temperature": Q(temperature_c__isnull=False),
    "heart-rate": Q(heart_rate__isnull=False),
    "respiratory-rate": Q(respiratory_rate__isnull=False),
    "spo2": Q(spo2__isnull=False),
    "bp": Q(systolic__isnull=False) | Q(diastolic__isnull=False),
    "oxygen": ~Q(oxygen_device=""),
    "vasopressors": Q(vasopressors_recorded=True),
}


def _observations(params: Search, ward_ids, limit: int) -> Iterable:
    dates = params.dates.get("date", [])
    updated = params.dates.get("_lastUpdated", [])
    vital_kinds = _selected_kinds(params, c.VITAL_KINDS)
    if vital_kinds:
        holds = Q()
        for kind in vital_kinds:
            holds |= HOLDS[kind]
        rows = (
            _vitals_rows(ward_ids)
            .filter(holds, _patient_filter(params, "episode__patient_id"))
            .filter(date_filter("observed_at", dates), last_updated_filter(updated))
        )
        order = list(c.VITAL_KINDS)
        for row in rows.order_by("observed_at", "pk")[:limit]:
            for kind, obs in export.vitals_observations(row, vital_kinds):
                yield (row.observed_at, 0, row.pk, order.index(kind)), obs
    lab_tokens = params.tokens.get("code")
    wants_labs = "category" not in params.tokens or matches(
        params.tokens["category"], [(c.OBSERVATION_CATEGORY, "laboratory")]
    )
    if wants_labs:
        rows = (
            _lab_rows(ward_ids)
            .filter(_patient_filter(params, "episode__patient_id"))
            .filter(date_filter("observed_at", dates), last_updated_filter(updated))
        )
        if lab_tokens:
            q = Q(pk__in=[])
            for system, code in lab_tokens:
                if system in (None, c.LOINC):
                    q |= Q(test__loinc=code)
                if system in (None, c.LAB):
                    q |= Q(test__code=code)
            rows = rows.filter(q)
        for row in rows.order_by("observed_at", "pk")[:limit]:
            yield (row.observed_at, 1, row.pk, 0), export.lab_observation(row)
    score_kinds = _selected_kinds(params, c.SCORE_KINDS)
    if score_kinds:
        rows = _assessment_rows(ward_ids).filter(_patient_filter(params, "patient_id"))
        rows = rows.filter(date_filter("evaluated_at", dates))
        rows = rows.filter(date_filter("created_at", updated))
        if score_kinds == {"news2"}:
            rows = rows.filter(news2_score__isnull=False)
        order = list(c.SCORE_KINDS)
        for row in rows.order_by("evaluated_at", "pk")[:limit]:
            for kind, obs in export.score_observations(row, score_kinds):
                yield (row.evaluated_at, 2, row.pk, order.index(kind)), obs


def _administrations(params: Search, ward_ids, limit: int) -> Iterable:
    dates = params.dates.get("effective-time", []) + params.dates.get("date", [])
    updated = params.dates.get("_lastUpdated", [])
    tokens = params.tokens.get("code")
    drugs = {code for system, code in tokens or () if system in (None, c.DRUG)}
    rows = (
        _medication_rows(ward_ids)
        .filter(_patient_filter(params, "episode__patient_id"))
        .filter(date_filter("observed_at", dates), last_updated_filter(updated))
    )
    if tokens is not None:
        rows = rows.filter(drug__in=drugs)
    for row in rows.order_by("observed_at", "pk")[:limit]:
        yield (row.observed_at, 0, row.pk), export.medication_administration(row)
    pressors = _vasopressor_rows(ward_ids).filter(
        _patient_filter(params, "vitals__episode__patient_id")
    )
    pressors = pressors.filter(
        date_filter("vitals__observed_at", dates),
        _prefixed(last_updated_filter(updated), "vitals__"),
    )
    if tokens is not None:
        pressors = pressors.filter(drug__in=drugs)
    for row in pressors.order_by("vitals__observed_at", "pk")[:limit]:
        yield (row.vitals.observed_at, 1, row.pk), export.vasopressor_administration(row)


def _prefixed(q: Q, prefix: str) -> Q:
    """The same condition on a related row's fields."""
    children = [
        _prefixed(child, prefix) if isinstance(child, Q) else (prefix + child[0], child[1])
        for child in q.children
    ]
    found = Q(*children, _connector=q.connector, _negated=q.negated)
    return found


def patient_visible(patient_id: int, ward_ids) -> bool:
    return _patient_rows(ward_ids).filter(pk=patient_id).exists()
