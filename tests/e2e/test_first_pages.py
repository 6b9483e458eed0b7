import pytest

from grading.management.commands.seed_demo import ADULT_WARD, DEMO_ACCOUNTS

from .conftest import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    "username, password, role", [account[:3] for account in DEMO_ACCOUNTS], ids=lambda v: v
)
def test_each_demo_role_signs_in_and_sees_the_ward(
    live_server, demo_ward, tablet, screenshot, username, password, role
):
    sign_in(tablet, live_server, username, password)
    tablet.wait_for_selector("h1")
    assert tablet.locator("h1").first.inner_text() == "Wards"
    screenshot(tablet, f"wards-{role}")
    tablet.click(f"text={ADULT_WARD}")
    tablet.wait_for_selector("table.patients")
    assert tablet.locator("table.patients tbody tr").count() == 10
    assert role in tablet.locator(".who").inner_text()
    screenshot(tablet, f"ward-{role}")
    # No horizontal scrolling on a tablet.
    assert tablet.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_the_patient_page_shows_the_grade_and_its_reasons(
    live_server, demo_ward, tablet, screenshot
):
    username, password, *_ = DEMO_ACCOUNTS[1]
    sign_in(tablet, live_server, username, password)
    tablet.click(f"text={ADULT_WARD}")
    tablet.click("text=FISCHER, Greta")
    tablet.wait_for_selector(".current")
    current = tablet.locator(".current").inner_text()
    assert "CRS" in current and "3" in current and "norepinephrine" in current
    screenshot(tablet, "patient-grade-3")
    tablet.set_viewport_size({"width": 768, "height": 1024})
    screenshot(tablet, "patient-grade-3-portrait")
    assert tablet.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_wrong_password_is_refused_without_saying_which_part(live_server, demo_ward, tablet):
    sign_in(tablet, live_server, "nurse", "not-the-password")
    error = tablet.locator("[role=alert]").inner_text()
    assert "username and password" in error
