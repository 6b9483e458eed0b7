"""A nurse charts at the bedside on a ward tablet (Chromium at tablet sizes)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from patients import services
from patients.models import VitalsSet

from .conftest import csp_refusals, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


PASSWORD = "a-long-test-password"
PORTRAIT = {"width": 768, "height": 1024}


@pytest.fixture
def bedside(live_server, tablet, nurse, make_episode):
    """A nurse signed in on the bedside page of an adult with a weight and calm vitals."""
    nurse.first_name, nurse.last_name = "Nina", "Okafor"
    nurse.save()
    episode = make_episode(born=date(1968, 5, 2), family_name="Lindgren", infused_hours_ago=30)
    services.weight_record(
        episode=episode, observed_at=episode.admitted_at, by=nurse, weight_kg=Decimal("74.0")
    )
    services.vitals_record(
        episode=episode,
        observed_at=episode.infusion_at + timedelta(hours=20),
        by=nurse,
        temperature_c=Decimal("37.1"),
        heart_rate=84,
        systolic=124,
        diastolic=76,
        respiratory_rate=16,
        spo2=97,
    )
    refused = csp_refusals(tablet)
    sign_in(tablet, live_server, nurse.username, PASSWORD)
    # Two taps from the ward list: Chart, then the entry.
    tablet.click("a.chart-btn")
    expect(tablet.locator("#grade-panel .current")).to_be_visible()
    yield episode
    assert not refused, refused  # everything works under the Content-Security-Policy


def _open_vitals(page):
    page.click(".entry-bar >> text=Vitals")
    expect(page.locator("#entry form")).to_be_visible()


def _type_vitals(page, temperature, heart_rate="112", systolic="104", diastolic="62"):
    page.fill("#id_temperature", temperature)
    page.fill("#id_heart_rate", heart_rate)
    page.fill("#id_systolic", systolic)
    page.fill("#id_diastolic", diastolic)
    page.fill("#id_respiratory_rate", "22")
    page.fill("#id_spo2", "94")


def _no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_febrile_vitals_on_nasal_cannula_show_crs_grade_2(bedside, tablet, screenshot):
    _open_vitals(tablet)
    _type_vitals(tablet, "38.6")
    tablet.get_by_text("Nasal cannula", exact=True).click()
    tablet.fill("#id_oxygen_flow_l_min", "4")
    expect(tablet.locator("[data-converted]")).to_have_text("= 101.5 °F")
    screenshot(tablet, "bedside-vitals-typed")
    tablet.get_by_role("button", name="Save vitals").click()

    expect(tablet.locator("#entry .saved")).to_contain_text("Saved: vitals")
    expect(tablet.locator("#grade-panel .rose")).to_have_text("Grade went up: CRS 0 → 2")
    expect(tablet.locator("#grade-panel [title='CRS grade 2']")).to_contain_text("CRS")
    expect(tablet.locator("#bedside-summary")).to_contain_text("Nasal cannula 4 L/min")
    expect(tablet.locator("#bedside-history .chart-row").first).to_contain_text("38.6 °C")
    assert VitalsSet.objects.count() == 2
    screenshot(tablet, "bedside-grade-2")
    _no_sideways_scroll(tablet)
    tablet.set_viewport_size(PORTRAIT)
    screenshot(tablet, "bedside-grade-2-portrait")
    _no_sideways_scroll(tablet)


def test_an_out_of_range_temperature_is_refused_and_everything_typed_stays(
    bedside, tablet, screenshot
):
    tablet.set_viewport_size(PORTRAIT)
    _open_vitals(tablet)
    _type_vitals(tablet, "46.2")
    tablet.get_by_text("Nasal cannula", exact=True).click()
    tablet.fill("#id_oxygen_flow_l_min", "4")
    tablet.get_by_text("Norepinephrine", exact=True).click()
    tablet.get_by_role("button", name="Save vitals").click()

    error = tablet.locator("#f-temperature .field-error")
    expect(error).to_have_text("Temperature must be between 25 and 45 °C (77-113 °F).")
    expect(tablet.locator(".errors-summary")).to_contain_text("Not saved. Check Temperature.")
    for field, value in [
        ("temperature", "46.2"),
        ("heart_rate", "112"),
        ("systolic", "104"),
        ("diastolic", "62"),
        ("respiratory_rate", "22"),
        ("spo2", "94"),
        ("oxygen_flow_l_min", "4"),
    ]:
        expect(tablet.locator(f"#id_{field}")).to_have_value(value)
    expect(tablet.locator("input[name=oxygen_device][value=nasal_cannula]")).to_be_checked()
    expect(tablet.locator("input[name=vasopressors][value=norepinephrine]")).to_be_checked()
    assert VitalsSet.objects.count() == 1
    screenshot(tablet, "bedside-temperature-refused-portrait")
    _no_sideways_scroll(tablet)

    tablet.fill("#id_temperature", "38.0")
    tablet.get_by_role("button", name="Save vitals").click()
    expect(tablet.locator("#entry .saved")).to_contain_text("38.0 °C")
    assert VitalsSet.objects.count() == 2


def test_fahrenheit_is_converted_and_an_unusual_value_is_confirmed(bedside, tablet, screenshot):
    _open_vitals(tablet)
    tablet.get_by_text("°F", exact=True).click()
    _type_vitals(tablet, "106.5")
    expect(tablet.locator("[data-converted]")).to_have_text("= 41.4 °C")
    tablet.get_by_role("button", name="Save vitals").click()

    confirm = tablet.locator(".confirm-box")
    expect(confirm).to_contain_text("Temperature 41.4 °C (106.5 °F) is above 41 °C")
    screenshot(tablet, "bedside-confirm-unusual")
    assert VitalsSet.objects.count() == 1
    tablet.click("text=Yes, I checked: it is right")
    tablet.get_by_role("button", name="Save vitals").click()
    expect(tablet.locator("#entry .saved")).to_contain_text("41.4 °C (106.5 °F)")
    assert VitalsSet.objects.valid().latest("observed_at").temperature_c == Decimal("41.4")


def test_a_double_tap_and_a_resent_form_save_one_row(bedside, tablet):
    _open_vitals(tablet)
    _type_vitals(tablet, "38.3")
    tablet.get_by_role("button", name="Save vitals").dblclick()
    expect(tablet.locator("#entry .saved")).to_be_visible()
    assert VitalsSet.objects.filter(temperature_c=Decimal("38.3")).count() == 1

    # The same form sent twice at once, as a flaky connection may do.
    _open_vitals(tablet)
    _type_vitals(tablet, "38.7")
    statuses = tablet.evaluate(
        """async () => {
          const form = document.querySelector("#entry form");
          const send = () => fetch(form.action, {
            method: "POST", body: new FormData(form), headers: {"HX-Request": "true"}});
          const answers = await Promise.all([send(), send(), send()]);
          return answers.map((answer) => answer.status);
        }"""
    )
    assert statuses == [200, 200, 200]
    assert VitalsSet.objects.filter(temperature_c=Decimal("38.7")).count() == 1


def test_a_lost_connection_keeps_the_entry_and_a_retry_saves_it_once(bedside, tablet, screenshot):
    _open_vitals(tablet)
    _type_vitals(tablet, "38.8")

    # The server saves, but its answer never reaches the tablet.
    def answer_lost(route):
        route.fetch()
        route.abort("connectionreset")

    tablet.route("**/bedside/vitals/", answer_lost)
    tablet.get_by_role("button", name="Save vitals").click()
    failed = tablet.locator("[data-send-failed]")
    expect(failed).to_be_visible()
    expect(failed).to_contain_text("Not saved yet. The connection to the server was lost.")
    expect(tablet.locator("#id_temperature")).to_have_value("38.8")
    expect(tablet.locator("#entry button[type=submit]")).to_be_enabled()
    screenshot(tablet, "bedside-connection-lost")

    tablet.unroute("**/bedside/vitals/")
    tablet.get_by_role("button", name="Save vitals").click()
    expect(tablet.locator("#entry .saved")).to_contain_text("38.8 °C")
    assert VitalsSet.objects.filter(temperature_c=Decimal("38.8")).count() == 1


def test_a_mistaken_entry_is_struck_through_and_stays_in_the_history(bedside, tablet, screenshot):
    _open_vitals(tablet)
    _type_vitals(tablet, "39.4", heart_rate="190")
    tablet.get_by_role("button", name="Save vitals").click()
    expect(tablet.locator("#entry .saved")).to_be_visible()
    expect(tablet.locator("#grade-panel [title='CRS grade 1']")).to_be_visible()

    row = tablet.locator("#bedside-history .chart-row", has_text="HR 190")
    row.get_by_text("Entered in error…").click()
    tablet.get_by_text("Wrong patient", exact=True).click()
    tablet.fill("#id_detail", "Bed 4's observations")
    tablet.get_by_role("button", name="Mark entered in error").click()

    struck = tablet.locator("#bedside-history .chart-row.struck")
    expect(struck).to_contain_text("Entered in error by Nina Okafor")
    expect(struck).to_contain_text("Wrong patient: Bed 4's observations")
    expect(struck.locator("del")).to_contain_text("HR 190")
    expect(tablet.locator("#grade-panel [title='CRS grade 0']")).to_be_visible()
    assert VitalsSet.objects.count() == 2
    screenshot(tablet, "bedside-entered-in-error")
