"""An EHR writes vitals, labs and drugs to the chart with a FHIR transaction."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from grading.services import regrade
from interop.fhir.clients import client_create
from interop.models import FhirAccess, FhirImport
from patients.models import LabResult, MedicationAdministration, VitalsSet, Ward

from .fhir_helpers import assert_valid_r4b, auth, chart_a_febrile_course, fetch_all

pytestmark = pytest.mark.django_db

LOINC = "http://loinc.org"
EHR_IDS = "urn:oid:1.2.3.4.5.6"


@pytest.fixture
def ehr(ward):
    return client_create(name="Hospital EHR", wards=[ward], can_write=True)[1]


def _observation(patient_id, ident, code, value, unit, at, **more):
    return {
        "resourceType": "Observation",
        "identifier": [{"system": EHR_IDS, "value": ident}],
        "status": "final",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "vital-signs",
                    }
                ]
            }
        ],
        "code": {"coding": [{"system": LOINC, "code": code}]},
        "subject": {"reference": f"Patient/{patient_id}"},
        "effectiveDateTime": at.isoformat(),
        "valueQuantity": {
            "value": value,
            "unit": unit,
            "system": "http://unitsofmeasure.org",
            "code": unit,
        },
        **more,
    }


def _transaction(*resources):
    return {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {"resource": r, "request": {"method": "POST", "url": r["resourceType"]}}
            for r in resources
        ],
    }


def _post(client, token, bundle):
    return client.post("/fhir/", bundle, content_type="application/fhir+json", **auth(token))


def test_observations_taken_together_become_one_vitals_set_from_the_ehr(client, episode, ehr):
    at = timezone.now() - timedelta(minutes=30)
    pid = episode.patient_id
    response = _post(
        client,
        ehr,
        _transaction(
            _observation(pid, "t-1", "8310-5", 38.6, "Cel", at),
            _observation(pid, "hr-1", "8867-4", 112, "/min", at),
            _observation(pid, "rr-1", "9279-1", 22, "/min", at - timedelta(minutes=10)),
        ),
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert_valid_r4b(body)
    assert [e["response"]["status"] for e in body["entry"]] == ["201 Created"] * 3
    sets = list(VitalsSet.objects.order_by("observed_at"))
    assert [(s.respiratory_rate, s.temperature_c, s.heart_rate) for s in sets] == [
        (22, None, None),
        (None, Decimal("38.6"), 112),
    ]
    assert {s.source for s in sets} == {"EHR"}
    assert sets[1].external_id == f"{EHR_IDS}|hr-1"
    assert sets[1].oxygen_device == ""  # not recorded: the support charted before holds
    assert sets[1].vasopressors_recorded is False
    assert sets[1].recorded_by.fhir_client.name == "Hospital EHR"
    location = body["entry"][0]["response"]["location"]
    assert location == f"Observation/vs-{sets[1].pk}-temperature"


def test_sending_the_same_transaction_again_charts_nothing_twice(client, episode, ehr):
    at = timezone.now() - timedelta(minutes=30)
    bundle = _transaction(
        _observation(episode.patient_id, "t-1", "8310-5", 38.6, "Cel", at),
        _observation(
            episode.patient_id,
            "crp-1",
            "1988-5",
            120,
            "mg/L",
            at,
            category=[{"text": "Laboratory"}],
        ),
    )
    first = _post(client, ehr, bundle)
    again = _post(client, ehr, bundle)
    assert first.status_code == again.status_code == 200
    assert [e["response"]["status"] for e in again.json()["entry"]] == ["200 OK", "200 OK"]
    assert [e["response"]["location"] for e in again.json()["entry"]] == [
        e["response"]["location"] for e in first.json()["entry"]
    ]
    assert VitalsSet.objects.count() == LabResult.objects.count() == 1
    assert FhirImport.objects.count() == 2


def test_one_refused_entry_refuses_the_whole_transaction_naming_every_refusal(
    client, episode, ehr, make_episode
):
    at = timezone.now() - timedelta(minutes=30)
    pid = episode.patient_id
    elsewhere = make_episode(ward=Ward.objects.create(name="Elsewhere")).patient
    response = _post(
        client,
        ehr,
        _transaction(
            _observation(pid, "t-1", "8310-5", 38.6, "Cel", at),
            _observation(pid, "hr-1", "8867-4", 400, "/min", at - timedelta(minutes=5)),
            _observation(pid, "sbp", "8480-6", 80, "mm[Hg]", at - timedelta(minutes=9)),
            _observation(pid, "dbp", "8462-4", 95, "mm[Hg]", at - timedelta(minutes=9)),
            _observation(pid, "k-1", "2823-3", 40, "mmol/L", at),
            _observation(pid, "t-2", "8310-5", 38.6, "[degC]", at),
            _observation(elsewhere.pk, "t-3", "8310-5", 38.6, "Cel", at),
            _observation(pid, "t-4", "8310-5", 38.6, "Cel", timezone.now() + timedelta(hours=2)),
        ),
    )
    assert response.status_code == 422
    outcome = response.json()
    assert_valid_r4b(outcome)
    refused = {
        issue["expression"][0].split(".")[1]: issue["diagnostics"]
        for issue in outcome["issue"]
        if issue.get("expression")
    }
    assert set(refused) == {f"entry[{n}]" for n in range(1, 8)}
    assert "Heart rate must be between 20 and 300" in refused["entry[1]"]
    assert "Systolic BP must be higher than diastolic" in refused["entry[2]"]
    assert "Potassium" in refused["entry[4]"] and "plausible" in refused["entry[4]"]
    assert "[degC]" in refused["entry[5]"]
    assert "Unknown patient" in refused["entry[6]"]
    assert "future" in refused["entry[7]"]
    assert "nothing was charted" in outcome["issue"][-1]["diagnostics"]
    assert VitalsSet.objects.count() == LabResult.objects.count() == FhirImport.objects.count() == 0


def test_a_read_only_client_may_not_import(client, episode, ward):
    _, token = client_create(name="Warehouse", wards=[ward])
    at = timezone.now() - timedelta(minutes=30)
    response = _post(
        client, token, _transaction(_observation(episode.patient_id, "t", "8310-5", 38, "Cel", at))
    )
    assert response.status_code == 403
    assert VitalsSet.objects.count() == 0
    assert FhirAccess.objects.get().status == 403


def test_a_malformed_bundle_is_a_400(client, ehr):
    for body in ({"resourceType": "Patient"}, {"resourceType": "Bundle", "type": "batch"}):
        response = _post(client, ehr, body)
        assert response.status_code == 400
        assert response.json()["resourceType"] == "OperationOutcome"
    response = client.post("/fhir/", "not json", content_type="application/fhir+json", **auth(ehr))
    assert response.status_code == 400


def test_the_bedside_shows_rows_from_the_ehr(client, episode, ehr, nurse):
    at = timezone.now() - timedelta(minutes=30)
    _post(
        client,
        ehr,
        _transaction(_observation(episode.patient_id, "t-1", "8310-5", 38.6, "Cel", at)),
    )
    client.force_login(nurse)
    page = client.get(reverse("bedside", kwargs={"patient_id": episode.patient_id}))
    assert "from EHR" in page.content.decode()


def test_a_patients_chart_exported_and_imported_elsewhere_grades_the_same(
    client, episode, nurse, ehr, make_episode, committed
):
    """Round trip: read a patient's vitals, labs and drugs through the API, send
    them to another patient as a transaction, and the rules give the same grades."""
    with committed():
        chart_a_febrile_course(episode, nurse)
    twin = make_episode(infused_hours_ago=48)
    source = episode.patient_id
    resources = fetch_all(client, f"/fhir/Observation?patient={source}&category=vital-signs", ehr)
    resources += fetch_all(client, f"/fhir/Observation?patient={source}&category=laboratory", ehr)
    resources += fetch_all(client, f"/fhir/MedicationAdministration?patient={source}", ehr)
    for resource in resources:
        resource["subject"] = {"reference": f"Patient/{twin.patient_id}"}
        for key in ("id", "meta", "encounter", "context"):
            resource.pop(key, None)
    with committed():
        response = _post(client, ehr, _transaction(*resources))
    assert response.status_code == 200, response.content
    assert MedicationAdministration.objects.filter(episode=twin, source="EHR").count() == 2
    assert LabResult.objects.filter(episode=twin, source="EHR").count() == 3
    assert VitalsSet.objects.filter(episode=twin).count() == 3
    moment = timezone.now()
    original, copy = (
        regrade(episode, trigger="new_data", at=moment),
        regrade(twin, trigger="new_data", at=moment),
    )
    original = original or episode.assessments.latest_first().first()
    copy = copy or twin.assessments.latest_first().first()
    assert original.crs_grade >= 2
    for field in ("crs_grade", "icans_grade", "news2_score", "acuity", "crs_reasons"):
        assert getattr(copy, field) == getattr(original, field), field


def test_the_ehr_retracts_a_result_and_the_row_is_struck_not_deleted(client, episode, ehr):
    at = timezone.now() - timedelta(minutes=30)
    crp = _observation(episode.patient_id, "crp-1", "1988-5", 120, "mg/L", at)
    assert _post(client, ehr, _transaction(crp)).status_code == 200
    retracted = crp | {"status": "entered-in-error"}
    never_sent = _observation(episode.patient_id, "crp-0", "1988-5", 1, "mg/L", at) | {
        "status": "entered-in-error"
    }
    response = _post(client, ehr, _transaction(retracted, never_sent))
    assert response.status_code == 200, response.content
    row = LabResult.objects.get()
    assert row.is_entered_in_error
    assert row.entered_in_error_reason == f"Entered in error in the EHR ({EHR_IDS}|crp-1)."
    assert row.entered_in_error_by == row.recorded_by
    again = _post(client, ehr, _transaction(retracted))
    assert again.status_code == 200
    assert LabResult.objects.count() == 1


def test_one_value_of_a_vitals_set_is_not_struck_with_the_others(client, episode, ehr):
    at = timezone.now() - timedelta(minutes=30)
    pid = episode.patient_id
    temperature = _observation(pid, "t-1", "8310-5", 38.6, "Cel", at)
    pulse = _observation(pid, "hr-1", "8867-4", 112, "/min", at)
    _post(client, ehr, _transaction(temperature, pulse))
    response = _post(client, ehr, _transaction(temperature | {"status": "entered-in-error"}))
    assert response.status_code == 422
    assert f"{EHR_IDS}|hr-1" in response.json()["issue"][0]["diagnostics"]
    assert not VitalsSet.objects.get().is_entered_in_error
    both = [r | {"status": "entered-in-error"} for r in (temperature, pulse)]
    assert _post(client, ehr, _transaction(*both)).status_code == 200
    assert VitalsSet.objects.get().is_entered_in_error
