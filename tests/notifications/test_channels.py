"""The channels against real servers the tests start: an SMTP server
(aiosmtpd) that receives the email, and an HTTP server (pytest-httpserver)
that checks the webhook's signature, fails, and is retried."""

import hashlib
import hmac
import json
import socket
import time

import pytest
from aiosmtpd.controller import Controller
from werkzeug import Response

from notifications.channels import SIGNATURE_HEADER, TIMESTAMP_HEADER
from notifications.models import Delivery
from patients.models import VitalsSet

from .conftest import AFEBRILE_SHOCK, NORMAL, chart_vitals

pytestmark = pytest.mark.django_db

SECRET = "a-paging-engine-shared-secret"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, envelope.content.decode()))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp(settings):
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.NOTIFY_EMAIL = True
    settings.NOTIFY_SITE_URL = "https://crs.hospital.example"
    yield inbox
    controller.stop()


@pytest.fixture
def paging(settings, httpserver):
    settings.NOTIFY_WEBHOOK_URL = httpserver.url_for("/page")
    settings.NOTIFY_WEBHOOK_SECRET = SECRET
    return httpserver


def verified(request) -> dict:
    """What the paging engine does: check the signature and its freshness."""
    timestamp = request.headers[TIMESTAMP_HEADER]
    expected = hmac.new(
        SECRET.encode(), timestamp.encode() + b"." + request.get_data(), hashlib.sha256
    ).hexdigest()
    assert hmac.compare_digest(request.headers[SIGNATURE_HEADER], expected)
    assert abs(time.time() - int(timestamp)) < 300
    return json.loads(request.get_data())


def _shock(episode, nurse, committed):
    with committed():
        chart_vitals(episode, nurse, minutes_ago=60, **NORMAL)
    with committed():
        chart_vitals(episode, nurse, minutes_ago=1, **AFEBRILE_SHOCK)


def test_first_call_receives_the_email_with_a_link_to_the_alert(
    smtp, episode, nurse, rota, committed
):
    _shock(episode, nurse, committed)
    to_anna = [body for rcpt, body in smtp.messages if rcpt == ["anna.first@hospital.example"]]
    assert to_anna, smtp.messages
    assert any("Acuity rose from 0 to 4" in body for body in to_anna)
    assert "https://crs.hospital.example/alerts/" in to_anna[0]
    assert not [m for m in smtp.messages if "ben.second" in m[0][0]]
    emails = Delivery.objects.filter(channel="email")
    assert set(emails.values_list("status", "attempts")) == {("sent", 1)}


def test_the_paging_engine_receives_a_signed_page(paging, episode, nurse, rota, committed):
    pages = []

    def engine(request):
        pages.append(verified(request))
        return Response("ok")

    paging.expect_request("/page", method="POST").respond_with_handler(engine)
    _shock(episode, nurse, committed)
    acuity = [page for page in pages if page["cause"] == "acuity"]
    assert len(acuity) == 1
    assert acuity[0] | {"notification": 0, "alert": 0, "link": ""} == {
        "notification": 0,
        "alert": 0,
        "link": "",
        "recipient": "anna.first",
        "level": "first_call",
        "reason": "raised",
        "severity": "critical",
        "cause": "acuity",
        "patient": episode.patient.display_name,
        "bed": episode.patient.bed,
        "ward": episode.patient.ward.name,
        "text": "Acuity rose from 0 to 4",
    }


def test_a_forged_signature_would_not_verify(paging):
    body = b'{"cause": "acuity"}'

    class Forged:
        headers = {TIMESTAMP_HEADER: str(int(time.time())), SIGNATURE_HEADER: "0" * 64}

        def get_data(self):
            return body

    with pytest.raises(AssertionError):
        verified(Forged())


def test_a_failing_paging_engine_never_blocks_the_email_or_the_chart(
    smtp, paging, episode, nurse, rota, committed
):
    # Tasks run in this process here, where Celery does not replay a retry:
    # the real worker retries it (test_worker.py).
    paging.expect_request("/page", method="POST").respond_with_data("down", status=500)
    _shock(episode, nurse, committed)
    assert VitalsSet.objects.filter(episode=episode).count() == 2
    webhooks = Delivery.objects.filter(channel="webhook")
    assert webhooks.exists()
    assert {(d.status, d.attempts, d.last_error) for d in webhooks} == {
        ("retrying", 1, "webhook: HTTP 500")
    }
    emails = Delivery.objects.filter(channel="email")
    assert set(emails.values_list("status", flat=True)) == {"sent"}
    assert len(smtp.messages) == emails.count()


def test_a_refused_page_is_not_retried(paging, episode, nurse, rota, committed):
    paging.expect_request("/page", method="POST").respond_with_data("bad signature", status=401)
    _shock(episode, nurse, committed)
    webhooks = Delivery.objects.filter(channel="webhook")
    assert set(webhooks.values_list("status", "attempts")) == {("failed", 1)}


def test_a_physician_without_an_email_address_is_still_told_in_the_inbox(
    smtp, episode, nurse, rota, committed
):
    anna = rota["first_call"]
    anna.email = ""
    anna.save()
    _shock(episode, nurse, committed)
    mine = Delivery.objects.filter(notification__recipient=anna)
    assert set(mine.values_list("channel", "status")) == {("inbox", "sent"), ("email", "failed")}
