"""The trajectory on a ward tablet: the grades chart is on screen from the
HTML alone, whether or not plotly.js ever arrives."""

import re

import pytest
from playwright.sync_api import expect

from tests.grading.test_grade_chart import chart_shock_without_fever

from .conftest import csp_refusals, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-test-password"


@pytest.fixture
def in_shock(reference_data, ward, nurse, make_episode):
    episode = make_episode(family_name="Okafor", infused_hours_ago=60)
    chart_shock_without_fever(episode, nurse, hours_ago=1)
    return episode


def test_the_grades_chart_stands_when_plotly_js_never_arrives(
    live_server, tablet, physician, in_shock, screenshot
):
    refused = csp_refusals(tablet)
    tablet.route(re.compile(r".*plotly-basic.*\.js$"), lambda route: route.abort())
    sign_in(tablet, live_server, physician.username, PASSWORD)
    tablet.goto(f"{live_server.url}/patients/{in_shock.patient_id}/trajectory/")

    grades = tablet.locator("figure.grade-chart")
    expect(grades.locator("svg.grade-chart-svg")).to_be_visible()
    # Acuity beside a CRS 0: shock without fever never reads as calm.
    expect(grades).to_contain_text("CRS, highest 0")
    expect(grades).to_contain_text(re.compile(r"Acuity, highest [34]"))
    # Graded a moment ago: the value now is a dot at the right edge, high up.
    acuity_now = grades.locator("circle.grade-chart-acuity-now")
    expect(acuity_now).to_be_visible()
    crs_now = grades.locator("circle.grade-chart-crs-now").bounding_box()
    assert acuity_now.bounding_box()["y"] < crs_now["y"] - 50
    expect(tablet.locator("#plot-vitals")).to_contain_text("could not be loaded")
    screenshot(tablet, "trajectory-without-plotly")
    assert not refused, refused


def test_plotly_draws_below_the_grades_chart_once_fetched(live_server, tablet, physician, in_shock):
    sign_in(tablet, live_server, physician.username, PASSWORD)
    tablet.goto(f"{live_server.url}/patients/{in_shock.patient_id}/trajectory/")
    tablet.wait_for_selector("#plot-labs.js-plotly-plot")
    order = tablet.evaluate(
        """() => [...document.querySelectorAll(".grade-chart-svg, .js-plotly-plot")]
             .map(node => node.id || "grades")"""
    )
    assert order == ["grades", "plot-vitals", "plot-labs"]
