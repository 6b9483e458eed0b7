"""What a nurse sees to do at the bedside when a prompt escalates (Chromium at
the ward tablet's two orientations)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from grading import prompt_services
from grading.models import Prompt
from patients import services

from .conftest import csp_refusals, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-test-password"
PORTRAIT = {"width": 768, "height": 1024}


@pytest.fixture
def on_a_vasopressor(nurse, physician, make_episode):
    """CRS grade 3 on one vasopressor; the physician judged ICU transfer not indicated."""
    physician.first_name, physician.last_name = "Paul", "Okoye"
    physician.save()
    episode = make_episode(born=date(1961, 3, 9), family_name="Marchetti", infused_hours_ago=60)
    now = timezone.now()
    services.weight_record(
        episode=episode, observed_at=episode.admitted_at, by=nurse, weight_kg=Decimal("81.0")
    )
    services.vitals_record(
        episode=episode,
        observed_at=now - timedelta(minutes=40),
        by=nurse,
        temperature_c=Decimal("39.0"),
        heart_rate=118,
        systolic=86,
        diastolic=50,
        respiratory_rate=22,
        spo2=95,
        vasopressors=["norepinephrine"],
    )
    icu = Prompt.objects.live().get(episode=episode, code="icu_transfer")
    prompt_services.prompt_respond(
        icu, by=physician, response="not_indicated", reason="Stable on low-dose norepinephrine"
    )
    return episode


def _no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_nurse_charts_a_second_vasopressor_and_is_told_to_call_the_physician(
    live_server, tablet, nurse, on_a_vasopressor, screenshot
):
    refused = csp_refusals(tablet)
    sign_in(tablet, live_server, nurse.username, PASSWORD)
    tablet.click("a.chart-btn")
    prompts = tablet.locator("#bedside-prompts")
    expect(prompts.locator(".call-now")).to_contain_text("Call the physician now")
    expect(prompts.locator(".answered")).to_contain_text("icu transfer")

    tablet.click(".entry-bar >> text=Vitals")
    expect(tablet.locator("#entry form")).to_be_visible()
    for field, value in [
        ("temperature", "39.3"),
        ("heart_rate", "128"),
        ("systolic", "78"),
        ("diastolic", "44"),
        ("respiratory_rate", "26"),
        ("spo2", "94"),
    ]:
        tablet.fill(f"#id_{field}", value)
    for drug in ("norepinephrine", "epinephrine"):
        tablet.locator(f"input[name=vasopressors][value={drug}]").check()
    tablet.get_by_role("button", name="Save vitals").click()

    expect(tablet.locator("#grade-panel .rose")).to_contain_text("CRS 3 → 4")
    icu = prompts.locator(".prompt-critical", has_text="icu transfer")
    expect(icu.locator(".todo")).to_have_text("Call the physician now")
    expect(icu.locator(".earlier")).to_contain_text(
        "Earlier: not indicated at CRS grade 3 by Paul Okoye"
    )
    expect(prompts.locator(".call-now")).to_contain_text("icu transfer")
    expect(prompts).not_to_contain_text('name="response"')
    expect(prompts).to_contain_text("A physician answers these prompts.")
    screenshot(tablet, "bedside-prompts-escalated")
    _no_sideways_scroll(tablet)
    tablet.set_viewport_size(PORTRAIT)
    tablet.locator("#bedside-prompts").scroll_into_view_if_needed()
    screenshot(tablet, "bedside-prompts-escalated-portrait")
    _no_sideways_scroll(tablet)
    assert not refused, refused


def test_a_physician_answers_the_new_prompt_at_the_bedside(
    live_server, tablet, physician, on_a_vasopressor, screenshot
):
    refused = csp_refusals(tablet)
    tablet.set_viewport_size(PORTRAIT)
    sign_in(tablet, live_server, physician.username, PASSWORD)
    tablet.goto(f"{live_server.url}/patients/{on_a_vasopressor.patient_id}/bedside/")
    dexamethasone = tablet.locator("#bedside-prompts .prompt", has_text="dexamethasone")
    dexamethasone.get_by_label("Done").check()
    dexamethasone.get_by_role("button", name="Respond").click()
    expect(tablet.locator("#bedside-prompts .answered")).to_contain_text("dexamethasone")
    assert tablet.url.endswith(f"/patients/{on_a_vasopressor.patient_id}/bedside/")
    screenshot(tablet, "bedside-prompts-physician-portrait")
    _no_sideways_scroll(tablet)
    assert not refused, refused


def test_the_patient_page_shows_the_earlier_answer_beside_the_new_prompt(
    live_server, tablet, nurse, physician, on_a_vasopressor, screenshot
):
    services.vitals_record(
        episode=on_a_vasopressor,
        observed_at=timezone.now() - timedelta(minutes=5),
        by=nurse,
        temperature_c=Decimal("39.3"),
        systolic=78,
        diastolic=44,
        vasopressors=["norepinephrine", "epinephrine"],
    )
    sign_in(tablet, live_server, physician.username, PASSWORD)
    tablet.goto(f"{live_server.url}/patients/{on_a_vasopressor.patient_id}/")
    icu = tablet.locator("#prompts .prompt", has_text="icu transfer")
    expect(icu.locator(".earlier")).to_contain_text("Stable on low-dose norepinephrine")
    tablet.locator("#prompts details").first.click()
    expect(tablet.locator("#prompts details")).to_contain_text("raised again")
    tablet.locator("#prompts").scroll_into_view_if_needed()
    screenshot(tablet, "patient-prompts-raised-again")
    _no_sideways_scroll(tablet)
