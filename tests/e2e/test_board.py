"""The unit board and the trajectory page in a real Chromium, under the CSP."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone
from playwright.sync_api import expect

from grading.board_views import POLL_SECONDS
from patients import services as chart
from patients.models import Ward

from .conftest import admitted, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-test-password"
NORMAL = {"temperature_c": Decimal("36.9"), "systolic": 121, "diastolic": 75, "spo2": 97}
FEVER = {**NORMAL, "temperature_c": Decimal("38.7"), "heart_rate": 112}
SHOCK = {
    **FEVER,
    "systolic": 82,
    "diastolic": 48,
    "spo2": 93,
    "oxygen_device": "nasal_cannula",
    "oxygen_flow_l_min": 4,
    "vasopressors": ["norepinephrine"],
}
# plotly.min.js bundles the map library's CSS and injects it on load; the
# policy blocks it and no chart here is a map.
MAP_LIBRARY_CSS = ".maplibregl"
WATCH_POLICY = """document.addEventListener("securitypolicyviolation", (event) => {
  const what = event.target && event.target.outerHTML ? event.target.outerHTML.slice(0, 120) : "";
  console.log("CSP refused " + event.violatedDirective + " " + what);
}, true);"""


def _person(username: str, group: str, ward: Ward) -> User:
    user = User.objects.create_user(username, password=PASSWORD, first_name=username.title())
    user.groups.add(Group.objects.get_or_create(name=group)[0])
    ward.staff.add(user)
    return user


@pytest.fixture
def unit(reference_data):
    """A ward with three patients on day 2, charted through the chart services
    (each save regrades in process, as the worker would)."""
    ward = Ward.objects.create(name="CAR-T Unit East")
    nurse = _person("nurse", "nurse", ward)
    _person("physician", "physician", ward)
    episodes = {}
    infused = timezone.now() - timedelta(hours=40)
    for bed, (family, values) in enumerate(
        [("Adler", NORMAL), ("Brandt", FEVER), ("Castro", NORMAL)], start=1
    ):
        episode = admitted(
            ward,
            mrn=f"E2E-{bed}",
            family=family,
            bed=str(bed),
            infused=infused,
            born="1968-05-04",
            sex="female",
        )
        for hours_ago in (30, 20, 10):
            chart.vitals_record(
                episode=episode,
                observed_at=timezone.now() - timedelta(hours=hours_ago),
                by=nurse,
                **NORMAL,
            )
        chart.lab_record(
            episode=episode,
            observed_at=timezone.now() - timedelta(hours=12),
            by=nurse,
            test="crp",
            value=35,
        )
        chart.vitals_record(
            episode=episode, observed_at=timezone.now() - timedelta(minutes=30), by=nurse, **values
        )
        episodes[family] = episode
    return {"ward": ward, "nurse": nurse, "episodes": episodes}


def _watched_page(browser, width: int, height: int):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    refused = []
    page.add_init_script(WATCH_POLICY)
    page.on(
        "console",
        lambda m: (
            m.text.startswith("CSP refused")
            and MAP_LIBRARY_CSS not in m.text
            and refused.append(m.text)
        ),
    )
    return context, page, refused


def _first_card(page) -> str:
    return page.locator("#board-cards .card-slot").first.locator(".card-name").inner_text()


@pytest.mark.parametrize("width, height", [(1280, 800), (1024, 768)])
def test_a_patient_charted_worse_rises_to_the_top_of_the_board_within_one_refresh(
    live_server, unit, browser, screenshot, width, height
):
    context, page, refused = _watched_page(browser, width, height)
    sign_in(page, live_server, "physician", PASSWORD)
    page.goto(f"{live_server.url}/wards/{unit['ward'].pk}/")
    page.wait_for_selector(".board-card")
    assert page.locator("h1").inner_text() == "CAR-T Unit East"
    assert page.locator(".board-card").count() == 3
    assert _first_card(page) == "BRANDT, Test"  # the only fever
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, f"board-{width}")

    castro = unit["episodes"]["Castro"]
    untouched = page.locator(f"#card-{unit['episodes']['Adler'].pk}").element_handle()
    chart.vitals_record(episode=castro, observed_at=timezone.now(), by=unit["nurse"], **SHOCK)
    page.wait_for_function(
        """() => document.querySelector("#board-cards .card-slot .card-name").innerText
             === "CASTRO, Test" """,
        timeout=(POLL_SECONDS + 5) * 1000,
    )
    top = page.locator("#board-cards .card-slot").first.locator(".board-card")
    # htmx settles a swapped card's attributes a moment after its content.
    expect(top).to_have_class(re.compile(r"\bis-rising\b"))
    expect(top).to_have_class(re.compile(r"\bedge-3\b"))
    assert "Grade up" in top.inner_text() and "Norepinephrine" in top.inner_text()
    # Only the card that changed was swapped: the others are the same nodes.
    assert untouched.evaluate("node => node.isConnected")
    screenshot(page, f"board-after-vitals-{width}")

    top.locator("text=Trajectory").click()
    page.wait_for_selector("#plot-labs.js-plotly-plot")
    drawn = page.evaluate(
        """() => [...document.querySelectorAll(".js-plotly-plot")]
             .map(plot => [plot.id, plot.data.length, plot.querySelectorAll(".trace").length])"""
    )
    assert [plot_id for plot_id, *_ in drawn] == ["plot-vitals", "plot-labs"]
    (_, vitals_traces, vitals_drawn), (_, labs_traces, labs_drawn) = drawn
    assert vitals_traces > 6 and vitals_drawn > 6  # grades, temperature, pressure, O2, ...
    assert labs_traces > 6 and labs_drawn >= 1  # every lab panel; CRP was charted
    page.click("text=Last 24 h")  # loads the last day only
    page.wait_for_selector('a.range-button[aria-current="true"]:has-text("Last 24 h")')
    page.wait_for_selector("#plot-labs.js-plotly-plot")
    ranges = page.evaluate(
        "() => [...document.querySelectorAll('.js-plotly-plot')].map(p => p.layout.xaxis.range)"
    )
    assert ranges[0] == ranges[1]  # one time axis for both figures
    screenshot(page, f"trajectory-{width}")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    # Opened: Castro's rise is no longer news to this physician; Brandt's,
    # unopened, still is.
    page.goto(f"{live_server.url}/wards/{unit['ward'].pk}/")
    page.wait_for_selector(".board-card")
    assert "is-rising" not in page.locator(f"#card-{castro.pk}").get_attribute("class")
    brandt = unit["episodes"]["Brandt"]
    assert "is-rising" in page.locator(f"#card-{brandt.pk}").get_attribute("class")
    assert not refused, refused
    context.close()
