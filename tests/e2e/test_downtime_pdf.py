"""The downtime sheets as Chromium prints them: a real PDF, read back page by page."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone

from grading.rules import NO_PAEDIATRIC_DOSE
from patients import services as chart
from patients.models import Episode, Patient, Ward

from .conftest import ARTIFACTS, sign_in
from .pdf_text import page_texts

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-test-password"
DISCLAIMER = (
    "Decision support only. Check every recommendation against your institution's protocol"
    " and the patient; the treating physician decides."
)
PRINTED = re.compile(r"printed \w{3} \d{1,2} \w{3} \d{4} \d{2}:\d{2} \(Europe/London\)")
STEROID_DOSE = re.compile(r"(dexamethasone|methylprednisolone|hydrocortisone)\s+[\d.]+\s*mg", re.I)
CALM = {"temperature_c": Decimal("36.9"), "systolic": 121, "diastolic": 75, "spo2": 97}
SHOCK = {
    "temperature_c": Decimal("38.9"),
    "heart_rate": 128,
    "systolic": 84,
    "diastolic": 48,
    "spo2": 93,
    "oxygen_device": "nasal_cannula",
    "oxygen_flow_l_min": 4,
    "vasopressors": ["norepinephrine"],
}


def _admit(ward, nurse, bed: int, family: str, born: date, weight_kg: float, vitals: dict):
    patient = Patient.objects.create(
        mrn=f"PDF-{bed:02d}",
        family_name=family,
        given_name="Test",
        date_of_birth=born,
        sex="female",
        ward=ward,
        bed=str(bed),
    )
    infused = timezone.now() - timedelta(hours=40)
    episode = Episode.objects.create(
        patient=patient,
        product="tisa-cel",
        admitted_at=infused - timedelta(days=1),
        infusion_at=infused,
    )
    now = timezone.now()
    chart.weight_record(
        episode=episode, observed_at=now - timedelta(hours=20), by=nurse, weight_kg=weight_kg
    )
    chart.vitals_record(episode=episode, observed_at=now - timedelta(hours=3), by=nurse, **CALM)
    chart.vitals_record(
        episode=episode, observed_at=now - timedelta(minutes=20), by=nurse, **vitals
    )
    return patient


@pytest.fixture
def ward_of_ten(reference_data):
    """Ten patients: a 7-year-old of 24 kg in shock (CRS grade 3), two adults in
    shock, seven calm adults."""
    ward = Ward.objects.create(name="CAR-T Unit West", time_zone="Europe/London", protocol="A")
    nurse = User.objects.create_user("nurse", password=PASSWORD)
    nurse.groups.add(Group.objects.get_or_create(name="nurse")[0])
    physician = User.objects.create_user("physician", password=PASSWORD, first_name="Pat")
    physician.groups.add(Group.objects.get_or_create(name="physician")[0])
    ward.staff.add(nurse, physician)
    today = timezone.localdate()
    child = _admit(ward, nurse, 1, "Child", today.replace(year=today.year - 7), 24, SHOCK)
    sick = [_admit(ward, nurse, bed, f"Shock{bed}", date(1961, 3, 2), 80, SHOCK) for bed in (2, 3)]
    for bed in range(4, 11):
        _admit(ward, nurse, bed, f"Calm{bed}", date(1975, 6, 7), 70, CALM)
    return {"ward": ward, "child": child, "sick": sick}


def _printed(page, url: str, name: str, **paper) -> list[str]:
    """The PDF Chromium prints for this page, kept as an artifact; each page's
    text with its whitespace folded."""
    page.goto(url)
    paper = paper or {"prefer_css_page_size": True}
    pdf = page.pdf(**paper)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"{name}.pdf").write_bytes(pdf)
    return [" ".join(text.split()) for text in page_texts(pdf)]


def test_the_childs_printed_sheet_has_no_adult_dose_and_her_name_on_every_page(
    live_server, browser, ward_of_ten
):
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, live_server, "physician", PASSWORD)
    url = f"{live_server.url}/patients/{ward_of_ten['child'].pk}/downtime/"

    a4 = _printed(page, url, "downtime-child-a4")
    assert len(a4) == 1  # one patient, one A4 page
    # The same sheet in large print spans pages: the header must repeat.
    a5 = _printed(page, url, "downtime-child-large", prefer_css_page_size=True, scale=1.8)
    assert len(a5) >= 2
    for text in a4 + a5:
        assert "Bed 1 · CHILD, Test · MRN PDF-01" in text
        assert PRINTED.search(text)
        assert DISCLAIMER in text
        assert STEROID_DOSE.search(text) is None, STEROID_DOSE.search(text)
        assert "8 mg/kg" not in text
    sheet = a4[0]
    assert NO_PAEDIATRIC_DOSE in sheet
    assert "Tocilizumab 288 mg IV (12 mg/kg for 24 kg" in sheet
    context.close()


def test_the_printed_ward_sheet_is_a_page_of_lines_then_a_page_for_each_sick_patient(
    live_server, browser, ward_of_ten
):
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, live_server, "physician", PASSWORD)
    pages = _printed(page, f"{live_server.url}/wards/{ward_of_ten['ward'].pk}/downtime/", "ward")

    assert len(pages) == 4  # ten line blocks on one page, three patients in full
    lines = pages[0]
    assert "CAR-T Unit West · 10 active CAR-T patients" in lines
    for bed in range(1, 11):
        assert f"MRN PDF-{bed:02d}" in lines
    for text in pages:
        assert PRINTED.search(text) and DISCLAIMER in text
    # The sickest first: the adults score NEWS2 on top of CRS 3 (an emergency
    # prompt more); NEWS2 is not scored under 16, so the child comes after them.
    in_full = [*ward_of_ten["sick"], ward_of_ten["child"]]
    for text, patient in zip(pages[1:], in_full, strict=True):
        assert text.startswith(f"Bed {patient.bed} · {patient.display_name} · MRN {patient.mrn}")
    child = pages[3]
    assert STEROID_DOSE.search(child) is None and "8 mg/kg" not in child
    assert NO_PAEDIATRIC_DOSE in child
    assert "dexamethasone 10 mg IV every 6 h" in pages[1]  # an adult's sheet keeps the dose
    context.close()
