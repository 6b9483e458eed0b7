"""A shared tablet signs out when idle; what the nurse typed survives the sign-in."""

import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.sessions.backends.db import SessionStore
from playwright.sync_api import expect

from patients import services
from patients.models import VitalsSet

from .conftest import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _make_idle(page) -> None:
    """Age the tablet's session as if nobody touched it for an hour."""
    cookie = next(c for c in page.context.cookies() if c["name"] == "sessionid")
    session = SessionStore(session_key=cookie["value"])
    session["last_activity"] = time.time() - 3600
    session.save()


def test_an_entry_typed_before_an_idle_sign_out_is_kept(
    live_server, tablet, nurse, make_episode, screenshot
):
    episode = make_episode(infused_hours_ago=30)
    services.weight_record(
        episode=episode,
        observed_at=episode.admitted_at + timedelta(hours=1),
        by=nurse,
        weight_kg=Decimal("70"),
    )
    sign_in(tablet, live_server, nurse.username, "a-long-test-password")
    tablet.goto(f"{live_server.url}/patients/{episode.patient_id}/bedside/")
    tablet.click(".entry-bar >> text=Vitals")
    tablet.fill("input[name=temperature]", "38.3")
    tablet.fill("input[name=heart_rate]", "112")

    _make_idle(tablet)
    tablet.click("#entry button[type=submit]")
    expect(tablet.locator(".message[role=status]")).to_contain_text("without activity")
    assert not VitalsSet.objects.exists()
    screenshot(tablet, "idle-signed-out")

    tablet.fill("#id_username", nurse.username)
    tablet.fill("#id_password", "a-long-test-password")
    tablet.click("button[type=submit]")
    tablet.click(".entry-bar >> text=Vitals")
    expect(tablet.locator("input[name=temperature]")).to_have_value("38.3")
    expect(tablet.locator("input[name=heart_rate]")).to_have_value("112")
    expect(tablet.locator("#entry")).to_contain_text("Restored what you typed")
    screenshot(tablet, "idle-entry-restored")

    tablet.click("#entry button[type=submit]")
    expect(tablet.locator("#entry [data-saved]")).to_be_visible()
    assert VitalsSet.objects.get().temperature_c == Decimal("38.3")
    # Saved: the next form starts clean.
    tablet.click(".entry-bar >> text=Vitals")
    expect(tablet.locator("input[name=heart_rate]")).to_have_value("")
