"""Browser tests: Playwright drives Debian's Chromium (never a downloaded build)
against pytest-django's live server."""

import os
from datetime import timedelta
from importlib import import_module
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command

from patients.models import Episode, Patient

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

# Playwright's sync API runs an event loop in this thread; the ORM calls the
# tests make between page actions are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def tablet(browser):
    """A landscape ward tablet."""
    context = browser.new_context(viewport={"width": 1024, "height": 768})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def reference_data(transactional_db):
    """A transactional test starts from an emptied database: put back what the
    data migrations provide (roles and their permissions, the lab catalogue)."""
    catalogue = import_module("patients.migrations.0002_roles_and_lab_catalogue")
    catalogue.create_roles_and_catalogue(django_apps, schema_editor=None)
    pharmacist, _ = Group.objects.get_or_create(name="pharmacist")
    pharmacist.permissions.add(Permission.objects.get(codename="view_all_wards"))


@pytest.fixture
def demo_ward(reference_data):
    call_command("seed_demo", allow_demo_accounts=True, verbosity=0)


@pytest.fixture
def screenshot():
    ARTIFACTS.mkdir(exist_ok=True)

    def take(page, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        # caret="initial": hiding the caret adds a style attribute the CSP refuses.
        page.screenshot(path=str(path), full_page=True, caret="initial")
        return path

    return take


def sign_in(page, live_server, username: str, password: str) -> None:
    page.goto(f"{live_server.url}/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")


def csp_refusals(page) -> list[str]:
    """Collects what the browser refuses under the Content-Security-Policy."""
    refused: list[str] = []
    page.on(
        "console",
        lambda message: "Content Security Policy" in message.text and refused.append(message.text),
    )
    return refused


def admitted(ward, *, mrn: str, family: str, bed: str, infused, born="1968-05-04", sex="female"):
    """A patient on `ward` with an active CAR-T episode infused at `infused`."""
    patient = Patient.objects.create(
        mrn=mrn,
        family_name=family,
        given_name="Test",
        date_of_birth=born,
        sex=sex,
        ward=ward,
        bed=bed,
    )
    return Episode.objects.create(
        patient=patient,
        product="axi-cel",
        admitted_at=infused - timedelta(days=1),
        infusion_at=infused,
    )
