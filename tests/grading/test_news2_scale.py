"""A physician switches a patient to NEWS2 SpO2 scale 2 (hypercapnic
respiratory failure) with a reason; NEWS2 then scores SpO2 on that scale."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from grading.models import News2ScaleChange
from patients import services as chart
from patients.models import Episode

pytestmark = pytest.mark.django_db


def _url(episode):
    return reverse("episode_news2_scale", args=[episode.patient_id])


@pytest.fixture
def charted(episode, nurse, committed):
    with committed():
        chart.vitals_record(
            episode=episode,
            observed_at=timezone.now() - timedelta(minutes=10),
            by=nurse,
            temperature_c=Decimal("37.0"),
            heart_rate=80,
            systolic=125,
            diastolic=75,
            respiratory_rate=16,
            spo2=90,
        )
    return episode


def _news2(episode) -> int:
    return episode.assessments.latest_first().first().news2_score


def test_scale_2_scores_a_target_spo2_as_normal(client, physician, charted, committed):
    assert _news2(charted) == 3  # SpO2 90 on scale 1
    client.force_login(physician)
    with committed():
        response = client.post(
            _url(charted), {"scale": "2", "reason": "COPD with chronic hypercapnia, ABG"}
        )
    assert response.status_code == 302
    charted.refresh_from_db()
    assert charted.news2_scale == 2
    assert _news2(charted) == 0  # 88-92 % is the target on scale 2
    change = News2ScaleChange.objects.get(episode=charted)
    assert (change.previous, change.scale, change.by) == (1, 2, physician)


def test_a_change_without_a_reason_is_refused_naming_the_field(client, physician, charted):
    client.force_login(physician)
    response = client.post(_url(charted), {"scale": "2", "reason": " "})
    assert response.status_code == 200
    assert "Reason: Say why the scale changes" in response.content.decode()
    assert Episode.objects.get(pk=charted.pk).news2_scale == 1


def test_a_nurse_reads_the_scale_but_cannot_change_it(client, nurse, charted):
    client.force_login(nurse)
    assert "scale 1" in client.get(_url(charted)).content.decode()
    assert client.post(_url(charted), {"scale": "2", "reason": "x"}).status_code == 403
    assert Episode.objects.get(pk=charted.pk).news2_scale == 1
