"""Changing protocols in a real Chromium: the ward's change for new episodes,
the confirmed step for the patients already there, and one patient's change."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone

from grading import dose_services
from patients import services as chart
from patients.models import Episode, Patient, Ward

from .conftest import csp_refusals, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-test-password"


def _person(username: str, group: str, ward: Ward) -> User:
    user = User.objects.create_user(username, password=PASSWORD, first_name=username.title())
    user.groups.add(Group.objects.get_or_create(name=group)[0])
    ward.staff.add(user)
    return user


@pytest.fixture
def ward_b(reference_data):
    """A ward on protocol B with two patients; Brandt has had both B doses."""
    ward = Ward.objects.create(name="CAR-T Unit East", protocol="B")
    nurse = _person("nurse", "nurse", ward)
    _person("physician", "physician", ward)
    infused = timezone.now() - timedelta(hours=48)
    episodes = {}
    for bed, family in enumerate(["Adler", "Brandt"], start=1):
        patient = Patient.objects.create(
            mrn=f"E2E-{bed}",
            family_name=family,
            given_name="Test",
            date_of_birth="1968-05-04",
            sex="female",
            ward=ward,
            bed=str(bed),
        )
        episodes[family] = Episode.objects.create(
            patient=patient,
            product="axi-cel",
            admitted_at=infused - timedelta(days=1),
            infusion_at=infused,
        )
    brandt = episodes["Brandt"]
    chart.weight_record(
        episode=brandt,
        observed_at=timezone.now() - timedelta(hours=45),
        by=nurse,
        weight_kg=Decimal("80"),
    )
    for hours_ago in (40, 20):
        dose_services.dose_record(
            episode=brandt,
            drug="tocilizumab",
            dose_mg=Decimal("640"),
            observed_at=timezone.now() - timedelta(hours=hours_ago),
            by=nurse,
        )
    return {"ward": ward, "episodes": episodes}


def test_a_physician_changes_the_ward_and_then_applies_it_to_the_patients_listed(
    live_server, ward_b, tablet, screenshot
):
    page = tablet
    refused = csp_refusals(page)
    ward = ward_b["ward"]
    sign_in(page, live_server, "physician", PASSWORD)
    page.goto(f"{live_server.url}/wards/{ward.pk}/protocol/")

    page.check("#change input[value=A]")
    page.click("#change button[type=submit]")
    assert page.locator("#change .error").all_inner_texts() == [
        "Reason: Say why the protocol changes: it is kept in the audit trail.",
        "Confirmation: Tick to confirm the change.",
    ]
    assert page.is_checked("#change input[value=A]")  # nothing typed is lost
    assert page.locator("[role=alert] a[href='#change']").count() == 2  # seen without scrolling
    screenshot(page, "ward-protocol-refused-1024")

    page.fill("#change textarea", "Unit policy 2026-11: protocol A for new patients")
    page.check("#change input[name=confirm]")
    page.click("#change button[type=submit]")
    assert "New episodes on CAR-T Unit East start under protocol A" in page.inner_text("main")
    listed = page.locator("#apply label.choice-line").all_inner_texts()
    assert [line.split(" · ")[:2] for line in listed[:2]] == [
        ["ADLER, Test", "MRN E2E-1"],
        ["BRANDT, Test", "MRN E2E-2"],
    ]
    # What the ward's limits will count, shown before the physician confirms.
    assert listed[0].endswith("0 tocilizumab doses given")
    assert listed[1].endswith("2 tocilizumab doses given")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "ward-protocol-apply-1024")

    page.uncheck("#apply input[name=episodes] >> nth=0")  # Adler stays on B
    page.check("#apply input[name=confirm]")
    page.click("#apply button[type=submit]")
    assert "Protocol A now applies to BRANDT, Test." in page.inner_text("main")
    protocols = dict(Episode.objects.values_list("patient__family_name", "protocol"))
    assert protocols == {"Adler": "B", "Brandt": "A"}

    page.goto(f"{live_server.url}/patients/{ward_b['episodes']['Adler'].patient_id}/")
    assert "differs from the ward's protocol (A)" in page.inner_text(".episode-protocol")
    screenshot(page, "patient-protocol-differs-1024")
    assert not refused


def test_a_physician_changes_one_patients_protocol_with_a_reason(
    live_server, ward_b, tablet, screenshot
):
    page = tablet
    refused = csp_refusals(page)
    patient_id = ward_b["episodes"]["Adler"].patient_id
    sign_in(page, live_server, "physician", PASSWORD)
    page.goto(f"{live_server.url}/patients/{patient_id}/")
    page.click(".episode-protocol a")
    page.check("input[name=protocol][value=A]")
    page.click("button.primary")
    assert page.locator(".error").all_inner_texts() == [
        "Reason: Say why the protocol changes: it is kept in the audit trail."
    ]
    page.fill("textarea[name=reason]", "Enrolled in the A-arm study")
    page.click("button.primary")
    assert "ADLER, Test now follows protocol A." in page.inner_text("main")
    page.goto(f"{live_server.url}/patients/{patient_id}/protocol/")
    assert "(“Enrolled in the A-arm study”)" in page.inner_text("main")
    screenshot(page, "episode-protocol-1024")
    assert not refused
