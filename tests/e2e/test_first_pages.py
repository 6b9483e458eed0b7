import pytest
from django.contrib.auth.models import User

from grading.management.commands.seed_demo import ADULT_WARD, DEMO_ACCOUNTS

from .conftest import csp_refusals, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_each_demo_role_signs_in_sees_the_ward_and_a_patient(
    live_server, demo_ward, browser, screenshot
):
    for username, password, role, *_ in DEMO_ACCOUNTS:
        context = browser.new_context(viewport={"width": 1024, "height": 768})
        page = context.new_page()
        refused = csp_refusals(page)
        sign_in(page, live_server, username, password)
        page.wait_for_selector("h1")
        assert page.locator("h1").first.inner_text() == "Wards"
        page.click(f"text={ADULT_WARD}")
        page.wait_for_selector("text=FISCHER, Greta")
        assert role in page.locator(".who").inner_text()
        screenshot(page, f"ward-{role}")
        # No horizontal scrolling on a tablet.
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

        page.click("text=FISCHER, Greta")
        page.wait_for_selector("#grade-panel")
        current = page.locator("#grade-panel").inner_text()
        assert "CRS" in current and "3" in current and "norepinephrine" in current
        screenshot(page, f"patient-grade-3-{role}")
        page.set_viewport_size({"width": 768, "height": 1024})
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        screenshot(page, f"patient-grade-3-portrait-{role}")
        assert not refused, refused  # the pages work under the Content-Security-Policy
        context.close()


def test_a_wrong_password_is_refused_without_saying_which_part(live_server, tablet):
    User.objects.create_user("nurse", password="the-right-password")
    sign_in(tablet, live_server, "nurse", "not-the-password")
    error = tablet.locator("[role=alert]").inner_text()
    assert "username and password" in error
