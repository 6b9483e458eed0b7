"""The pharmacy page lists only the wards the user works on; pharmacists see
every ward through their permission (patients/access.py)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse
from django.utils import timezone

from grading import dose_services, selectors
from patients import services as chart
from patients.models import Ward

pytestmark = pytest.mark.django_db


@pytest.fixture
def ward_2(db):
    return Ward.objects.create(name="Second CAR-T ward", time_zone="Europe/London", protocol="A")


@pytest.fixture
def ward_2_physician(ward_2):
    user = User.objects.create_user("rita.ward2", password="a-long-test-password")
    user.groups.add(Group.objects.get_or_create(name="physician")[0])
    ward_2.staff.add(user)
    return user


@pytest.fixture
def two_wards(make_episode, ward_2, nurse):
    """One patient on each ward, each with a tocilizumab dose in the last hours."""
    first = make_episode(family_name="Wardone")
    second = make_episode(family_name="Wardtwo", ward=ward_2)
    for episode in (first, second):
        chart.weight_record(
            episode=episode,
            observed_at=timezone.now() - timedelta(hours=2),
            by=nurse,
            weight_kg=Decimal("80"),
        )
        dose_services.dose_record(
            episode=episode,
            drug="tocilizumab",
            dose_mg=Decimal("640"),
            observed_at=timezone.now() - timedelta(hours=1),
            by=nurse,
        )
    return first, second


def test_a_physician_on_ward_2_sees_only_ward_2_on_the_pharmacy_page(
    client, ward_2_physician, two_wards
):
    first, second = two_wards
    client.force_login(ward_2_physician)
    page = client.get(reverse("pharmacy_queue")).content.decode()
    assert "WARDTWO" in page
    assert "WARDONE" not in page
    assert reverse("patient_detail", args=[first.patient_id]) not in page


def test_the_selector_takes_the_user(ward_2_physician, physician, two_wards):
    first, second = two_wards
    assert [e.pk for e in selectors.pharmacy_rows(ward_2_physician)] == [second.pk]
    assert [e.pk for e in selectors.pharmacy_rows(physician)] == [first.pk]


def test_a_pharmacist_sees_every_ward(client, pharmacist, two_wards):
    client.force_login(pharmacist)
    page = client.get(reverse("pharmacy_queue")).content.decode()
    assert "WARDONE" in page and "WARDTWO" in page


def test_a_physician_on_no_ward_sees_no_patient(client, two_wards):
    user = User.objects.create_user("nobody.physician", password="a-long-test-password")
    user.groups.add(Group.objects.get_or_create(name="physician")[0])
    assert selectors.pharmacy_rows(user) == []
