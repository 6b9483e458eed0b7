"""Deterioration never hides (clinical-rules r2 section 9): in a real Chromium,
the afebrile patient in shock tops the board in the deepest red."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone

from patients import services as chart
from patients.models import Ward

from .conftest import admitted, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-test-password"
NORMAL = {
    "temperature_c": Decimal("36.9"),
    "heart_rate": 84,
    "systolic": 121,
    "diastolic": 75,
    "respiratory_rate": 16,
    "spo2": 97,
}
FEVER = {**NORMAL, "temperature_c": Decimal("38.7"), "heart_rate": 104}
AFEBRILE_SHOCK = {
    **NORMAL,
    "temperature_c": Decimal("37.2"),
    "heart_rate": 126,
    "systolic": 92,
    "diastolic": 50,
    "respiratory_rate": 28,
    "spo2": 92,
    "oxygen_device": "bipap",
    "oxygen_flow_l_min": 12,
    "vasopressors": ["norepinephrine", "epinephrine"],
}
# Acuity 4's edge colour in board.css.
ACUITY_4_EDGE = "rgb(92, 0, 17)"


@pytest.fixture
def unit(reference_data):
    ward = Ward.objects.create(name="CAR-T Unit West")
    nurse = User.objects.create_user("nurse", password=PASSWORD)
    physician = User.objects.create_user("physician", password=PASSWORD)
    for user, group in ((nurse, "nurse"), (physician, "physician")):
        user.groups.add(Group.objects.get_or_create(name=group)[0])
        ward.staff.add(user)
    infused = timezone.now() - timedelta(hours=40)
    for bed, (family, values) in enumerate(
        [("Abbott", NORMAL), ("Baker", FEVER), ("Cole", AFEBRILE_SHOCK)], start=1
    ):
        episode = admitted(
            ward,
            mrn=f"E2E-W{bed}",
            family=family,
            bed=str(bed),
            infused=infused,
            born="1965-02-03",
            sex="male",
        )
        chart.vitals_record(
            episode=episode, observed_at=timezone.now() - timedelta(hours=3), by=nurse, **NORMAL
        )
        chart.vitals_record(
            episode=episode, observed_at=timezone.now() - timedelta(minutes=20), by=nurse, **values
        )
    return ward


@pytest.mark.parametrize("width, height", [(1024, 768), (768, 1024)])
def test_the_afebrile_shock_patient_is_on_top_in_red(
    browser, live_server, unit, screenshot, width, height
):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    try:
        sign_in(page, live_server, "physician", PASSWORD)
        page.goto(f"{live_server.url}/wards/{unit.pk}/")
        first = page.locator(".board-card").first
        assert "COLE" in first.locator(".card-name").inner_text()
        assert "Acuity 4" in first.inner_text()
        assert "Shock without fever" in first.inner_text()
        edge = first.evaluate("card => getComputedStyle(card).borderLeftColor")
        assert edge == ACUITY_4_EDGE
        names = page.locator(".card-name").all_inner_texts()
        assert [name.split(",")[0] for name in names] == ["COLE", "BAKER", "ABBOTT"]
        screenshot(page, f"board-afebrile-shock-{width}x{height}")
    finally:
        context.close()
