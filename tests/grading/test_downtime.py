from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from grading import services
from grading.models import Assessment
from grading.rules import PROTOCOLS
from patients import services as chart

pytestmark = pytest.mark.django_db

SHOCK = {
    "temperature_c": Decimal("38.8"),
    "systolic": 82,
    "diastolic": 50,
    "vasopressors": ["norepinephrine"],
}


def _shocked(episode, nurse):
    now = timezone.now()
    chart.weight_record(
        episode=episode, observed_at=now - timedelta(hours=10), by=nurse, weight_kg=75
    )
    chart.medication_record(
        episode=episode,
        observed_at=now - timedelta(hours=2),
        by=nurse,
        drug="tocilizumab",
        dose_mg=600,
    )
    chart.vitals_record(episode=episode, observed_at=now - timedelta(minutes=10), by=nurse, **SHOCK)
    services.regrade(episode, trigger="new_data")


def test_the_ward_sheet_has_a_page_per_patient_with_what_to_do_next(
    client, physician, nurse, ward, make_episode
):
    sick = make_episode(family_name="Sick")
    make_episode(family_name="Well")
    _shocked(sick, nurse)
    client.force_login(physician)
    page = client.get(reverse("ward_downtime", args=[ward.pk])).content.decode()

    assert page.count('<section class="sheet"') == 2
    assert page.index("SICK, Test") < page.index("WELL, Test")  # by bed, as the ward walks
    for reason in Assessment.objects.get(episode=sick).crs_reasons:
        assert reason in page
    for action in PROTOCOLS["A"].actions[3]:
        assert action.text in page
    assert "No CRS now" in page  # the well patient's next step
    assert "T 38.8 °C <strong>(fever)</strong>" in page and "Norepinephrine" in page
    assert "<strong>Tocilizumab</strong> · 600 mg (8 mg/kg)" in page
    assert "icu transfer" in page and "Transfer to ICU" in page
    assert "True at that time only" in page and "data-print" in page
    assert page.count("<tr><td></td>") >= 16  # a paper grid for each patient


def test_the_patient_sheet_shows_one_patient(client, physician, nurse, make_episode):
    sick = make_episode(family_name="Sick")
    make_episode(family_name="Other")
    _shocked(sick, nurse)
    client.force_login(physician)
    page = client.get(reverse("patient_downtime", args=[sick.patient_id])).content.decode()
    assert page.count('<section class="sheet"') == 1
    assert "SICK, Test" in page and "OTHER" not in page


def test_the_ward_sheet_costs_the_same_queries_for_2_or_12_patients(
    client, physician, nurse, ward, make_episode
):
    client.force_login(physician)

    def count_for(patients):
        for _ in range(patients - ward.patients.count()):
            _shocked(make_episode(), nurse)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("ward_downtime", args=[ward.pk])).status_code == 200
        return len(queries)

    assert count_for(2) == count_for(12)
