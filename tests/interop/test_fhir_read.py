"""The FHIR R4 (R4B) read API: what an EHR or a warehouse reads, and what it may not."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from interop.fhir.clients import client_create, client_revoke
from interop.models import FhirAccess, FhirClient, token_digest
from patients.models import Ward

from .fhir_helpers import assert_valid_r4b, auth, chart_a_febrile_course, fetch_all

pytestmark = pytest.mark.django_db

LOINC = "http://loinc.org"


@pytest.fixture
def charted(episode, nurse, committed):
    with committed():
        chart_a_febrile_course(episode, nurse)
    return episode


@pytest.fixture
def ehr(ward):
    client, token = client_create(name="Hospital EHR", wards=[ward])
    return client, token


@pytest.fixture
def other_ward_patient(make_episode):
    elsewhere = Ward.objects.create(name="Haematology day unit")
    return make_episode(ward=elsewhere).patient


def test_the_ehr_reads_a_patient_and_every_resource_validates_as_r4b(client, charted, ehr):
    _, token = ehr
    patient = charted.patient
    for url in (
        f"/fhir/Patient/{patient.pk}",
        f"/fhir/Encounter/{charted.pk}",
        "/fhir/metadata",
    ):
        response = client.get(url, **auth(token))
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/fhir+json")
        assert_valid_r4b(response.json())
    for url in (
        f"/fhir/Patient?identifier={patient.mrn}",
        f"/fhir/Encounter?patient={patient.pk}",
        f"/fhir/Observation?patient=Patient/{patient.pk}&_count=7",
        f"/fhir/MedicationAdministration?patient={patient.pk}&_count=2",
    ):
        assert fetch_all(client, url, token)


def test_vital_signs_follow_the_vital_signs_profile(client, charted, ehr):
    _, token = ehr
    found = fetch_all(
        client, f"/fhir/Observation?patient={charted.patient_id}&category=vital-signs", token
    )
    by_id = {obs["id"]: obs for obs in found}
    fever = next(
        o
        for o in found
        if o["code"]["coding"][0]["code"] == "8310-5" and o["valueQuantity"]["value"] == 39.4
    )
    assert fever["valueQuantity"] == {
        "value": 39.4,
        "unit": "Cel",
        "system": "http://unitsofmeasure.org",
        "code": "Cel",
    }
    assert fever["category"][0]["coding"][0]["code"] == "vital-signs"
    assert "http://hl7.org/fhir/StructureDefinition/vitalsigns" in fever["meta"]["profile"]
    bp = next(
        o
        for o in found
        if o["code"]["coding"][0]["code"] == "85354-9"
        and o["component"][0]["valueQuantity"]["value"] == 84
    )
    assert [
        (c["code"]["coding"][0]["code"], c["valueQuantity"]["value"]) for c in bp["component"]
    ] == [
        ("8480-6", 84),
        ("8462-4", 48),
        ("8478-0", 58),
    ]
    assert {c["valueQuantity"]["code"] for c in bp["component"]} == {"mm[Hg]"}
    spo2 = next(o for o in found if o["code"]["coding"][0]["code"] == "2708-6")
    assert [c["code"] for c in spo2["code"]["coding"]] == ["2708-6", "59408-5"]
    mask = next(
        o for o in found if o.get("valueCodeableConcept", {}).get("text") == "Simple face mask"
    )
    assert mask["component"][0]["code"]["coding"][0]["code"] == "3151-8"
    assert mask["component"][0]["valueQuantity"]["code"] == "L/min"
    assert mask["component"][0]["valueQuantity"]["value"] == 6
    assert len(by_id) == len(found)
    pressors = fetch_all(
        client,
        f"/fhir/MedicationAdministration?patient={charted.patient_id}&code=norepinephrine",
        token,
    )
    assert [(p["status"], p["medicationCodeableConcept"]["text"]) for p in pressors] == [
        ("in-progress", "Norepinephrine")
    ]


def test_labs_carry_their_loinc_code_and_ucum_unit(client, charted, ehr):
    _, token = ehr
    found = fetch_all(client, f"/fhir/Observation?category=laboratory&code={LOINC}|1988-5", token)
    assert len(found) == 1
    assert found[0]["code"]["coding"][0] == {
        "system": LOINC,
        "code": "1988-5",
        "display": "C-reactive protein",
    }
    assert found[0]["valueQuantity"]["value"] == 182.5
    assert found[0]["valueQuantity"]["code"] == "mg/L"


def test_the_grades_come_with_their_reasons_and_news2_with_its_loinc_code(client, charted, ehr):
    _, token = ehr
    latest = charted.assessments.latest_first().first()
    crs = client.get(f"/fhir/Observation/crs-{latest.pk}", **auth(token)).json()
    assert (
        crs["code"]["coding"][0]["system"] == "https://crs-monitor.example/fhir/CodeSystem/grades"
    )
    assert crs["valueInteger"] == latest.crs_grade >= 2
    assert [note["text"] for note in crs["note"]] == latest.crs_reasons
    news2 = fetch_all(client, f"/fhir/Observation?code={LOINC}|1104051-8", token)
    assert news2 and all(o["code"]["coding"][0]["code"] == "1104051-8" for o in news2)
    assert news2[-1]["valueInteger"] == latest.news2_score


def test_date_ranges_take_prefixes(client, charted, ehr):
    _, token = ehr
    since = (timezone.now() - timedelta(minutes=120)).isoformat()
    recent = fetch_all(
        client, f"/fhir/Observation?code=8310-5&date=ge{since.replace('+', '%2B')}", token
    )
    assert [o["valueQuantity"]["value"] for o in recent] == [39.4]
    before = fetch_all(
        client, f"/fhir/Observation?code=8310-5&date=lt{since.replace('+', '%2B')}", token
    )
    assert [o["valueQuantity"]["value"] for o in before] == [37.2, 38.9]
    updated = fetch_all(
        client, f"/fhir/Observation?code=8310-5&_lastUpdated=gt{since.replace('+', '%2B')}", token
    )
    assert len(updated) == 3  # all were charted just now, whatever their clinical time


def test_pages_link_to_the_next_and_the_page_size_is_kept(client, charted, ehr):
    _, token = ehr
    response = client.get("/fhir/Observation?category=vital-signs&_count=4", **auth(token))
    body = response.json()
    assert len(body["entry"]) == 4
    following = next(link["url"] for link in body["link"] if link["relation"] == "next")
    assert "_count=4" in following and "_offset=4" in following
    everything = fetch_all(client, "/fhir/Observation?category=vital-signs&_count=4", token)
    at_once = fetch_all(client, "/fhir/Observation?category=vital-signs&_count=200", token)
    assert [o["id"] for o in everything] == [o["id"] for o in at_once]


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("date=yesterday", "date"),
        ("date=ge2026-13-40", "date"),
        ("_lastUpdated=2026-11-30T08:00:00", "_lastUpdated"),
        ("_count=0", "_count"),
        ("_count=5000", "_count"),
        ("patient=Helen", "patient"),
        ("code=http://loinc.org|", "code"),
        ("colour=red", "colour"),
    ],
)
def test_a_bad_search_is_a_400_naming_the_parameter(client, ehr, query, parameter):
    _, token = ehr
    response = client.get(f"/fhir/Observation?{query}", **auth(token))
    assert response.status_code == 400
    issue = response.json()["issue"][0]
    assert issue["expression"] == [parameter]
    assert parameter in issue["diagnostics"]
    assert_valid_r4b(response.json())


def test_a_client_for_one_ward_cannot_read_another(client, charted, ehr, other_ward_patient):
    _, token = ehr
    for url in (
        f"/fhir/Patient/{other_ward_patient.pk}",
        f"/fhir/Observation?patient={other_ward_patient.pk}",
        f"/fhir/Encounter/{other_ward_patient.episodes.get().pk}",
    ):
        response = client.get(url, **auth(token))
        assert response.status_code == 404, url
        assert response.json()["resourceType"] == "OperationOutcome"
    listed = fetch_all(client, "/fhir/Patient", token)
    assert [p["id"] for p in listed] == [str(charted.patient_id)]


def test_a_revoked_token_gets_401(client, charted, ehr):
    ehr_client, token = ehr
    client_revoke(ehr_client)
    response = client.get(f"/fhir/Patient/{charted.patient_id}", **auth(token))
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["issue"][0]["code"] == "login"


def test_no_token_or_a_wrong_one_gets_401_even_for_a_signed_in_nurse(client, charted, nurse):
    client.force_login(nurse)
    for headers in ({}, auth("crsfhir_guessed"), {"HTTP_AUTHORIZATION": "Basic eDp5"}):
        response = client.get(f"/fhir/Patient/{charted.patient_id}", **headers)
        assert response.status_code == 401
        assert response.json()["resourceType"] == "OperationOutcome"


def test_the_capability_statement_needs_no_token_and_says_r4b(client):
    response = client.get("/fhir/metadata")
    assert response.status_code == 200
    statement = response.json()
    assert_valid_r4b(statement)
    assert statement["fhirVersion"] == "4.3.0"
    assert "R4B" in statement["implementation"]["description"]


def test_only_the_tokens_digest_is_stored(ehr):
    ehr_client, token = ehr
    stored = FhirClient.objects.values().get(pk=ehr_client.pk)
    assert token not in str(stored)
    assert stored["token_digest"] == token_digest(token)
    assert not ehr_client.account.has_usable_password()


def test_every_access_is_in_the_audit_trail(client, charted, ehr):
    ehr_client, token = ehr
    client.get(f"/fhir/Patient/{charted.patient_id}", **auth(token))
    client.get("/fhir/Observation?colour=red", **auth(token))
    client.get(f"/fhir/Patient/{charted.patient_id}", **auth("crsfhir_wrong"))
    log = list(FhirAccess.objects.order_by("pk").values_list("client", "status", "resources"))
    assert log == [
        (ehr_client.pk, 200, [f"Patient/{charted.patient_id}"]),
        (ehr_client.pk, 400, []),
        (None, 401, []),
    ]


def test_a_search_costs_the_same_queries_for_few_or_many_rows(client, charted, ehr, nurse):
    _, token = ehr
    counts = []
    for size in (1, 200):
        for url in (
            f"/fhir/Observation?_count={size}",
            f"/fhir/MedicationAdministration?_count={size}",
            f"/fhir/Patient?_count={size}",
            f"/fhir/Encounter?_count={size}",
        ):
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url, **auth(token))
            assert response.status_code == 200
            counts.append((url.split("?")[0], len(queries)))
    assert counts[:4] == counts[4:]


def test_a_failure_of_ours_still_answers_fhir_and_is_logged(client, ehr, monkeypatch):
    _, token = ehr

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("interop.fhir.resources.search", broken)
    response = client.get("/fhir/Observation", **auth(token))
    assert response.status_code == 500
    assert response.json()["issue"][0]["code"] == "exception"
    assert FhirAccess.objects.get().status == 500
