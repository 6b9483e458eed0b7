import threading
from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection
from django.utils import timezone
from kombu.exceptions import OperationalError

from grading import services, tasks
from grading.models import Assessment
from patients import services as chart

pytestmark = pytest.mark.django_db


def _ago(minutes: int):
    return timezone.now() - timedelta(minutes=minutes)


def test_saving_febrile_vitals_grades_the_patient(episode, nurse, committed):
    with committed():
        chart.vitals_record(episode=episode, observed_at=_ago(5), by=nurse, temperature_c=38.0)
    assessment = Assessment.objects.get(episode=episode)
    assert assessment.crs_grade == 1
    assert assessment.trigger == "new_data"
    assert assessment.crs_reasons
    assert any(ref.startswith("vitalsset:") for ref in assessment.inputs_used)
    assert assessment.rules_version
    assert assessment.details["tocilizumab"]["may_give_now"] is False  # no weight yet


def test_nothing_is_graded_before_the_commit(episode, nurse):
    chart.vitals_record(episode=episode, observed_at=_ago(5), by=nurse, temperature_c=38.0)
    assert not Assessment.objects.exists()


def test_it_writes_a_new_assessment_only_when_something_changed(episode, nurse, committed):
    with committed():
        chart.vitals_record(episode=episode, observed_at=_ago(30), by=nurse, temperature_c=38.4)
    assert services.regrade(episode, trigger="schedule") is None
    assert services.regrade(episode, trigger="schedule") is None
    assert Assessment.objects.filter(episode=episode).count() == 1

    with committed():
        chart.vitals_record(
            episode=episode,
            observed_at=_ago(5),
            by=nurse,
            temperature_c=38.9,
            oxygen_device="nasal_cannula",
            oxygen_flow_l_min=4,
        )
    grades = list(
        Assessment.objects.filter(episode=episode)
        .latest_first()
        .values_list("crs_grade", flat=True)
    )
    assert grades == [2, 1]


def test_a_correction_regrades_with_the_row_struck_out(episode, nurse, committed):
    with committed():
        wrong = chart.vitals_record(
            episode=episode,
            observed_at=_ago(5),
            by=nurse,
            temperature_c=38.6,
            oxygen_device="nasal_cannula",
            oxygen_flow_l_min=7,
        )
    assert Assessment.objects.latest_first().first().crs_grade == 3
    with committed():
        chart.enter_in_error(wrong, by=nurse, reason="Charted on the wrong patient")
    latest = Assessment.objects.latest_first().first()
    assert (latest.crs_grade, latest.trigger) == (0, "correction")
    assert wrong.ref not in latest.inputs_used


def test_grades_are_as_of_clinical_time_not_typing_time(episode, nurse, committed):
    # A late entry of a fever 30 hours ago is outside the 24 h look-back.
    with committed():
        chart.vitals_record(
            episode=episode, observed_at=_ago(30 * 60), by=nurse, temperature_c=39.0
        )
    assert Assessment.objects.latest_first().first().crs_grade == 0


def test_the_schedule_regrades_every_active_episode(make_episode, nurse):
    first, second = make_episode(), make_episode()
    assert tasks.regrade_active_episodes() == 2
    assert set(Assessment.objects.values_list("episode", flat=True)) == {first.pk, second.pk}
    assert set(Assessment.objects.values_list("trigger", flat=True)) == {"schedule"}


def test_a_discharged_patient_is_not_regraded(episode):
    episode.discharged_at = timezone.now()
    episode.save()
    assert services.regrade_patient(episode.patient_id, trigger="new_data") is None
    assert tasks.regrade_active_episodes() == 0


def test_saving_vitals_succeeds_with_the_broker_down_and_the_sweep_catches_up(
    episode, nurse, committed
):
    unreachable = OperationalError("Error 111 connecting to 127.0.0.1:1. Connection refused.")
    with (
        mock.patch.object(tasks.regrade_patient, "apply_async", side_effect=unreachable) as queue,
        committed(),
    ):
        vitals = chart.vitals_record(
            episode=episode, observed_at=_ago(5), by=nurse, temperature_c=38.5
        )
    assert vitals.pk
    queue.assert_called_once()
    assert not Assessment.objects.exists()
    assert list(services.stale_episodes()) == [episode]

    assert tasks.sweep_stale_assessments() == 1
    assessment = Assessment.objects.get()
    assert (assessment.crs_grade, assessment.trigger) == (1, "sweep")
    assert tasks.sweep_stale_assessments() == 0


def test_a_failing_regrade_never_fails_the_nurses_save(episode, nurse, committed):
    with mock.patch.object(services, "evaluate", side_effect=RuntimeError("bug")), committed():
        vitals = chart.vitals_record(episode=episode, observed_at=_ago(5), by=nurse)
    assert vitals.pk
    assert list(services.stale_episodes()) == [episode]


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_regrades_write_one_assessment(on_postgresql, episode, nurse):
    with mock.patch.object(tasks.regrade_patient, "apply_async"):
        chart.vitals_record(episode=episode, observed_at=_ago(5), by=nurse, temperature_c=38.2)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def regrade():
        try:
            barrier.wait()
            results.append(services.regrade(episode, trigger="new_data"))
        except Exception as error:  # surfaced below; a thread must not swallow it
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=regrade) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    assert Assessment.objects.filter(episode=episode).count() == 1
    assert sum(result is not None for result in results) == 1
