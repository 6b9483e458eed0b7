"""A physician's open board, in a real Chromium: when a nurse charts a vitals
set that raises acuity to 3, the alert count appears and the alert sounds."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone

from notifications.models import Alert
from patients import services as chart
from patients.models import Ward

from .conftest import admitted, csp_refusals, sign_in

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
# Shock without fever on one vasopressor: acuity 3 (clinical-rules section 9).
ONE_PRESSOR = {
    **NORMAL,
    "temperature_c": Decimal("37.1"),
    "heart_rate": 112,
    "systolic": 88,
    "diastolic": 50,
    "vasopressors": ["norepinephrine"],
}


@pytest.fixture
def unit(reference_data):
    ward = Ward.objects.create(name="CAR-T Unit North")
    people = {}
    for username, group in (("nurse", "nurse"), ("physician", "physician")):
        people[username] = User.objects.create_user(username, password=PASSWORD)
        people[username].groups.add(Group.objects.get_or_create(name=group)[0])
        ward.staff.add(people[username])
    episode = admitted(
        ward, mrn="E2E-N1", family="Dalton", bed="4", infused=timezone.now() - timedelta(hours=30)
    )
    chart.vitals_record(
        episode=episode,
        observed_at=timezone.now() - timedelta(hours=2),
        by=people["nurse"],
        **NORMAL,
    )
    return episode, people


def test_the_open_board_counts_and_sounds_the_new_alert(browser, live_server, unit, screenshot):
    episode, people = unit
    context = browser.new_context(viewport={"width": 1024, "height": 768})
    page = context.new_page()
    refused = csp_refusals(page)
    try:
        sign_in(page, live_server, "physician", PASSWORD)
        page.goto(f"{live_server.url}/wards/{episode.patient.ward_id}/")
        page.wait_for_selector("#alert-badge")
        assert page.get_attribute("#alert-badge", "data-count") == "0"
        assert "first call" in page.locator("#on-call").inner_text()
        assert page.evaluate("window.crsAlerts.played") == 0

        chart.vitals_record(
            episode=episode,
            observed_at=timezone.now() - timedelta(minutes=1),
            by=people["nurse"],
            **ONE_PRESSOR,
        )
        told = Alert.objects.filter(episode=episode, notifications__recipient=people["physician"])
        assert told.filter(cause="acuity", acuity=3).exists()

        # The badge polls every 10 s: the count appears and the sound fires.
        page.wait_for_selector("#alert-badge.has-alerts", timeout=25_000)
        count = int(page.get_attribute("#alert-badge", "data-count"))
        assert count == told.distinct().count() >= 1
        page.wait_for_function("window.crsAlerts.played >= 1", timeout=5_000)
        assert page.get_attribute("body", "data-alert-played") == "1"
        screenshot(page, "board-alert-count")

        # The badge opens the inbox; the alert opens the patient's alert page.
        page.click("#alert-badge")
        page.wait_for_selector("text=Acuity rose from 0 to 3")
        acuity = told.get(cause="acuity")
        page.click(f"a[href='/alerts/{acuity.pk}/']")
        page.wait_for_selector("text=Acknowledge: I am dealing with this")
        page.click("text=Acknowledge: I am dealing with this")
        page.wait_for_selector("text=Acknowledged by")
        screenshot(page, "alert-acknowledged")
        acuity.refresh_from_db()
        assert (acuity.state, acuity.acknowledged_by) == ("acknowledged", people["physician"])
        assert not refused, refused
    finally:
        context.close()
