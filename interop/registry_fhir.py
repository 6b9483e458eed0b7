"""The registry summary of one episode as a FHIR R4 collection Bundle: the
Patient, the Encounter (the CAR-T admission) and one Observation per figure.

No LOINC code names these registry figures (a CRS grade, an onset day after
infusion), so they carry codes of the app's own code system, REGISTRY; the
units are UCUM. A figure that does not apply (no CRS: no onset) is an
Observation without a value and with the data-absent reason "not-applicable",
so a reader can tell "none" from "not sent".
"""

import uuid
from datetime import datetime

from .registry import EpisodeSummary
from .registry_figures import Course

REGISTRY = "https://crs-monitor.example/fhir/CodeSystem/registry"
PRODUCT = "https://crs-monitor.example/fhir/CodeSystem/car-t-product"
COURSE_STATUS = "https://crs-monitor.example/fhir/CodeSystem/registry-course-status"
MRN = "https://crs-monitor.example/fhir/sid/mrn"
UCUM = "http://unitsofmeasure.org"
DATA_ABSENT = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
IDENTIFIER_TYPE = "http://terminology.hl7.org/CodeSystem/v2-0203"

UNITS = {"mg": "mg", "d": "days", "min": "minutes"}


def _iso(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat(timespec="seconds")


class _Builder:
    def __init__(self, summary: EpisodeSummary):
        self.summary = summary
        self.episode = summary.episode
        self.entries: list[dict] = []
        self.status = "final" if summary.complete else "preliminary"
        self.patient = self.urn("patient")
        self.encounter = self.urn("encounter")

    def urn(self, name: str) -> str:
        """The same identity for the same figure of the same episode, every download."""
        key = f"https://crs-monitor.example/episode/{self.episode.pk}/{name}"
        return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, key)}"

    def add(self, name: str, resource: dict) -> str:
        url = self.urn(name)
        self.entries.append({"fullUrl": url, "resource": resource})
        return url

    def observation(
        self, code: str, display: str, value: dict | None, when: datetime | None = None
    ):
        """`value` is {"valueX": ...} or None for a figure that does not apply;
        `when` dates the figure, otherwise it covers the episode up to the summary."""
        resource = {
            "resourceType": "Observation",
            "status": self.status,
            "code": {
                "coding": [{"system": REGISTRY, "code": code, "display": display}],
                "text": display,
            },
            "subject": {"reference": self.patient},
            "encounter": {"reference": self.encounter},
        }
        if when is not None:
            resource["effectiveDateTime"] = _iso(when)
        else:
            resource["effectivePeriod"] = {
                "start": _iso(self.episode.infusion_at),
                "end": _iso(self.summary.as_of),
            }
        if value is None:
            resource["dataAbsentReason"] = {
                "coding": [{"system": DATA_ABSENT, "code": "not-applicable"}]
            }
        else:
            resource |= value
        suffix = f"-{when:%Y%m%d%H%M%S}" if code == "tocilizumab-dose" and when else ""
        self.add(f"observation/{code}{suffix}", resource)


def _quantity(value: float | int | None, unit: str) -> dict | None:
    if value is None:
        return None
    return {"valueQuantity": {"value": value, "unit": UNITS[unit], "system": UCUM, "code": unit}}


def _integer(value: int | None) -> dict | None:
    return None if value is None else {"valueInteger": value}


def _moment(value: datetime | None) -> dict | None:
    return None if value is None else {"valueDateTime": _iso(value)}


def _course(b: _Builder, kind: str, course: Course) -> None:
    label = kind.upper()
    b.observation(
        f"{kind}-status",
        f"{label} course status",
        {
            "valueCodeableConcept": {
                "coding": [{"system": COURSE_STATUS, "code": course.status}],
                "text": course.status,
            }
        },
    )
    b.observation(f"{kind}-onset", f"{label} onset", _moment(course.onset_at))
    b.observation(
        f"{kind}-onset-day", f"{label} onset day after infusion", _integer(course.onset_day)
    )
    b.observation(
        f"{kind}-max-grade",
        f"{label} maximum ASTCT grade",
        _integer(course.max_grade),
        course.max_grade_at,
    )
    b.observation(f"{kind}-resolution", f"{label} resolution", _moment(course.resolved_at))
    b.observation(f"{kind}-duration", f"{label} duration", _quantity(course.duration_days, "d"))
    b.observation(f"{kind}-spells", f"{label} spells", _integer(course.spells))


def episode_bundle(summary: EpisodeSummary, now: datetime) -> dict:
    episode = summary.episode
    patient = episode.patient
    b = _Builder(summary)
    b.add(
        "patient",
        {
            "resourceType": "Patient",
            "identifier": [
                {
                    "type": {"coding": [{"system": IDENTIFIER_TYPE, "code": "MR"}]},
                    "system": MRN,
                    "value": patient.mrn,
                }
            ],
            "name": [{"family": patient.family_name, "given": [patient.given_name]}],
            "gender": patient.sex,  # the chart's codes are FHIR's administrative genders
            "birthDate": patient.date_of_birth.isoformat(),
        },
    )
    period = {"start": _iso(episode.admitted_at)}
    if episode.discharged_at:
        period["end"] = _iso(episode.discharged_at)
    b.add(
        "encounter",
        {
            "resourceType": "Encounter",
            "status": "finished" if episode.discharged_at else "in-progress",
            "class": {"system": ACT_CODE, "code": "IMP", "display": "inpatient encounter"},
            "type": [{"text": "CAR-T cell therapy admission"}],
            "subject": {"reference": b.patient},
            "period": period,
            "serviceProvider": {"display": patient.ward.name},
        },
    )
    b.observation(
        "car-t-product",
        "CAR-T product",
        {
            "valueCodeableConcept": {
                "coding": [
                    {
                        "system": PRODUCT,
                        "code": episode.product,
                        "display": episode.get_product_display(),
                    }
                ],
                "text": episode.get_product_display(),
            }
        },
        episode.infusion_at,
    )
    b.observation(
        "car-t-infusion", "CAR-T infusion", _moment(episode.infusion_at), episode.infusion_at
    )
    _course(b, "crs", summary.crs)
    _course(b, "icans", summary.icans)
    drugs = summary.drugs
    b.observation("tocilizumab-doses", "Tocilizumab doses", _integer(drugs.tocilizumab_doses))
    for at, mg in drugs.tocilizumab:
        b.observation("tocilizumab-dose", "Tocilizumab dose", _quantity(mg, "mg"), at)
    b.observation(
        "tocilizumab-total", "Tocilizumab total dose", _quantity(drugs.tocilizumab_mg, "mg")
    )
    b.observation(
        "steroid-dexamethasone-equivalent",
        "Glucocorticoids, dexamethasone-equivalent total",
        _quantity(drugs.steroid_dexamethasone_mg, "mg"),
    )
    b.observation(
        "steroid-days", "Days with a glucocorticoid dose", _quantity(drugs.steroid_days, "d")
    )
    pressors = summary.vasopressors
    b.observation("vasopressor-any", "Any vasopressor", {"valueBoolean": pressors.any})
    b.observation(
        "vasopressor-max-concurrent",
        "Most vasopressors at once",
        _integer(pressors.max_at_once),
    )
    b.observation("vasopressor-first", "First vasopressor charted", _moment(pressors.first_at))
    b.observation("vasopressor-last", "Last vasopressor charted", _moment(pressors.last_at))
    b.observation(
        "icu-transfer",
        "ICU transfer",
        {"valueBoolean": summary.icu_transfer_at is not None},
        summary.icu_transfer_at,
    )
    workup = summary.workup
    b.observation("fever-onset", "Fever of the first CRS onset", _moment(workup.fever_at))
    b.observation(
        "fever-to-blood-culture",
        "Fever to first blood culture",
        _quantity(workup.fever_to_blood_culture_min, "min"),
    )
    b.observation(
        "fever-to-antibiotic",
        "Fever to first antibacterial",
        _quantity(workup.fever_to_antibiotic_min, "min"),
    )
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, b.urn("bundle") + now.isoformat())),
        "type": "collection",
        "timestamp": _iso(now),
        "entry": b.entries,
    }
