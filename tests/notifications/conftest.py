from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from notifications.models import OnCallShift
from patients import services as chart
from tests.conftest import _person

NORMAL = {
    "temperature_c": Decimal("36.9"),
    "heart_rate": 84,
    "systolic": 121,
    "diastolic": 75,
    "respiratory_rate": 16,
    "spo2": 97,
}
# Shock without fever: two vasopressors and positive pressure (acuity 4).
AFEBRILE_SHOCK = {
    **NORMAL,
    "temperature_c": Decimal("37.2"),
    "heart_rate": 126,
    "systolic": 92,
    "diastolic": 50,
    "respiratory_rate": 28,
    "spo2": 92,
    "oxygen_device": "bipap",
    "oxygen_flow_l_min": 12,
    "vasopressors": ["norepinephrine", "epinephrine"],
}


@pytest.fixture
def rota(ward):
    """Anna first call, Ben second call, Cara unit lead, from an hour ago for 12 hours."""
    people = {
        "first_call": _person("anna.first", "physician", ward),
        "second_call": _person("ben.second", "physician", ward),
        "unit_lead": _person("cara.lead", "physician", ward),
    }
    for person in people.values():
        person.email = f"{person.username}@hospital.example"
        person.save()
    start = timezone.now() - timedelta(hours=1)
    for level, person in people.items():
        OnCallShift.objects.create(
            ward=ward,
            level=level,
            person=person,
            starts_at=start,
            ends_at=start + timedelta(hours=12),
        )
    return people


def chart_vitals(episode, nurse, minutes_ago: float = 1, **values) -> None:
    chart.vitals_record(
        episode=episode,
        observed_at=timezone.now() - timedelta(minutes=minutes_ago),
        by=nurse,
        **values,
    )
