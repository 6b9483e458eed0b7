"""A real Celery worker on Redis runs the whole path: the regrade, the alert,
each channel's delivery (retried with back-off), and the escalation timer."""

import json
import time
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings
from django.utils import timezone
from werkzeug import Response

from notifications import services
from notifications.models import Alert, Delivery, Notification, WardNotifySettings

from ..grading.workers import running_worker
from .conftest import AFEBRILE_SHOCK, NORMAL, chart_vitals
from .test_channels import SECRET, Inbox, free_port, verified

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def smtp():
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    inbox.port = port
    yield inbox
    controller.stop()


@pytest.fixture
def worker(on_postgresql, smtp, httpserver):
    if not settings.REDIS_URL:
        pytest.skip("needs Redis (set REDIS_URL)")
    with running_worker(
        "notify",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(smtp.port),
        NOTIFY_EMAIL="true",
        NOTIFY_WEBHOOK_URL=httpserver.url_for("/page"),
        NOTIFY_WEBHOOK_SECRET=SECRET,
        NOTIFY_SITE_URL="https://crs.hospital.example",
        NOTIFY_RETRY_MAX_SECONDS="2",
    ) as process:
        yield process


def _wait_for(check, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    pytest.fail(f"no {what} within {seconds} s")


def _to(smtp, person) -> list[str]:
    return [body for rcpt, body in smtp.messages if rcpt == [person.email]]


def test_a_charted_shock_pages_first_call_then_second_call_until_acknowledged(
    worker, smtp, httpserver, episode, nurse, rota, ward
):
    pages = []

    def engine(request):
        pages.append(verified(request))
        return Response("ok")

    httpserver.expect_request("/page", method="POST").respond_with_handler(engine)
    # Seconds instead of 15 minutes, so the worker's own timer fires in the test.
    WardNotifySettings.objects.create(
        ward=ward,
        escalate_critical_after=timedelta(seconds=4),
        escalate_high_after=timedelta(seconds=4),
        renotify_after=timedelta(minutes=60),
    )
    chart_vitals(episode, nurse, minutes_ago=60, **NORMAL)
    charted = time.monotonic()
    chart_vitals(episode, nurse, minutes_ago=1, **AFEBRILE_SHOCK)

    _wait_for(lambda: _to(smtp, rota["first_call"]), 20, "email to first call")
    _wait_for(
        lambda: [p for p in pages if p["recipient"] == "anna.first"], 20, "page to first call"
    )
    assert time.monotonic() - charted < 20
    assert not _to(smtp, rota["second_call"])

    # Nobody answers: the worker's countdown tells second call.
    _wait_for(lambda: _to(smtp, rota["second_call"]), 30, "email to second call")
    _wait_for(
        lambda: [p for p in pages if p["recipient"] == "ben.second" and p["reason"] == "escalated"],
        20,
        "page to second call",
    )
    # Ben acknowledges every open alert: nothing climbs to the unit lead.
    for alert in Alert.objects.open():
        services.acknowledge(alert, by=rota["second_call"])
    time.sleep(6)
    assert not Notification.objects.filter(recipient=rota["unit_lead"]).exists()
    assert not _to(smtp, rota["unit_lead"])
    sent = Delivery.objects.filter(notification__recipient=rota["first_call"])
    assert {"email", "webhook", "inbox"} <= set(sent.values_list("channel", flat=True))
    assert set(sent.values_list("status", flat=True)) == {"sent"}


def test_a_failing_paging_engine_is_retried_with_back_off_and_the_email_goes_first(
    worker, smtp, httpserver, episode, nurse, rota
):
    tries = []

    def engine(request):
        # Busy for each page's first two tries, then accepted.
        notification = json.loads(request.get_data())["notification"]
        tries.append((notification, time.monotonic()))
        busy = sum(1 for n, _ in tries if n == notification) <= 2
        return Response("busy" if busy else "ok", status=503 if busy else 200)

    httpserver.expect_request("/page", method="POST").respond_with_handler(engine)
    chart_vitals(episode, nurse, minutes_ago=60, **NORMAL)
    chart_vitals(episode, nurse, minutes_ago=1, **AFEBRILE_SHOCK)
    first = _wait_for(lambda: Notification.objects.order_by("pk").first(), 20, "notification")
    webhook = _wait_for(
        lambda: Delivery.objects.filter(
            notification=first, channel="webhook", status="sent"
        ).first(),
        30,
        "webhook delivered after retries",
    )
    assert webhook.attempts == 3
    times = [at for notification, at in tries if notification == first.pk]
    assert len(times) == 3
    assert times[2] - times[1] >= times[1] - times[0] >= 0.9  # back-off: 1 s, then 2 s
    email = Delivery.objects.get(notification=first, channel="email")
    assert email.status == "sent" and email.sent_at < timezone.now()
    assert _to(smtp, first.recipient)
