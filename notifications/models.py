"""The rota, a ward's notification settings, and the audit of who was told.

Alerts, notifications and deliveries are the record of who was told what,
when, through which channel, and who answered: PostgreSQL refuses DELETE and
TRUNCATE on them (migration 0001); a status changes by an update, never by
removing a row.
"""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from grading.models import Prompt
from patients.models import Episode, Ward

from . import rules

LEVEL_CHOICES = [(level, rules.LEVEL_WORDS[level].capitalize()) for level in rules.LEVELS]


class OnCallShiftQuerySet(models.QuerySet):
    def holding(self, at):
        """Shifts that hold their level at `at` (half-open: the next shift holds the hand-over)."""
        return self.filter(
            starts_at__lte=at, ends_at__gt=at, cancelled_at__isnull=True, person__is_active=True
        )


class OnCallShift(models.Model):
    """One person holding one level of a ward's rota for a time."""

    ward = models.ForeignKey(Ward, on_delete=models.CASCADE, related_name="on_call_shifts")
    level = models.CharField(max_length=16, choices=LEVEL_CHOICES)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="on_call_shifts"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Taken off the rota: kept, so the rota's history says who was on call when.
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = OnCallShiftQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "level", "pk"]
        indexes = [models.Index(fields=["ward", "ends_at"], name="shift_ward_ends")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="shift_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.ward}: {self.get_level_display()} {self.person} {self.starts_at:%d %b %H:%M}"

    def clean(self) -> None:
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": "The shift must end after it starts."})
        if self.starts_at and self.ends_at and self.ends_at - self.starts_at > timedelta(days=7):
            raise ValidationError({"ends_at": "A shift lasts at most 7 days."})

    def as_rule(self) -> rules.Shift:
        return rules.Shift(self.level, self.person_id, self.starts_at, self.ends_at)


class WardNotifySettings(models.Model):
    """What notifies on a ward; a ward without a row uses the defaults."""

    ward = models.OneToOneField(Ward, on_delete=models.CASCADE, related_name="notify_settings")
    notify_critical_prompts = models.BooleanField(default=True)
    notify_acuity = models.BooleanField(default=True)
    notify_news2_emergency = models.BooleanField(default=True)
    escalate_critical_after = models.DurationField(default=timedelta(minutes=15))
    escalate_high_after = models.DurationField(default=timedelta(minutes=30))
    renotify_after = models.DurationField(default=timedelta(minutes=60))

    class Meta:
        verbose_name_plural = "ward notification settings"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    escalate_critical_after__gt=timedelta(0),
                    escalate_high_after__gt=timedelta(0),
                    renotify_after__gt=timedelta(0),
                ),
                name="notify_intervals_positive",
            )
        ]

    def __str__(self) -> str:
        return f"Notifications on {self.ward}"

    def as_rule(self) -> rules.WardSettings:
        return rules.WardSettings(
            notify_critical_prompts=self.notify_critical_prompts,
            notify_acuity=self.notify_acuity,
            notify_news2_emergency=self.notify_news2_emergency,
            escalate_critical_after=self.escalate_critical_after,
            escalate_high_after=self.escalate_high_after,
            renotify_after=self.renotify_after,
        )


class AlertQuerySet(models.QuerySet):
    def open(self):
        return self.filter(state=Alert.OPEN)


class Alert(models.Model):
    """One cause for one patient that someone must answer: a critical prompt,
    a rise in acuity, a high prompt left unanswered. While it is open the same
    cause tells nobody again; the timer climbs the rota until it is answered."""

    OPEN, ACKNOWLEDGED, CLOSED = "open", "acknowledged", "closed"
    STATES = [(OPEN, "Open"), (ACKNOWLEDGED, "Acknowledged"), (CLOSED, "Closed by itself")]
    SEVERITIES = [(rules.CRITICAL, "Critical"), (rules.HIGH, "High")]

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="alerts")
    ward = models.ForeignKey(Ward, on_delete=models.PROTECT, related_name="alerts")
    cause = models.CharField(max_length=40)  # "acuity" or a prompt code
    severity = models.CharField(max_length=8, choices=SEVERITIES)
    words = models.CharField(max_length=300)
    # The prompt instance it is about (the newest, if the prompt escalated).
    prompt = models.ForeignKey(
        Prompt, on_delete=models.PROTECT, null=True, blank=True, related_name="alerts"
    )
    acuity = models.PositiveSmallIntegerField(null=True, blank=True)
    state = models.CharField(max_length=16, choices=STATES, default=OPEN)
    opened_at = models.DateTimeField()
    level = models.CharField(max_length=16, choices=LEVEL_CHOICES, default=rules.FIRST_CALL)
    # When the timer next climbs (or re-notifies); None once answered or closed.
    due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # How many times people were told (a round per level reached or re-notify).
    rounds = models.PositiveSmallIntegerField(default=0)
    escalations = models.PositiveSmallIntegerField(default=0)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    acknowledged_how = models.CharField(max_length=40, blank=True)  # "inbox", "prompt answered"
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_because = models.CharField(max_length=200, blank=True)

    objects = AlertQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at", "-pk"]
        indexes = [models.Index(fields=["episode", "cause", "-opened_at"], name="alert_cause")]
        constraints = [
            # No storms: one open alert per patient and cause, whatever the workers do.
            models.UniqueConstraint(
                fields=["episode", "cause"],
                condition=models.Q(state="open"),
                name="one_open_alert_per_cause",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    state="open", acknowledged_at__isnull=True, closed_at__isnull=True
                )
                | models.Q(
                    state="acknowledged",
                    acknowledged_at__isnull=False,
                    acknowledged_by__isnull=False,
                )
                | models.Q(state="closed", closed_at__isnull=False),
                name="alert_state_has_its_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cause} for {self.episode} ({self.state})"

    @property
    def is_open(self) -> bool:
        return self.state == self.OPEN

    @property
    def ended_at(self):
        return self.acknowledged_at or self.closed_at


class Notification(models.Model):
    """One person told about one alert, at one level of the rota."""

    RAISED, ESCALATED, RENOTIFIED = "raised", "escalated", "renotified"
    REASONS = [(RAISED, "Raised"), (ESCALATED, "Escalated"), (RENOTIFIED, "Told again")]

    alert = models.ForeignKey(Alert, on_delete=models.PROTECT, related_name="notifications")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="notifications"
    )
    level = models.CharField(max_length=16, choices=LEVEL_CHOICES)
    reason = models.CharField(max_length=16, choices=REASONS)
    round = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # Two workers firing the same timer tell a person once.
            models.UniqueConstraint(
                fields=["alert", "round", "recipient"], name="told_once_per_round"
            )
        ]

    def __str__(self) -> str:
        return f"{self.recipient} told of {self.alert.cause} ({self.level})"


class Delivery(models.Model):
    """One notification through one channel, and how that went."""

    QUEUED, SENT, RETRYING, FAILED = "queued", "sent", "retrying", "failed"
    STATUSES = [(QUEUED, "Queued"), (SENT, "Sent"), (RETRYING, "Retrying"), (FAILED, "Failed")]

    notification = models.ForeignKey(
        Notification, on_delete=models.PROTECT, related_name="deliveries"
    )
    channel = models.CharField(max_length=16)
    status = models.CharField(max_length=16, choices=STATUSES, default=QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "channel"], name="one_delivery_per_channel"
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel} to {self.notification.recipient}: {self.status}"
