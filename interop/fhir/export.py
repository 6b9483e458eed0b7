"""Chart rows and assessments as FHIR R4B resources (plain dicts, checked by
`validated`). A mapping, not a rewrite: codes come from interop.fhir.codes
and the lab catalogue."""

from datetime import datetime

from fhir.resources.R4B import get_fhir_model_class

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


def instant(moment: datetime) -> str:
    return moment.isoformat()


def validated(resource: dict) -> dict:
    """The resource as fhir.resources' R4B model writes it; raises if invalid."""
    model = get_fhir_model_class(resource["resourceType"])
    return model.model_validate(resource).model_dump(mode="json", exclude_none=True)


def _number(value):
    return float(value) if not isinstance(value, int) else value


def _last_updated(row) -> str:
    changed = max(filter(None, (row.recorded_at, row.entered_in_error_at)))
    return instant(changed)


def _subject(patient_id: int) -> dict:
    return {"reference": f"Patient/{patient_id}"}


def _identifier(resource_type: str, resource_id: str) -> list[dict]:
    return [{"system": c.identifier_system(resource_type), "value": resource_id}]


def patient(row: Patient) -> dict:
    return {
        "resourceType": "Patient",
        "id": str(row.pk),
        "identifier": [
            {
                "use": "usual",
                "type": {"text": "Medical record number"},
                "system": c.MRN,
                "value": row.mrn,
            }
        ],
        "name": [{"use": "official", "family": row.family_name, "given": [row.given_name]}],
        "gender": c.GENDERS[row.sex],
        "birthDate": row.date_of_birth.isoformat(),
    }


def encounter(row: Episode) -> dict:
    period = {"start": instant(row.admitted_at)}
    if row.discharged_at:
        period["end"] = instant(row.discharged_at)
    return {
        "resourceType": "Encounter",
        "id": str(row.pk),
        "identifier": _identifier("Encounter", str(row.pk)),
        "status": "in-progress" if row.discharged_at is None else "finished",
        "class": c.coding(c.ACT_CODE, "IMP", "inpatient encounter"),
        "type": [
            c.concept(
                (c.PRODUCT, row.product, row.get_product_display()),
                text=f"CAR-T cell therapy episode: {row.get_product_display()}, "
                f"infused {instant(row.infusion_at)}",
            )
        ],
        "subject": _subject(row.patient_id),
        "period": period,
        "location": [{"location": {"display": row.patient.ward.name}}],
    }


def _observation(row, resource_id: str, category: str, codings, effective: datetime) -> dict:
    category_concept = c.concept((c.OBSERVATION_CATEGORY, category, c.CATEGORY_WORDS[category]))
    found = {
        "resourceType": "Observation",
        "id": resource_id,
        "meta": {"lastUpdated": _last_updated(row)},
        "identifier": _identifier("Observation", resource_id),
        "status": "entered-in-error" if row.is_entered_in_error else "final",
        "category": [category_concept],
        "code": c.concept(*codings, text=codings[0][2]),
        "subject": _subject(row.episode.patient_id),
        "encounter": {"reference": f"Encounter/{row.episode_id}"},
        "effectiveDateTime": instant(effective),
        "issued": instant(row.recorded_at),
    }
    if row.is_entered_in_error:
        found["note"] = [{"text": f"Entered in error: {row.entered_in_error_reason}"}]
    return found


def vitals_observations(row: VitalsSet, kinds: set[str] | None = None) -> list[tuple[str, dict]]:
    """(kind, Observation) for each vital sign recorded in the set, in `kinds`."""
    found = []

    def wanted(kind: str) -> bool:
        return kinds is None or kind in kinds

    for slug, field, codings, unit, profile in c.VITALS:
        value = getattr(row, field)
        if value is None or not wanted(slug):
            continue
        obs = _observation(row, f"vs-{row.pk}-{slug}", "vital-signs", codings, row.observed_at)
        obs["meta"]["profile"] = [
            c.VITAL_SIGNS_PROFILE,
            f"http://hl7.org/fhir/StructureDefinition/{profile}",
        ]
        obs["valueQuantity"] = c.quantity(_number(value), unit)
        found.append((slug, obs))
    if (row.systolic is not None or row.diastolic is not None) and wanted("bp"):
        obs = _observation(row, f"vs-{row.pk}-bp", "vital-signs", (c.BP_PANEL,), row.observed_at)
        obs["meta"]["profile"] = [
            c.VITAL_SIGNS_PROFILE,
            "http://hl7.org/fhir/StructureDefinition/bp",
        ]
        obs["component"] = [
            _bp_component(c.SYSTOLIC, row.systolic),
            _bp_component(c.DIASTOLIC, row.diastolic),
        ]
        if row.mean_arterial is not None:
            obs["component"].append(_bp_component(c.MEAN_BP, row.mean_arterial))
        found.append(("bp", obs))
    if row.oxygen_device and wanted("oxygen"):
        obs = _observation(
            row, f"vs-{row.pk}-oxygen", "vital-signs", (c.OXYGEN_SUPPORT,), row.observed_at
        )
        name = c.DEVICE_NAMES[row.oxygen_device]
        obs["valueCodeableConcept"] = c.concept(
            (c.OXYGEN_DEVICE, row.oxygen_device, name), text=name
        )
        if row.oxygen_flow_l_min is not None:
            obs["component"] = [
                {
                    "code": c.concept(c.O2_FLOW),
                    "valueQuantity": c.quantity(_number(row.oxygen_flow_l_min), "L/min"),
                }
            ]
        found.append(("oxygen", obs))
    if row.vasopressors_recorded and wanted("vasopressors"):
        obs = _observation(
            row,
            f"vs-{row.pk}-vasopressors",
            "vital-signs",
            (c.VASOPRESSORS_RUNNING,),
            row.observed_at,
        )
        running = [p.get_drug_display() for p in row.vasopressors.all()]
        obs["valueBoolean"] = bool(running)
        obs["note"] = [{"text": ", ".join(running) if running else "None running"}] + obs.get(
            "note", []
        )
        found.append(("vasopressors", obs))
    return found


def _bp_component(code: tuple, value) -> dict:
    component = {"code": c.concept(code)}
    if value is None:
        component["dataAbsentReason"] = c.concept((c.DATA_ABSENT, "not-asked", "Not Asked"))
    else:
        component["valueQuantity"] = c.quantity(value, "mm[Hg]")
    return component


def lab_observation(row: LabResult) -> dict:
    test = row.test
    codings = []
    if test.loinc:
        codings.append((c.LOINC, test.loinc, test.name))
    codings.append((c.LAB, test.code, test.name))
    obs = _observation(row, f"lab-{row.pk}", "laboratory", tuple(codings), row.observed_at)
    obs["valueQuantity"] = c.quantity(row.value, test.unit)
    return obs


def score_observations(row: Assessment, kinds: set[str] | None = None) -> list[tuple[str, dict]]:
    """The CRS and ICANS grades with their reasons, and NEWS2, of one assessment."""
    found = []
    for kind, grade, reasons, code in (
        ("crs", row.crs_grade, row.crs_reasons, c.CRS_GRADE),
        ("icans", row.icans_grade, row.icans_reasons, c.ICANS_GRADE),
    ):
        if kinds is None or kind in kinds:
            obs = _score(row, kind, code)
            obs["valueInteger"] = grade
            obs["note"] = [{"text": str(reason)} for reason in reasons] or [
                {"text": "No criterion met."}
            ]
            found.append((kind, obs))
    if row.news2_score is not None and (kinds is None or "news2" in kinds):
        obs = _score(row, "news2", c.NEWS2)
        obs["valueInteger"] = row.news2_score
        found.append(("news2", obs))
    return found


def _score(row: Assessment, kind: str, code: tuple) -> dict:
    resource_id = f"{kind}-{row.pk}"
    return {
        "resourceType": "Observation",
        "id": resource_id,
        "meta": {"lastUpdated": instant(row.created_at)},
        "identifier": _identifier("Observation", resource_id),
        "status": "final",
        "category": [c.concept((c.OBSERVATION_CATEGORY, "survey", "Survey"))],
        "code": c.concept(code, text=code[2]),
        "subject": _subject(row.patient_id),
        "encounter": {"reference": f"Encounter/{row.episode_id}"},
        "effectiveDateTime": instant(row.evaluated_at),
        "issued": instant(row.created_at),
        "method": {"text": f"CRS Monitor rules {row.rules_version}, protocol {row.protocol}"},
    }


def medication_administration(row: MedicationAdministration) -> dict:
    resource_id = f"med-{row.pk}"
    drug = (
        c.concept(text=row.drug_other)
        if row.drug == "other"
        else c.concept((c.DRUG, row.drug, row.get_drug_display()), text=row.get_drug_display())
    )
    if row.drug == "other":
        drug["coding"] = [c.coding(c.DRUG, "other", "Other")]
    route_code, route_name = c.ROUTES[row.route]
    found = {
        "resourceType": "MedicationAdministration",
        "id": resource_id,
        "meta": {"lastUpdated": _last_updated(row)},
        "identifier": _identifier("MedicationAdministration", resource_id),
        "status": "entered-in-error" if row.is_entered_in_error else "completed",
        "medicationCodeableConcept": drug,
        "subject": _subject(row.episode.patient_id),
        "context": {"reference": f"Encounter/{row.episode_id}"},
        "effectiveDateTime": instant(row.observed_at),
        "performer": [{"actor": {"display": _person(row.given_by)}}],
        "dosage": {
            "route": c.concept((c.SNOMED, route_code, route_name), text=row.get_route_display()),
            "dose": c.quantity(_number(row.dose_mg), "mg"),
        },
    }
    if row.is_entered_in_error:
        found["note"] = [{"text": f"Entered in error: {row.entered_in_error_reason}"}]
    return found


def vasopressor_administration(row: Vasopressor) -> dict:
    """A vasopressor running when a vitals set was taken (no dose is charted here)."""
    vitals = row.vitals
    resource_id = f"vaso-{row.pk}"
    found = {
        "resourceType": "MedicationAdministration",
        "id": resource_id,
        "meta": {"lastUpdated": _last_updated(vitals)},
        "identifier": _identifier("MedicationAdministration", resource_id),
        "status": "entered-in-error" if vitals.is_entered_in_error else "in-progress",
        "category": {"text": "Vasopressor running at the vitals check"},
        "medicationCodeableConcept": c.concept(
            (c.DRUG, row.drug, row.get_drug_display()), text=row.get_drug_display()
        ),
        "subject": _subject(vitals.episode.patient_id),
        "context": {"reference": f"Encounter/{vitals.episode_id}"},
        "effectiveDateTime": instant(vitals.observed_at),
        "supportingInformation": [{"reference": f"Observation/vs-{vitals.pk}-vasopressors"}],
    }
    return found


def _person(user) -> str:
    return user.get_full_name() or user.username
