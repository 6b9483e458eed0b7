"""The channels: each a small adapter behind one interface, configured from
the environment (crsmonitor/settings.py). A channel that fails raises; the
delivery task records it and retries where the channel says so. One channel's
failure never touches another's delivery (each is its own task)."""

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse

from . import rules


@dataclass(frozen=True)
class Message:
    """What every channel says about one notification."""

    notification_id: int
    alert_id: int
    recipient: str  # username
    recipient_email: str
    level: str
    reason: str
    severity: str
    cause: str
    patient: str
    bed: str
    ward: str
    words: str
    link: str  # absolute when NOTIFY_SITE_URL is set

    @property
    def subject(self) -> str:
        words = self.words if len(self.words) <= 90 else self.words[:89] + "…"
        return f"[CRS Monitor] {self.severity.upper()}: {self.patient} (bed {self.bed}): {words}"

    @property
    def body(self) -> str:
        told = rules.LEVEL_WORDS.get(self.level, self.level)
        return (
            f"{self.words}\n\n"
            f"Patient: {self.patient}, bed {self.bed}, {self.ward}\n"
            f"You are told as {told} ({self.reason}).\n\n"
            f"Open the patient and acknowledge: {self.link}\n"
            "Until someone acknowledges, this alert goes to the next person on the rota.\n"
        )


class ChannelFailed(Exception):
    """The channel could not deliver; `retry` says whether trying again may help."""

    def __init__(self, message: str, *, retry: bool):
        super().__init__(message)
        self.retry = retry


class Channel:
    name = ""
    # Delivered by the page itself (the inbox): no task, no retry.
    in_app = False

    def enabled(self) -> bool:
        raise NotImplementedError

    def ready_for(self, message: Message) -> bool:
        """Whether this person can be reached this way at all (an email address)."""
        return True

    def send(self, message: Message) -> None:
        raise NotImplementedError


class InboxChannel(Channel):
    """The alert inbox, its count on every page, the sound and the browser
    notification on an open board: the page polls, nothing is pushed."""

    name = "inbox"
    in_app = True

    def enabled(self) -> bool:
        return True

    def send(self, message: Message) -> None:
        return None


class EmailChannel(Channel):
    """Through Django's email backend (SMTP in production: EMAIL_HOST...)."""

    name = "email"

    def enabled(self) -> bool:
        return settings.NOTIFY_EMAIL

    def ready_for(self, message: Message) -> bool:
        return bool(message.recipient_email)

    def send(self, message: Message) -> None:
        try:
            send_mail(
                message.subject,
                message.body,
                settings.DEFAULT_FROM_EMAIL,
                [message.recipient_email],
                fail_silently=False,
            )
        except OSError as error:  # smtplib's errors are OSErrors, as are refused connections
            raise ChannelFailed(f"email: {error}", retry=True) from error


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """HMAC-SHA256 over "timestamp.body", hex: the receiver checks both, so an
    old request replayed later fails its freshness check."""
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


SIGNATURE_HEADER = "X-CRS-Signature"
TIMESTAMP_HEADER = "X-CRS-Timestamp"


class WebhookChannel(Channel):
    """A signed JSON POST to the hospital's paging engine."""

    name = "webhook"

    def enabled(self) -> bool:
        return bool(settings.NOTIFY_WEBHOOK_URL)

    def payload(self, message: Message) -> bytes:
        return json.dumps(
            {
                "notification": message.notification_id,
                "alert": message.alert_id,
                "recipient": message.recipient,
                "level": message.level,
                "reason": message.reason,
                "severity": message.severity,
                "cause": message.cause,
                "patient": message.patient,
                "bed": message.bed,
                "ward": message.ward,
                "text": message.words,
                "link": message.link,
            },
            sort_keys=True,
        ).encode()

    def send(self, message: Message) -> None:
        body = self.payload(message)
        timestamp = str(int(time.time()))
        request = urllib.request.Request(
            settings.NOTIFY_WEBHOOK_URL,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                TIMESTAMP_HEADER: timestamp,
                SIGNATURE_HEADER: signature(settings.NOTIFY_WEBHOOK_SECRET, timestamp, body),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=settings.NOTIFY_WEBHOOK_TIMEOUT_SECONDS):
                return
        except urllib.error.HTTPError as error:
            # 4xx: the engine refuses this request and will refuse it again,
            # except when it is busy (429) or timed out waiting (408).
            retry = error.code >= 500 or error.code in (408, 429)
            raise ChannelFailed(f"webhook: HTTP {error.code}", retry=retry) from error
        except (urllib.error.URLError, OSError) as error:
            raise ChannelFailed(f"webhook: {error}", retry=True) from error


CHANNELS: dict[str, Channel] = {
    channel.name: channel for channel in (InboxChannel(), EmailChannel(), WebhookChannel())
}


def enabled_channels() -> list[Channel]:
    return [channel for channel in CHANNELS.values() if channel.enabled()]


def link_to(alert_id: int) -> str:
    return settings.NOTIFY_SITE_URL.rstrip("/") + reverse("alert_detail", args=[alert_id])
