"""The broker is a convenience, never the guarantee: with Redis gone a save
publishes once, gives up at once, and the sweep regrades from the chart row."""

import socket
from contextlib import contextmanager
from unittest import mock

import pytest
from django.conf import settings
from kombu import Connection

from crsmonitor.celery import app as celery_app
from grading import tasks
from grading.models import Assessment
from patients.models import VitalsSet
from tests.patients import entries

pytestmark = pytest.mark.django_db


@contextmanager
def _broker(url: str):
    """Publish to `url` for real (not in-process), then put everything back."""
    original = celery_app.conf.broker_url

    def use(broker_url: str) -> None:
        # The app caches its connection and producer pools for the first URL.
        celery_app._pool = None
        celery_app.amqp._producer_pool = None
        celery_app.conf.broker_url = broker_url

    use(url)
    celery_app.conf.task_always_eager = False
    try:
        yield
    finally:
        celery_app.conf.task_always_eager = True
        use(original)


@pytest.fixture
def redis():
    if not settings.REDIS_URL:
        pytest.skip("needs Redis (set REDIS_URL)")


@pytest.fixture
def unreachable_broker(redis):
    # A bound socket that never listens: connecting to it is refused, and no
    # other process can take the port while the test runs.
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    try:
        with _broker(f"redis://127.0.0.1:{port}/0"):
            yield
    finally:
        closed.close()


@pytest.fixture
def connection_attempts():
    with mock.patch.object(
        Connection,
        "_establish_connection",
        autospec=True,
        side_effect=Connection._establish_connection,
    ) as attempts:
        yield attempts


@pytest.fixture
def signed_in(client, nurse):
    client.force_login(nurse)
    return client


def test_with_the_broker_unreachable_a_save_lands_after_one_attempt_and_the_sweep_regrades(
    unreachable_broker, connection_attempts, signed_in, episode, committed
):
    data = entries.vitals(episode, temperature="38.4")
    with committed():
        response = entries.htmx(signed_in, entries.url("vitals_entry", episode), data)

    assert response.status_code == 200
    assert "Saved: vitals" in response.content.decode()
    assert VitalsSet.objects.filter(episode=episode).count() == 1
    # One try, no reconnect loop: the nurse does not wait on kombu's retries.
    assert connection_attempts.call_count == 1
    assert not Assessment.objects.exists()

    assert tasks.sweep_stale_assessments() == 1
    assessment = Assessment.objects.get()
    assert (assessment.crs_grade, assessment.trigger) == (1, "sweep")


def test_each_save_tries_the_broker_once_however_many_fail(
    unreachable_broker, connection_attempts, signed_in, episode, committed
):
    for temperature in ("37.9", "38.1", "38.3"):
        with committed():
            entries.htmx(
                signed_in,
                entries.url("vitals_entry", episode),
                entries.vitals(episode, temperature=temperature),
            )
    assert VitalsSet.objects.filter(episode=episode).count() == 3
    assert connection_attempts.call_count == 3


def test_with_the_broker_up_a_save_queues_its_regrade(redis, signed_in, episode, committed):
    celery_app.control.purge()
    try:
        with _broker(settings.REDIS_URL), committed():
            entries.htmx(
                signed_in,
                entries.url("vitals_entry", episode),
                entries.vitals(episode, temperature="38.4"),
            )
        with celery_app.connection_for_write() as connection:
            queued = connection.default_channel.client.llen("celery")
    finally:
        celery_app.control.purge()
    assert queued == 1
    # Queued, not yet run: the worker grades it.
    assert not Assessment.objects.exists()


def test_a_task_lost_with_its_worker_comes_back_within_minutes():
    conf = celery_app.conf
    assert conf.task_acks_late and conf.task_reject_on_worker_lost
    # Redis redelivers an unacknowledged task after the visibility timeout
    # (an hour by default); kombu looks for such tasks every restore interval.
    options = conf.broker_transport_options
    assert options["visibility_timeout"] <= 10 * 60
    assert options["unacked_restore_interval"] * options["unacked_restore_throttle"] <= 2 * 60


def test_a_broker_that_never_answers_is_given_up_after_a_second(redis):
    # A dropped SYN (a firewall, a dead host) would otherwise wait for the
    # operating system's own connect timeout, minutes long.
    with _broker(settings.REDIS_URL), celery_app.connection_for_write() as connection:
        pool = connection.default_channel.client.connection_pool
        assert pool.connection_kwargs["socket_connect_timeout"] == 1
        assert pool.connection_kwargs["socket_timeout"] == 5
