"""A real Celery worker on Redis, against the test database."""

import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from grading.models import Assessment
from patients import services as chart

from .workers import running_worker

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(on_postgresql):
    if not settings.REDIS_URL:
        pytest.skip("needs Redis (set REDIS_URL)")
    with running_worker() as process:
        yield process


def test_saving_vitals_produces_an_assessment_through_the_worker(worker, episode, nurse):
    chart.vitals_record(
        episode=episode,
        observed_at=timezone.now() - timedelta(minutes=2),
        by=nurse,
        temperature_c=38.7,
        oxygen_device="nasal_cannula",
        oxygen_flow_l_min=3,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        assessment = Assessment.objects.filter(episode=episode).first()
        if assessment:
            break
        time.sleep(0.2)
    else:
        pytest.fail("no assessment within 10 s of saving vitals")
    assert (assessment.crs_grade, assessment.trigger) == (2, "new_data")
