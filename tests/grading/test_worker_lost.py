"""A worker killed in the middle of a regrade: Redis hands the task to the
next worker after the visibility timeout, and the patient is graded once."""

import signal
import subprocess
import time
from datetime import timedelta
from unittest import mock

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from crsmonitor.celery import app as celery_app
from grading import tasks
from grading.models import Assessment
from patients import services as chart

from .workers import start_worker as spawn_worker

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

VISIBILITY_SECONDS = 2


def _until(what: str, done, seconds: float = 60):
    deadline = time.monotonic() + seconds
    while not done():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting: {what}")
        time.sleep(0.2)


@pytest.fixture
def start_worker(on_postgresql):
    if not settings.REDIS_URL:
        pytest.skip("needs Redis (set REDIS_URL)")
    celery_app.control.purge()
    started = []

    def start(name: str) -> subprocess.Popen:
        process = spawn_worker(name, BROKER_VISIBILITY_TIMEOUT_SECONDS=str(VISIBILITY_SECONDS))
        started.append(process)
        _until(f"worker {name} answers", lambda: celery_app.control.ping(timeout=0.5))
        return process

    celery_app.conf.task_always_eager = False
    try:
        yield start
    finally:
        celery_app.conf.task_always_eager = True
        for process in started:
            if process.poll() is None:
                process.terminate()
            print(process.communicate(timeout=20)[0])
        celery_app.control.purge()


@pytest.fixture
def episode_lock():
    """Holds the episode's row lock from another connection, as a long regrade would."""
    test_db = connection.settings_dict
    holder = psycopg.connect(
        host=test_db["HOST"],
        port=test_db["PORT"],
        user=test_db["USER"],
        password=test_db["PASSWORD"] or None,
        dbname=test_db["NAME"],
    )

    def waiting() -> int:
        # Not on the holder: a transaction sees pg_stat_activity as it first read it.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            return cursor.fetchone()[0]

    def lock(episode):
        holder.execute("SELECT 1 FROM patients_episode WHERE id = %s FOR UPDATE", [episode.pk])
        return waiting, holder.rollback

    try:
        yield lock
    finally:
        holder.rollback()
        holder.close()


def test_a_regrade_whose_worker_dies_is_redelivered_and_grades_once(
    start_worker, episode_lock, episode, nurse
):
    with mock.patch.object(tasks.regrade_patient, "apply_async"):
        chart.vitals_record(
            episode=episode,
            observed_at=timezone.now() - timedelta(minutes=2),
            by=nurse,
            temperature_c=38.6,
        )
    first = start_worker("first")
    waiting, release = episode_lock(episode)
    tasks.regrade_patient.apply_async((episode.patient_id, "new_data"), retry=False)
    _until("the first worker waits in the regrade", lambda: waiting() == 1)

    first.send_signal(signal.SIGKILL)
    first.wait(timeout=20)
    release()
    assert not Assessment.objects.exists()

    start_worker("second")
    # The second worker finds the task unacknowledged once the visibility
    # timeout has passed; the killed worker's transaction never committed.
    _until("the task is redelivered", Assessment.objects.exists, seconds=60)
    assessment = Assessment.objects.get()
    assert (assessment.crs_grade, assessment.trigger) == (1, "new_data")
