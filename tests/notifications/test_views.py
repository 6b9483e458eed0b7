"""The inbox and its badge, an alert's page, the rota page and the noise page."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from notifications import selectors, services
from notifications.models import Alert, OnCallShift

from .conftest import AFEBRILE_SHOCK, NORMAL, chart_vitals

pytestmark = pytest.mark.django_db


@pytest.fixture
def shocked(episode, nurse, rota, committed):
    with committed():
        chart_vitals(episode, nurse, minutes_ago=60, **NORMAL)
    with committed():
        chart_vitals(episode, nurse, minutes_ago=1, **AFEBRILE_SHOCK)
    return episode


def test_the_badge_counts_the_open_alerts_of_the_person_told(client, shocked, rota):
    client.force_login(rota["first_call"])
    page = client.get(reverse("board")).content.decode()
    count = Alert.objects.open().filter(notifications__recipient=rota["first_call"]).count()
    assert count >= 2
    assert f'data-count="{count}"' in page
    badge = client.get(reverse("inbox"), headers={"HX-Request": "true", "HX-Target": "alert-badge"})
    assert badge.content.decode().strip().startswith('<a id="alert-badge"')
    client.force_login(rota["second_call"])
    assert 'data-count="0"' in client.get(reverse("board")).content.decode()


def test_the_inbox_links_each_alert_and_its_page_shows_who_was_told(client, shocked, rota):
    client.force_login(rota["first_call"])
    inbox = client.get(reverse("inbox")).content.decode()
    alert = Alert.objects.get(cause="acuity")
    assert reverse("alert_detail", args=[alert.pk]) in inbox
    page = client.get(reverse("alert_detail", args=[alert.pk])).content.decode()
    assert "Acuity rose from 0 to 4" in page
    assert "anna.first" in page and "inbox: sent" in page
    response = client.post(reverse("alert_acknowledge", args=[alert.pk]))
    assert response.status_code == 302
    page = client.get(reverse("alert_detail", args=[alert.pk])).content.decode()
    assert "Acknowledged by" in page and "(inbox)" in page


def test_the_patient_page_and_the_board_say_who_is_on_call(client, shocked, rota, nurse):
    client.force_login(nurse)
    for url in (
        reverse("patient_detail", args=[shocked.patient_id]),
        reverse("ward_patients", args=[shocked.patient.ward_id]),
        reverse("board"),
    ):
        line = client.get(url).content.decode()
        assert 'id="on-call"' in line, url
        assert "first call anna.first" in line and "unit lead cara.lead" in line, url


def test_a_physician_adds_a_shift_in_ward_time_and_takes_it_off(client, ward, physician):
    client.force_login(physician)
    url = reverse("ward_rota", args=[ward.pk])
    with time_machine.travel("2026-07-01 09:00:00+00:00", tick=False):
        response = client.post(
            url,
            {
                "level": "second_call",
                "person": physician.pk,
                "starts_at": "2026-07-01T08:00",
                "ends_at": "2026-07-01T20:00",
            },
        )
        assert response.status_code == 302
        shift = OnCallShift.objects.get()
        # London in summer is UTC+1.
        assert shift.starts_at.isoformat() == "2026-07-01T07:00:00+00:00"
        assert services.rota_at(ward.pk, timezone.now())["second_call"] == (physician.pk,)
        client.post(reverse("rota_shift_remove", args=[shift.pk]))
        assert services.rota_at(ward.pk, timezone.now())["second_call"] == ()
        assert OnCallShift.objects.get().cancelled_by == physician


def test_a_shift_that_ends_before_it_starts_is_refused_with_the_typed_times(
    client, ward, physician
):
    client.force_login(physician)
    response = client.post(
        reverse("ward_rota", args=[ward.pk]),
        {
            "level": "first_call",
            "person": physician.pk,
            "starts_at": "2026-07-01T20:00",
            "ends_at": "2026-07-01T08:00",
        },
    )
    page = response.content.decode()
    assert response.status_code == 422
    assert "Ends: The shift must end after it starts." in page
    assert 'value="2026-07-01T20:00"' in page
    assert not OnCallShift.objects.exists()


def test_a_nurse_cannot_be_put_on_call(client, ward, physician, nurse):
    client.force_login(physician)
    response = client.post(
        reverse("ward_rota", args=[ward.pk]),
        {
            "level": "first_call",
            "person": nurse.pk,
            "starts_at": "2026-07-01T08:00",
            "ends_at": "2026-07-01T20:00",
        },
    )
    assert response.status_code == 422 and not OnCallShift.objects.exists()


def test_the_noise_page_counts_per_patient_day_and_time_to_acknowledge(
    client, shocked, rota, physician
):
    acuity = Alert.objects.get(cause="acuity")
    with time_machine.travel(timezone.now() + timedelta(minutes=6), tick=False):
        services.acknowledge(acuity, by=rota["first_call"])
    today = timezone.localdate()
    client.force_login(physician)
    page = client.get(
        reverse("notification_noise"), {"since": today - timedelta(days=3), "until": today}
    ).content.decode()
    figures = selectors.noise(
        [shocked.patient.ward],
        timezone.now() - timedelta(days=4),
        timezone.now() + timedelta(days=1),
    )
    assert figures.notifications >= 2 and figures.acknowledged == 1
    assert 5.9 < figures.ack_median_minutes < 6.1
    assert "acuity" in dict(figures.causes)
    assert 'id="per-patient-day"' in page and "median 6.0 min" in page


def test_the_noise_page_refuses_a_backwards_period(client, physician):
    client.force_login(physician)
    response = client.get(
        reverse("notification_noise"), {"since": "2026-07-02", "until": "2026-07-01"}
    )
    assert response.status_code == 422
    assert "To (inclusive): The period must end on or after its first day." in (
        response.content.decode()
    )


@pytest.mark.parametrize(
    "values, fraction, expected",
    [
        ([], 0.9, None),
        ([5], 0.9, 5),
        ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9, 9),
        ([3, 1, 2], 0.5, 2),
    ],
)
def test_the_p90_is_a_nearest_rank(values, fraction, expected):
    assert selectors.percentile(values, fraction) == expected


def test_the_bench_report_prints_notifications_per_patient_day(shocked):
    import io

    from bench.notifications import report

    out = io.StringIO()
    report(out, timezone.now() - timedelta(days=3), timezone.now() + timedelta(minutes=1))
    assert out.getvalue().startswith("notifications per patient-day: ")
    assert "causes that notify most: " in out.getvalue()
