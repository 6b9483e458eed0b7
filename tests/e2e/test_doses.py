"""Charting doses in Chromium at ward-tablet size: the dose form, the bedside
drug form and the pharmacist's queue, under the CSP."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from grading import dose_services
from patients import services
from patients.models import MedicationAdministration

from .conftest import csp_refusals, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-test-password"


def _grade_2(episode, nurse):
    services.weight_record(
        episode=episode, observed_at=episode.admitted_at, by=nurse, weight_kg=Decimal("88.0")
    )
    services.vitals_record(
        episode=episode,
        observed_at=timezone.now() - timedelta(minutes=20),
        by=nurse,
        temperature_c=Decimal("38.8"),
        heart_rate=118,
        systolic=86,
        diastolic=50,
        respiratory_rate=22,
        spo2=95,
    )


@pytest.fixture
def adult(make_episode, nurse):
    episode = make_episode(born=date(1971, 4, 9), family_name="Okonkwo", infused_hours_ago=40)
    _grade_2(episode, nurse)
    return episode


def test_the_dose_form_clears_the_dose_when_the_drug_changes(
    live_server, tablet, nurse, adult, screenshot
):
    refused = csp_refusals(tablet)
    sign_in(tablet, live_server, nurse.username, PASSWORD)
    tablet.goto(f"{live_server.url}/patients/{adult.patient_id}/dose/")
    dose = tablet.locator("#id_dose_mg")
    expect(dose).to_have_value("704")
    toci_hint = tablet.locator("[data-show-for-drug=tocilizumab]")
    dex_hint = tablet.locator("[data-show-for-drug=dexamethasone]")
    expect(toci_hint).to_contain_text("Label dose 704 mg (8 mg/kg for 88 kg")
    expect(dex_hint).to_be_hidden()
    screenshot(tablet, "dose-form-tocilizumab")

    tablet.select_option("#id_drug", "dexamethasone")
    expect(dose).to_have_value("")
    expect(toci_hint).to_be_hidden()
    expect(dex_hint).to_be_visible()
    expect(dex_hint).to_contain_text("Blocked above 20 mg per dose")
    screenshot(tablet, "dose-form-dexamethasone-cleared")

    dose.fill("100")
    tablet.get_by_role("button", name="Save dose").click()
    expect(tablet.locator(".dose-check")).to_contain_text("Not saved: this dose breaks a limit")
    expect(tablet.locator("#id_dose_mg")).to_have_value("100")
    expect(tablet.locator("#id_drug")).to_have_value("dexamethasone")
    screenshot(tablet, "dose-form-steroid-blocked-nurse")
    assert not MedicationAdministration.objects.exists()
    assert not refused, refused


def test_a_nurse_charts_a_steroid_for_a_child_at_the_bedside(
    live_server, tablet, nurse, make_episode, screenshot
):
    child = make_episode(born=date.today() - timedelta(days=365 * 8), family_name="Brandt")
    _grade_2(child, nurse)
    refused = csp_refusals(tablet)
    sign_in(tablet, live_server, nurse.username, PASSWORD)
    tablet.goto(f"{live_server.url}/patients/{child.patient_id}/bedside/")
    tablet.click(".entry-bar >> text=Drug given")
    expect(tablet.locator("#entry form")).to_be_visible()
    tablet.get_by_text("Dexamethasone", exact=True).click()
    tablet.fill("#id_dose_mg", "4")
    tablet.get_by_role("button", name="Save drug given").click()
    check = tablet.locator("#entry .dose-check")
    expect(check).to_contain_text("no paediatric rule: pharmacist to verify")
    expect(check).to_contain_text("say why it is given")
    expect(tablet.locator("#id_dose_mg")).to_have_value("4")
    screenshot(tablet, "bedside-child-steroid-confirm")
    tablet.locator("#id_confirmed_child_steroid").check()
    tablet.locator("#id_confirmed_steroid_below_grade_3").check()
    tablet.fill("#id_confirm_reason", "Oncology consultant: early steroid")
    tablet.get_by_role("button", name="Save drug given").click()
    expect(tablet.locator("#entry .saved")).to_contain_text("Saved: drug given")
    assert MedicationAdministration.objects.get().dose_mg == Decimal("4")
    screenshot(tablet, "bedside-child-steroid-saved")
    assert not refused, refused


def test_a_late_entry_and_the_pharmacists_queue(
    live_server, browser, nurse, pharmacist, reference_data, make_episode, screenshot
):
    episode = make_episode(born=date(1980, 1, 2), family_name="Sato", infused_hours_ago=30)
    _grade_2(episode, nurse)
    toddler = make_episode(born=date.today() - timedelta(days=548), family_name="Moreau")
    services.weight_record(
        episode=toddler, observed_at=timezone.now() - timedelta(hours=3), by=nurse, weight_kg=11
    )
    dose_services.stock_record(episode=episode, doses_on_site=2, by=pharmacist)
    dose_services.dose_record(
        episode=episode,
        drug="tocilizumab",
        dose_mg=Decimal("704"),
        observed_at=timezone.now() - timedelta(hours=7),
        by=nurse,
    )
    given_then = timezone.localtime(timezone.now() - timedelta(hours=2))

    context = browser.new_context(viewport={"width": 1024, "height": 768})
    page = context.new_page()
    refused = csp_refusals(page)
    sign_in(page, live_server, nurse.username, PASSWORD)
    page.goto(f"{live_server.url}/patients/{episode.patient_id}/dose/")
    page.fill("#id_observed_at", given_then.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Save dose").click()
    expect(page.locator(".dose-check")).to_contain_text("Less than 8 h since the last")
    expect(page.locator(".dose-check")).to_contain_text("was already given")
    page.locator("#id_confirmed_already_given").check()
    page.fill("#id_override_reason", "Given in ICU during transfer, charted now")
    screenshot(page, "dose-late-entry-nurse")
    page.get_by_role("button", name="Save again").click()
    expect(page.locator(".message")).to_contain_text("Tocilizumab 704 mg recorded")
    context.close()

    context = browser.new_context(viewport={"width": 1024, "height": 768})
    page = context.new_page()
    refused += csp_refusals(page)
    sign_in(page, live_server, pharmacist.username, PASSWORD)
    page.goto(f"{live_server.url}/patients/{toddler.patient_id}/dose/")
    expect(page.locator("[data-show-for-drug=tocilizumab]")).to_contain_text(
        "Off-label under 2 years: the tocilizumab label for CRS starts at 2 years"
    )
    screenshot(page, "dose-form-toddler-off-label")
    page.goto(f"{live_server.url}/pharmacy/")
    rows = page.locator(".pharmacy-row")
    expect(rows.first).to_contain_text("SATO")
    expect(rows.first).to_contain_text("late entry, min_interval")
    expect(rows.first).to_contain_text("On site: 0")
    screenshot(page, "pharmacy-queue")
    page.locator(".pharmacy-row").first.get_by_role("button", name="Verify").first.click()
    expect(rows.first.locator("tbody tr").first).to_contain_text(f"✓ {pharmacist.username}")
    expect(rows.first).to_contain_text("SATO")  # still in its place until the page reloads
    screenshot(page, "pharmacy-queue-verified")
    context.close()
    assert not refused, refused
