"""A charted CAR-T patient and an EHR client, shared by the FHIR tests."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle

from patients import services as chart


def ago(minutes: float):
    return timezone.now() - timedelta(minutes=minutes)


def chart_a_febrile_course(episode, nurse):
    """Fever on a nasal cannula, then hypotension on norepinephrine, labs and drugs."""
    chart.vitals_record(
        episode=episode,
        observed_at=ago(300),
        by=nurse,
        temperature_c=Decimal("37.2"),
        heart_rate=80,
        systolic=125,
        diastolic=75,
        respiratory_rate=14,
        spo2=98,
        oxygen_device="room_air",
        vasopressors=[],
    )
    chart.vitals_record(
        episode=episode,
        observed_at=ago(180),
        by=nurse,
        temperature_c=Decimal("38.9"),
        heart_rate=118,
        respiratory_rate=24,
        spo2=93,
        oxygen_device="nasal_cannula",
        oxygen_flow_l_min=Decimal("3"),
    )
    chart.vitals_record(
        episode=episode,
        observed_at=ago(60),
        by=nurse,
        temperature_c=Decimal("39.4"),
        heart_rate=131,
        systolic=84,
        diastolic=48,
        mean_arterial=58,
        spo2=91,
        oxygen_device="simple_face_mask",
        oxygen_flow_l_min=Decimal("6"),
        vasopressors=["norepinephrine"],
    )
    chart.lab_record(episode=episode, observed_at=ago(200), by=nurse, test="crp", value=182.5)
    chart.lab_record(episode=episode, observed_at=ago(200), by=nurse, test="ferritin", value=2400)
    chart.lab_record(episode=episode, observed_at=ago(200), by=nurse, test="platelets", value=85000)
    chart.medication_record(
        episode=episode,
        observed_at=ago(170),
        by=nurse,
        drug="acetaminophen",
        dose_mg=Decimal("1000"),
        route="oral",
    )
    chart.medication_record(
        episode=episode,
        observed_at=ago(90),
        by=nurse,
        drug="tocilizumab",
        dose_mg=Decimal("640"),
    )


def auth(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def fetch_all(client, url: str, token: str) -> list[dict]:
    """Every resource of a search, following the next links; checks every page."""
    found = []
    while url:
        response = client.get(url, **auth(token))
        assert response.status_code == 200, response.content
        assert response["Content-Type"].startswith("application/fhir+json")
        body = response.json()
        assert_valid_r4b(body)
        found += [entry["resource"] for entry in body.get("entry", [])]
        url = next((link["url"] for link in body["link"] if link["relation"] == "next"), None)
    return found


def assert_valid_r4b(resource: dict) -> None:
    """The resource, and each resource of a Bundle, validates with fhir.resources' R4B models."""
    model = get_fhir_model_class(resource["resourceType"])
    model.model_validate(resource)
    if resource["resourceType"] == "Bundle":
        Bundle.model_validate(resource)
        for entry in resource.get("entry", []):
            if "resource" in entry:
                assert_valid_r4b(entry["resource"])
