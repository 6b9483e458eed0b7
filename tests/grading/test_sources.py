"""Section 12 of the clinical rules: the disclaimer under every recommendation,
and sources named so a clinician can look them up."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from grading import services, sources
from grading.rules import PROTOCOLS
from patients import services as chart

pytestmark = pytest.mark.django_db

DISCLAIMER = (
    "Decision support only. Check every recommendation against your institution's protocol"
    " and the patient; the treating physician decides."
)

PAGES = [
    ("patient_detail", "patient"),
    ("ward_patients", "ward"),
    ("board", None),
    ("bedside", "patient"),
    ("record_dose", "patient"),
    ("pharmacy_queue", None),
    ("ward_protocol", "ward"),
    ("patient_downtime", "patient"),
    ("ward_downtime", "ward"),
]


@pytest.mark.parametrize("name, target", PAGES)
def test_every_page_with_a_recommendation_carries_the_disclaimer_once(
    client, physician, ward, episode, name, target
):
    args = {"patient": [episode.patient_id], "ward": [ward.pk], None: []}[target]
    client.force_login(physician)
    page = client.get(reverse(name, args=args)).content.decode()
    assert page.count(DISCLAIMER) == 1


def test_every_built_in_protocol_says_where_it_comes_from_in_section_12s_words():
    assert sources.protocol_origin("A") == (
        "Protocol A source: guideline summary on severe CRS and sepsis (2025)"
    )
    assert sources.protocol_origin("B") == (
        "Protocol B source: guideline summary on CRS diagnosis and management (2025)"
    )
    for code in PROTOCOLS:
        assert sources.protocol_origin(code).startswith(f"Protocol {code} source: ")


def test_the_protocol_page_names_each_source_and_asks_the_unit_to_review_it(
    client, physician, ward
):
    client.force_login(physician)
    page = client.get(reverse("ward_protocol", args=[ward.pk])).content.decode()
    assert "Protocol A source: guideline summary on severe CRS and sepsis (2025)" in page
    assert "Protocol B source: guideline summary on CRS diagnosis and management (2025)" in page
    assert page.count("must be reviewed by the unit before use") == 3
    for name in ("ASTCT 2019 (Lee et al.)", "Tocilizumab US label", "ASCO 2021", "NCCN"):
        assert name in page
    # Never a file name, a seed number or the summary's publisher.
    for hidden in ("shared/seeds", ".txt", "seed 00", "Dr.Oracle"):
        assert hidden not in page


def test_the_patient_page_names_the_protocol_source_not_a_seed_number(
    client, physician, nurse, episode
):
    now = timezone.now()
    chart.weight_record(
        episode=episode, observed_at=now - timedelta(hours=3), by=nurse, weight_kg=70
    )
    chart.vitals_record(
        episode=episode,
        observed_at=now - timedelta(minutes=5),
        by=nurse,
        temperature_c=Decimal("38.9"),
        systolic=84,
        diastolic=50,
        vasopressors=["norepinephrine"],
    )
    services.regrade(episode, trigger="new_data")
    client.force_login(physician)
    page = client.get(reverse("patient_detail", args=[episode.patient_id])).content.decode()
    assert "dexamethasone 10 mg IV every 6 h" in page
    assert "Protocol A source: guideline summary on severe CRS and sepsis (2025), Grade 3" in page
    assert "seed 00" not in page
