"""A UK ward enters labs in SI units and reads them flagged, on a ward tablet."""

from datetime import date
from importlib import import_module

import pytest
from django.apps import apps as django_apps
from playwright.sync_api import expect

from patients.models import LabResult

from .conftest import ARTIFACTS, sign_in
from .test_board import MAP_LIBRARY_CSS, WATCH_POLICY

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-test-password"


@pytest.fixture
def uk_bedside(live_server, tablet, reference_data, ward, nurse, make_episode):
    """A nurse of an SI ward, signed in on a patient's bedside page."""
    catalogue = import_module("patients.migrations.0010_lab_units_and_reference_limits")
    catalogue.add_tests_and_reference_limits(django_apps, schema_editor=None)
    ward.name, ward.lab_units = "London CAR-T Unit", "SI"
    ward.save()
    episode = make_episode(born=date(1971, 9, 14), family_name="Whitfield", infused_hours_ago=50)
    # Everything works under the Content-Security-Policy; the map library's
    # CSS that plotly.min.js injects is refused and no chart here is a map.
    refused = []
    tablet.add_init_script(WATCH_POLICY)
    tablet.on(
        "console",
        lambda m: (
            m.text.startswith("CSP refused")
            and MAP_LIBRARY_CSS not in m.text
            and refused.append(m.text)
        ),
    )
    sign_in(tablet, live_server, nurse.username, PASSWORD)
    tablet.click("a.chart-btn")
    expect(tablet.locator(".entry-bar")).to_be_visible()
    yield episode
    assert not refused, refused


def test_a_uk_nurse_enters_platelets_45_and_sees_them_low_and_on_the_graph(
    uk_bedside, tablet, live_server, screenshot
):
    tablet.click(".entry-bar >> text=Labs")
    expect(tablet.locator("#entry form")).to_be_visible()
    box = tablet.locator("#f-lab_platelets")
    expect(box.locator(".unit")).to_have_text("×10⁹/L")
    expect(tablet.locator("#entry form")).to_contain_text("This ward enters labs in SI units")
    tablet.fill("#id_lab_platelets", "45")
    tablet.fill("#id_lab_creatinine", "88")
    screenshot(tablet, "labs-si-typed")
    tablet.get_by_role("button", name="Save results").click()

    saved = tablet.locator("#entry .saved")
    expect(saved).to_contain_text("Saved: lab results")
    expect(saved).to_contain_text("Platelets 45 ×10⁹/L")
    expect(saved).to_contain_text("Creatinine 88 µmol/L")
    expect(saved.locator(".lab-flag.low")).to_have_text("L")
    screenshot(tablet, "labs-si-saved")
    stored = {r.test.code: r.value for r in LabResult.objects.select_related("test")}
    assert stored["platelets"] == 45_000

    tablet.click("#entry [data-close-entry]")
    history = tablet.locator("#bedside-history")
    expect(history).to_contain_text("Platelets 45 ×10⁹/L")
    expect(history.locator(".lab-flag.low")).to_have_text("L")
    screenshot(tablet, "labs-si-history")

    tablet.goto(f"{live_server.url}/patients/{uk_bedside.patient_id}/trajectory/")
    tablet.wait_for_selector("#plot-labs.js-plotly-plot")
    platelets = tablet.evaluate(
        """() => {
             const plot = document.getElementById("plot-labs");
             const trace = plot.data.find(t => t.name === "Platelets");
             const titles = plot.layout.annotations.map(a => a.text);
             return {y: trace.y, text: trace.text, titles: titles};
           }"""
    )
    assert platelets["y"] == [45] and platelets["text"] == ["L"]
    assert "Platelets (×10⁹/L)" in platelets["titles"]
    assert "platelets < 50 ×10⁹/L" in platelets["titles"]
    # The point and its L are drawn, not only held in the data.
    expect(tablet.locator("#plot-labs .textpoint", has_text="L").first).to_be_visible()
    screenshot(tablet, "labs-si-trajectory")
    tablet.locator("#plot-labs").screenshot(
        path=str(ARTIFACTS / "labs-si-trajectory-labs.png"), caret="initial"
    )
    assert tablet.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
