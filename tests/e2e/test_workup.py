"""Infection work-up and carried-over support on a ward tablet, at both tablet
sizes: a nurse charts a fever, a blood culture and an antibiotic and reads the
checklist on the patient page; a temperature-only set keeps norepinephrine."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from grading.rules.wording import clock
from grading.services import regrade
from patients import services
from patients.models import MedicationAdministration, VitalsSet, WorkupEvent

from .conftest import csp_refusals, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SIZES = {"landscape": {"width": 1024, "height": 768}, "portrait": {"width": 768, "height": 1024}}


def _clock(episode, minutes_ago: float) -> str:
    moment = timezone.now() - timedelta(minutes=minutes_ago)
    return moment.astimezone(episode.patient.ward.tzinfo).strftime("%Y-%m-%dT%H:%M")


def _open(page, button: str):
    page.click(f".entry-bar >> text={button}")
    # The form of that button, not the one it replaces (a test types faster than a nurse).
    expect(page.locator("#entry .form-head h2")).to_have_text(button)
    page.wait_for_timeout(100)  # htmx settles the new form (restores a kept draft) first


def _no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.fixture
def nurse_at_bedside(live_server, browser, nurse, make_episode, reference_data):
    """A nurse signed in on a tablet of the size asked for, at the bedside page."""
    nurse.first_name, nurse.last_name = "Nina", "Okafor"
    nurse.save()
    opened = []

    def open_bedside(size: str, episode):
        context = browser.new_context(viewport=SIZES[size])
        page = context.new_page()
        refused = csp_refusals(page)
        sign_in(page, live_server, nurse.username, "a-long-test-password")
        page.goto(f"{live_server.url}/patients/{episode.patient_id}/bedside/")
        expect(page.locator("#grade-panel .current")).to_be_visible()
        opened.append((context, refused))
        return page

    yield open_bedside
    for context, refused in opened:
        context.close()
        assert not refused, refused  # everything works under the Content-Security-Policy


@pytest.mark.parametrize("size", SIZES)
def test_fever_culture_and_antibiotic_show_the_checklist_with_time_to_antibiotic(
    nurse_at_bedside, make_episode, nurse, screenshot, size
):
    episode = make_episode(born=date(1966, 2, 11), family_name="Osei", infused_hours_ago=30)
    services.weight_record(
        episode=episode, observed_at=episode.admitted_at, by=nurse, weight_kg=Decimal("91.0")
    )
    page = nurse_at_bedside(size, episode)

    _open(page, "Vitals")
    page.fill("#id_observed_at", _clock(episode, 50))
    page.fill("#id_temperature", "38.9")
    page.fill("#id_heart_rate", "112")
    page.locator("#f-oxygen_device").get_by_text("Room air", exact=True).click()
    page.locator("#f-vasopressor_action").get_by_text("None running", exact=True).click()
    page.get_by_role("button", name="Save vitals").click()
    expect(page.locator("#entry .saved")).to_contain_text("38.9 °C")
    expect(page.locator("#grade-panel [title='CRS grade 1']")).to_be_visible()

    # Two taps: Work-up, then what was done.
    _open(page, "Work-up")
    expect(page.locator(".workup-btn")).to_have_count(10)
    page.fill("#id_observed_at", _clock(episode, 40))
    screenshot(page, f"workup-panel-{size}")
    page.get_by_role("button", name="Blood culture").click()
    expect(page.locator("[data-saved-event]")).to_contain_text("Saved: Blood culture")
    expect(page.locator(".workup-today .chart-row")).to_contain_text("Blood culture")
    expect(page.locator(".workup-today")).to_contain_text("Entered in error…")
    expect(page.locator("#entry")).not_to_contain_text("Restored what you typed before")
    expect(page.locator("#bedside-history")).to_contain_text("Blood culture")
    screenshot(page, f"workup-saved-{size}")
    _no_sideways_scroll(page)
    assert WorkupEvent.objects.get().event == "blood_culture"

    _open(page, "Drug given")
    expect(page.locator("#antibacterials-label")).to_have_text("Antibiotics (antibacterial)")
    page.fill("#id_observed_at", _clock(episode, 15))
    page.locator("#f-drug").get_by_text("Cefepime", exact=True).click()
    page.fill("#id_dose_mg", "2000")
    page.locator("#f-route").get_by_text("IV", exact=True).click()
    expect(page.locator("#entry")).not_to_contain_text("Restored what you typed before")
    screenshot(page, f"workup-antibiotic-form-{size}")
    page.get_by_role("button", name="Save drug given").click()
    expect(page.locator("#entry .saved")).to_contain_text("Cefepime 2000 mg IV")
    assert MedicationAdministration.objects.get().drug == "cefepime"

    page.click("text=Grade history")
    checklist = page.locator("#workup")
    expect(checklist).to_contain_text("Infection work-up")
    expect(checklist).to_contain_text("(fever 38.9 °C)")
    expect(checklist.locator("tr", has_text="Blood culture")).not_to_contain_text("not charted")
    expect(checklist.locator("tr", has_text="Urine culture")).to_contain_text("not charted")
    expect(checklist.locator("tr", has_text="First antibiotic")).to_contain_text("Cefepime")
    expect(checklist.locator("tr", has_text="Fever to antibiotic")).to_contain_text("35 min")
    checklist.scroll_into_view_if_needed()
    screenshot(page, f"workup-checklist-{size}")
    _no_sideways_scroll(page)


@pytest.mark.parametrize("size", SIZES)
def test_a_temperature_only_set_keeps_norepinephrine_and_grade_3(
    nurse_at_bedside, make_episode, nurse, screenshot, size
):
    episode = make_episode(born=date(1957, 8, 19), family_name="Fischer", infused_hours_ago=30)
    with timezone.override(episode.patient.ward.tzinfo):
        charted_at = timezone.localtime(timezone.now() - timedelta(hours=2)).replace(
            second=0, microsecond=0
        )
    services.vitals_record(
        episode=episode,
        observed_at=charted_at,
        by=nurse,
        temperature_c=Decimal("39.0"),
        systolic=96,
        diastolic=55,
        oxygen_device="room_air",
        vasopressors=["norepinephrine"],
    )
    regrade(episode, trigger="new_data")
    with timezone.override(episode.patient.ward.tzinfo):
        # "21:52", or "29 Nov 21:52" just after midnight: as the page writes it.
        charted = clock(charted_at, timezone.localtime())
    page = nurse_at_bedside(size, episode)
    expect(page.locator("#grade-panel [title='CRS grade 3']")).to_be_visible()

    _open(page, "Vitals")
    question = page.locator("[data-carried=vasopressors]")
    expect(question).to_have_text(f"Norepinephrine, charted {charted}: still running?")
    expect(page.locator("input[name=vasopressor_action][value='']")).to_be_checked()
    page.fill("#id_temperature", "38.4")
    screenshot(page, f"carried-vasopressor-form-{size}")
    _no_sideways_scroll(page)
    page.get_by_role("button", name="Save vitals").click()
    expect(page.locator("#entry .saved")).to_contain_text("vasopressors not recorded")

    latest = VitalsSet.objects.latest("observed_at")
    assert latest.vasopressors_recorded is False and latest.oxygen_device == ""
    summary = page.locator("#bedside-summary")
    expect(summary).to_contain_text("Norepinephrine running")
    expect(summary).to_contain_text(f"charted {charted}")
    expect(page.locator("#grade-panel [title='CRS grade 3']")).to_be_visible()
    expect(page.locator("#grade-panel")).to_contain_text("orepinephrine")
    screenshot(page, f"carried-vasopressor-bedside-{size}")

    page.click("text=Grade history")
    expect(page.locator("#grade-panel [title='CRS grade 3']")).to_be_visible()
    screenshot(page, f"carried-vasopressor-patient-{size}")
