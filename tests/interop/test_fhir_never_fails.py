"""Whatever a client sends, the FHIR API answers FHIR: never a server error."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from interop.fhir.clients import client_create
from interop.models import FhirClient

from .fhir_helpers import auth

pytestmark = pytest.mark.django_db

EXAMPLES = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
NASTY = ["", " ", "ge", "le9999-12-31", "eq0001-01-01", "gt2026-11-30T08:00:00+99:00", "1e308",
         "-1", "Patient/", "Patient/99999999999999999999", "http://loinc.org|", "|", ",", "\x00",
         "ge2026-11-30T08:00:00Z", "8310-5,8867-4", "vital-signs", "NaN", "😷"]  # fmt: skip
PARAMETERS = [
    "patient",
    "subject",
    "category",
    "code",
    "date",
    "_lastUpdated",
    "_count",
    "_offset",
    "effective-time",
    "identifier",
    "name",
    "_id",
    "_format",
    "bogus",
]


@pytest.fixture
def token(ward):
    return client_create(name="Fuzzing EHR", wards=[ward], can_write=True)[1]


@EXAMPLES
@given(data=st.data())
def test_a_search_never_fails(client, token, episode, data):
    resource = data.draw(
        st.sampled_from(["Patient", "Encounter", "Observation", "MedicationAdministration"])
    )
    query = data.draw(
        st.lists(
            st.tuples(
                st.sampled_from(PARAMETERS),
                st.one_of(st.sampled_from(NASTY), st.text(max_size=30)),
            ),
            max_size=4,
        )
    )
    response = client.get(f"/fhir/{resource}", dict(query), **auth(token))
    assert response.status_code in (200, 400, 404), (response.status_code, query)
    assert response.json()["resourceType"] in ("Bundle", "OperationOutcome")


@EXAMPLES
@given(data=st.data())
def test_an_import_never_fails(client, token, episode, data):
    at = (timezone.now() - timedelta(minutes=data.draw(st.integers(-300, 5000)))).isoformat()
    value = data.draw(
        st.one_of(
            st.sampled_from([38.5, 0, -4, 1e30, 1e-30, 37.25, 400, "38"]),
            st.floats(allow_nan=False, allow_infinity=False),
            st.integers(-(10**20), 10**20),
        )
    )
    code = data.draw(st.sampled_from(["8310-5", "8867-4", "2708-6", "1988-5", "3151-8", "x"]))
    unit = data.draw(st.sampled_from(["Cel", "[degF]", "/min", "%", "mg/L", "L/min", "kg", ""]))
    resource = {
        "resourceType": data.draw(st.sampled_from(["Observation", "MedicationAdministration"])),
        "identifier": [{"system": "urn:ehr", "value": data.draw(st.text(min_size=1, max_size=8))}],
        "status": data.draw(st.sampled_from(["final", "completed", "entered-in-error"])),
        "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
        "medicationCodeableConcept": {"text": data.draw(st.text(max_size=20))},
        "subject": {
            "reference": data.draw(
                st.sampled_from([f"Patient/{episode.patient_id}", "Patient/0", "x"])
            )
        },
        "effectiveDateTime": data.draw(st.sampled_from([at, "2026-11-30", "yesterday"])),
        "valueQuantity": {"value": value, "unit": unit, "code": unit},
        "dosage": {"dose": {"value": value, "unit": "mg"}},
    }
    body = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [{"resource": resource, "request": {"method": "POST", "url": "x"}}],
    }
    response = client.post(
        "/fhir/", json.dumps(body), content_type="application/fhir+json", **auth(token)
    )
    assert response.status_code in (200, 400, 422), (response.status_code, response.content)
    assert FhirClient.objects.count() == 1


def test_the_admin_shows_a_new_token_once_and_revokes_it(admin_client, ward, episode, client):
    response = admin_client.post(
        "/admin/interop/fhirclient/add/",
        {"name": "Warehouse", "wards": [ward.pk], "can_write": ""},
        follow=True,
    )
    assert response.status_code == 200
    shown = [str(m) for m in response.context["messages"]]
    token = next(m.split(": ")[-1] for m in shown if "never shown again" in m)
    warehouse = FhirClient.objects.get(name="Warehouse")
    assert token.startswith("crsfhir_") and token not in str(FhirClient.objects.values().get())
    assert client.get(f"/fhir/Patient/{episode.patient_id}", **auth(token)).status_code == 200
    page = admin_client.get(f"/admin/interop/fhirclient/{warehouse.pk}/change/")
    assert token not in page.content.decode()
    admin_client.post(
        "/admin/interop/fhirclient/",
        {"action": "revoke", "_selected_action": [warehouse.pk]},
    )
    warehouse.refresh_from_db()
    assert warehouse.revoked_at is not None
    assert client.get(f"/fhir/Patient/{episode.patient_id}", **auth(token)).status_code == 401
