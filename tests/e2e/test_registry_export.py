"""A physician on a ward tablet exports the demo week for the registry: the
page lists every demo episode, the CSV downloads with one row each, and the
figures of a patient's row are the ones her page shows."""

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from .conftest import csp_refusals, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_physician_downloads_the_demo_week_and_it_matches_the_patient_page(
    live_server, tablet, demo_ward, screenshot
):
    refused = csp_refusals(tablet)
    sign_in(tablet, live_server, "physician", "demo-physician-2026")
    tablet.click(".topbar >> text=Registry export")
    today = timezone.localdate()
    tablet.fill("#id_start", (today - timedelta(days=7)).isoformat())
    tablet.fill("#id_end", today.isoformat())
    tablet.click("text=Show episodes")
    expect(tablet.locator("h2 >> text=14 episodes")).to_be_visible()
    assert tablet.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(tablet, "registry-export")

    with tablet.expect_download() as download:
        tablet.click("button[name=download]")
    rows = list(csv.DictReader(io.StringIO(download.value.path().read_text())))
    assert len(rows) == 14
    greta = next(row for row in rows if row["mrn"] == "DEMO-1007")

    tablet.click("tr:has-text('DEMO-1007') >> a >> nth=0")
    summary = tablet.locator("#registry-summary")
    expect(summary).to_be_visible()
    screenshot(tablet, "registry-summary")
    crs = summary.locator("tr:has-text('CRS')").first.inner_text()
    assert f"day {greta['crs_onset_day']}" in crs
    assert f"grade {greta['crs_max_grade']}" in crs
    assert f"{greta['tocilizumab_doses']} doses, {greta['tocilizumab_total_mg']} mg" in (
        summary.inner_text()
    )
    assert f"{greta['steroid_dexamethasone_mg']} mg dexamethasone equivalent" in (
        summary.inner_text()
    )
    # The grade panel's course line says the same onset day and maximum.
    course = tablet.locator(".course-line").inner_text()
    assert f"onset day {greta['crs_onset_day']}" in course
    assert f"maximum grade {greta['crs_max_grade']}" in course
    assert not refused, refused
