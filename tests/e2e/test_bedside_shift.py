"""A whole day shift charted for one patient on a ward tablet, screenshot by screenshot.

Entries are timed back across the shift (the form's clock is set for each), as
a nurse catches up after a busy morning: calm, then fever, then oxygen and a
falling pressure, a mistaken entry struck out, and a worse ICE score.
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from patients import services
from patients.models import LabResult, MedicationAdministration, NeuroAssessment, VitalsSet

from .conftest import csp_refusals, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


LANDSCAPE = {"width": 1024, "height": 768}
PORTRAIT = {"width": 768, "height": 1024}


def _clock(episode, hours_ago: float) -> str:
    moment = timezone.now() - timedelta(hours=hours_ago)
    return moment.astimezone(episode.patient.ward.tzinfo).strftime("%Y-%m-%dT%H:%M")


def _open(page, button: str):
    page.click(f".entry-bar >> text={button}")
    expect(page.locator("#entry form")).to_be_visible()


def _saved(page, words: str):
    expect(page.locator("#entry .saved")).to_contain_text(words)


def _crs(page):
    return page.locator("#grade-panel .current > div").nth(0).locator(".grade")


def _icans(page):
    return page.locator("#grade-panel .current > div").nth(1).locator(".grade")


def _vitals(page, episode, hours_ago, *, oxygen=None, flow=None, unit=None, **values):
    _open(page, "Vitals")
    page.fill("#id_observed_at", _clock(episode, hours_ago))
    if unit:
        page.locator("#f-temperature").get_by_text(unit, exact=True).click()
    for field, value in values.items():
        page.fill(f"#id_{field}", value)
    if oxygen:
        page.locator("#f-oxygen_device").get_by_text(oxygen, exact=True).click()
    if flow:
        page.fill("#id_oxygen_flow_l_min", flow)
    page.get_by_role("button", name="Save vitals").click()
    _saved(page, "Saved: vitals")


def test_a_nurse_charts_a_whole_shift(
    live_server, browser, nurse, make_episode, reference_data, screenshot
):
    nurse.first_name, nurse.last_name = "Nina", "Okafor"
    nurse.save()
    episode = make_episode(
        born=date(1961, 3, 14), family_name="Marsh", infused_hours_ago=30, mrn="MRN-20417"
    )
    services.weight_record(
        episode=episode, observed_at=episode.admitted_at, by=nurse, weight_kg=Decimal("68.0")
    )

    context = browser.new_context(viewport=LANDSCAPE)
    page = context.new_page()
    refused = csp_refusals(page)
    sign_in(page, live_server, nurse.username, "a-long-test-password")
    page.click("a.chart-btn")
    expect(_crs(page)).to_contain_text("0")
    screenshot(page, "shift-00-start")

    # The baseline ICE from before the infusion, charted late from the paper sheet.
    _open(page, "Neuro check")
    page.click("text=Chart the baseline")
    expect(page.locator("#entry h2")).to_have_text("Baseline neuro check (ICE)")
    expect(page.locator("#id_observed_at")).to_have_value("")
    page.fill("#id_observed_at", _clock(episode, 32))
    page.click("text=All 10 correct")
    expect(page.locator("[data-score-output]")).to_have_text("ICE 10/10")
    screenshot(page, "shift-01-baseline")
    page.get_by_role("button", name="Save neuro check").click()
    _saved(page, "Saved: baseline neuro check")

    # 07:00-ish: calm.
    _vitals(
        page,
        episode,
        11,
        temperature="37.2",
        heart_rate="86",
        systolic="122",
        diastolic="74",
        respiratory_rate="16",
        spo2="97",
    )
    expect(_crs(page)).to_contain_text("0")

    _open(page, "Neuro check")
    page.fill("#id_observed_at", _clock(episode, 10))
    expect(page.locator(".baseline-line")).to_contain_text("Baseline before infusion: ICE 10/10")
    page.click("text=All 10 correct")
    page.get_by_role("button", name="Save neuro check").click()
    _saved(page, "ICE")

    _open(page, "Labs")
    # The time shortcuts count in ward time: ten hours back, then one more.
    page.fill("#id_observed_at", _clock(episode, 8))
    page.click("text=−1 h")
    expect(page.locator("#id_observed_at")).to_have_value(_clock(episode, 9))
    page.fill("#id_lab_crp", "12")
    page.fill("#id_lab_ferritin", "650")
    screenshot(page, "shift-02-labs")
    page.get_by_role("button", name="Save results").click()
    _saved(page, "Ferritin 650 ng/mL")

    # Late morning: fever.
    _vitals(
        page,
        episode,
        7,
        temperature="38.4",
        heart_rate="108",
        systolic="118",
        diastolic="70",
        respiratory_rate="18",
        spo2="96",
    )
    expect(page.locator("#grade-panel .rose")).to_have_text("Grade went up: CRS 0 → 1")
    screenshot(page, "shift-03-fever-crs-1")

    _open(page, "Drug given")
    expect(page.locator("#f-drug")).not_to_contain_text("Tocilizumab")
    page.fill("#id_observed_at", _clock(episode, 6.8))
    page.get_by_text("Acetaminophen (paracetamol)", exact=True).click()
    page.fill("#id_dose_mg", "1000")
    page.locator("#f-route").get_by_text("Oral", exact=True).click()
    page.get_by_role("button", name="Save drug given").click()
    _saved(page, "Acetaminophen (paracetamol) 1000 mg Oral")

    _open(page, "Labs")
    page.fill("#id_observed_at", _clock(episode, 5))
    page.fill("#id_lab_crp", "85")
    page.fill("#id_lab_il6", "140")
    page.get_by_role("button", name="Save results").click()
    _saved(page, "C-reactive protein 85 mg/L")

    # Afternoon: oxygen.
    _vitals(
        page,
        episode,
        3,
        temperature="38.9",
        heart_rate="118",
        systolic="98",
        diastolic="58",
        respiratory_rate="24",
        spo2="92",
        oxygen="Nasal cannula",
        flow="2",
    )
    expect(page.locator("#grade-panel .rose")).to_have_text("Grade went up: CRS 1 → 2")
    expect(_crs(page)).to_contain_text("2")
    screenshot(page, "shift-04-oxygen-crs-2")

    # A heart rate typed wrong (190 for 119): the oxygen carries over unless changed.
    _open(page, "Vitals")
    expect(page.locator("[data-carried=oxygen]")).to_contain_text("Nasal cannula 2 L/min, charted")
    expect(page.locator("input[name=oxygen_device][value='']")).to_be_checked()
    page.click("text=Cancel")
    _vitals(page, episode, 2, temperature="38.7", heart_rate="190", spo2="93")
    row = page.locator("#bedside-history .chart-row", has_text="HR 190")
    row.get_by_text("Entered in error…").click()
    page.get_by_text("Wrong value typed", exact=True).click()
    page.fill("#id_detail", "HR was 119")
    screenshot(page, "shift-05-entered-in-error-form")
    page.get_by_role("button", name="Mark entered in error").click()
    expect(page.locator("#bedside-history .chart-row.struck")).to_contain_text(
        "Wrong value typed: HR was 119"
    )

    # The ICE score drops.
    _open(page, "Neuro check")
    page.fill("#id_observed_at", _clock(episode, 1))
    page.click("text=All 10 correct")
    page.locator("#f-writes_sentence").get_by_text("Not correct", exact=True).click()
    page.locator("#f-counts_back").get_by_text("Not correct", exact=True).click()
    page.locator("#f-consciousness").get_by_text("Awakens spontaneously", exact=True).click()
    expect(page.locator("[data-score-output]")).to_have_text("ICE 8/10")
    screenshot(page, "shift-06-neuro-form")
    page.get_by_role("button", name="Save neuro check").click()
    _saved(page, "ICE 8/10 (baseline 10/10)")
    expect(_icans(page)).to_contain_text("1")

    # End of shift: in °F, as the thermometer shows it, and the pressure falls.
    _vitals(
        page,
        episode,
        0,
        unit="°F",
        temperature="102.4",
        heart_rate="124",
        systolic="88",
        diastolic="50",
        respiratory_rate="26",
        spo2="93",
        oxygen="Nasal cannula",
        flow="4",
    )
    _saved(page, "39.1 °C (102.4 °F)")
    expect(_crs(page)).to_contain_text("2")
    expect(page.locator("#grade-panel")).to_contain_text("ypotension")

    _open(page, "Drug given")
    page.fill("#id_observed_at", _clock(episode, 0))
    page.get_by_text("Other", exact=True).click()
    page.fill("#id_drug_other", "Ondansetron")
    page.fill("#id_dose_mg", "4")
    page.get_by_role("button", name="Save drug given").click()
    _saved(page, "Ondansetron 4 mg IV")
    page.click("text=Done")
    expect(page.locator("#bedside-history .chart-row").first).to_contain_text("Ondansetron")

    assert VitalsSet.objects.count() == 5 and VitalsSet.objects.valid().count() == 4
    assert NeuroAssessment.objects.count() == 3
    assert LabResult.objects.count() == 4
    assert MedicationAdministration.objects.count() == 2
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "shift-07-end")
    page.click("text=Show the whole episode")
    expect(page.locator("#bedside-history h2")).to_have_text("Whole chart of this episode")
    expect(page.locator("#bedside-history")).to_contain_text("Baseline ICE")
    screenshot(page, "shift-08-whole-episode")
    page.set_viewport_size(PORTRAIT)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "shift-09-whole-episode-portrait")

    # At night the tablet is dark, and so is the page.
    page.emulate_media(color_scheme="dark")
    _open(page, "Vitals")
    assert not _small_targets(page), _small_targets(page)
    screenshot(page, "shift-10-night-portrait")
    page.set_viewport_size(LANDSCAPE)
    _open(page, "Neuro check")
    assert not _small_targets(page), _small_targets(page)
    screenshot(page, "shift-11-night-neuro")
    assert not refused, refused
    context.close()


def _small_targets(page) -> list[str]:
    """Everything on the bedside page a gloved finger must hit, under 44 × 44 px."""
    return page.evaluate(
        """() => [...document.querySelectorAll(
              ".bedside .btn, .bedside button, .bedside .choice,"
              + " .bedside input[type=text], .bedside input[type=datetime-local]")]
            .filter((e) => e.offsetParent !== null)
            .map((e) => [e, e.getBoundingClientRect()])
            .filter(([e, r]) => r.height < 44 || r.width < 44)
            .map(([e, r]) => `${e.textContent.trim() || e.name}: ${r.width}x${r.height}`)"""
    )
