"""Writes: raise, escalate, acknowledge and close alerts; tell people; keep the rota.

The decisions are notifications/rules.py's; these functions read what the
rules need, ask them, and write the answer. Every write that tells someone
locks the alert row first, so two workers firing one timer tell once (and
the unique constraints back that up).
"""

import logging
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from crsmonitor.policy import may
from crsmonitor.roles import PHYSICIAN
from grading.models import Prompt
from patients.models import Episode, Ward

from . import channels, rules
from .models import Alert, Delivery, Notification, OnCallShift, WardNotifySettings

log = logging.getLogger(__name__)
User = get_user_model()


# --- who, and with which settings ----------------------------------------------


def ward_settings(ward_id: int) -> rules.WardSettings:
    row = WardNotifySettings.objects.filter(ward_id=ward_id).first()
    return row.as_rule() if row else rules.WardSettings()


def ward_physicians(ward_id: int) -> list[int]:
    return list(
        User.objects.filter(wards=ward_id, groups__name=PHYSICIAN, is_active=True)
        .order_by("pk")
        .values_list("pk", flat=True)
        .distinct()
    )


def rota_at(ward_id: int, at: datetime) -> dict[str, tuple[int, ...]]:
    shifts = OnCallShift.objects.filter(ward_id=ward_id).holding(at)
    return rules.on_call([shift.as_rule() for shift in shifts], at, ward_physicians(ward_id))


# --- what grading announced -------------------------------------------------------


def on_assessment(*, episode_id: int, acuity: int, previous_acuity: int | None) -> list[Alert]:
    episode = Episode.objects.select_related("patient").get(pk=episode_id)
    ward_id = episode.patient.ward_id
    settings = ward_settings(ward_id)
    # A prompt whose condition cleared takes its alert with it (a superseded
    # one is followed by its new instance, in on_prompts_opened).
    resolved = Alert.objects.open().filter(episode=episode, prompt__state=Prompt.RESOLVED)
    resolved.update(
        state=Alert.CLOSED,
        closed_at=timezone.now(),
        closed_because="prompt resolved: its condition cleared",
        due_at=None,
    )
    if acuity < 2:
        # The patient is no longer ill enough to page about: the alert closes.
        _close_open(episode, rules.ACUITY, f"acuity fell to {acuity}")
        return []
    cause = rules.acuity_cause(previous_acuity, acuity, settings)
    if cause is None:
        return []
    alert = _admit(episode, ward_id, cause, settings, acuity=acuity)
    return [alert] if alert else []


def on_prompts_opened(*, episode_id: int, prompt_ids: list[int]) -> list[Alert]:
    episode = Episode.objects.select_related("patient").get(pk=episode_id)
    ward_id = episode.patient.ward_id
    settings = ward_settings(ward_id)
    raised = []
    for prompt in Prompt.objects.filter(pk__in=prompt_ids, state=Prompt.OPEN).order_by("pk"):
        cause = rules.prompt_cause(prompt.code, prompt.severity, _prompt_words(prompt), settings)
        if cause is None:
            continue
        alert = _admit(episode, ward_id, cause, settings, prompt=prompt)
        if alert:
            raised.append(alert)
    return raised


def on_prompt_answered(*, prompt_id: int, by_id: int) -> None:
    """Answering the prompt on the patient's page stops its escalation."""
    for alert in Alert.objects.open().filter(prompt_id=prompt_id):
        acknowledge(alert, by=User.objects.get(pk=by_id), how="prompt answered")


def _prompt_words(prompt: Prompt) -> str:
    return prompt.code.replace("_", " ").capitalize() + f": {prompt.text}"[:250]


def _admit(episode, ward_id, cause: rules.Cause, settings, *, prompt=None, acuity=None):
    now = timezone.now()
    with transaction.atomic():
        # The episode row serialises raising alerts for one patient, as it
        # serialises regrades.
        Episode.objects.select_for_update(of=("self",)).filter(pk=episode.pk).first()
        current = Alert.objects.open().filter(episode=episode, cause=cause.key).first()
        last_closed = (
            Alert.objects.filter(episode=episode, cause=cause.key)
            .exclude(state=Alert.OPEN)
            .order_by("-pk")
            .first()
        )
        decision = rules.admit(
            cause,
            open_alert=current is not None,
            last_closed_at=last_closed.ended_at if last_closed else None,
            now=now,
            settings=settings,
        )
        if decision == rules.QUIET:
            log.info("alert %s for episode %s quiet: closed recently", cause.key, episode.pk)
            return None
        if decision == rules.MERGE:
            _merge(current, cause, prompt, acuity, settings, now)
            return None
        alert = Alert.objects.create(
            episode=episode,
            ward_id=ward_id,
            cause=cause.key,
            severity=cause.severity,
            words=cause.words[:300],
            prompt=prompt,
            acuity=acuity,
            opened_at=now,
            due_at=now + settings.escalate_after(cause.severity),
        )
        if cause.notify_now:
            _tell(alert, rules.FIRST_CALL, Notification.RAISED, now)
        _schedule(alert)
    return alert


def _merge(alert: Alert, cause: rules.Cause, prompt, acuity, settings, now) -> None:
    """The same cause again while its alert is open: no new message. A prompt
    raised again (escalated) becomes the one the alert points to; a high
    alert waiting silently that turns critical tells first call now."""
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    fields = []
    if prompt is not None and alert.prompt_id != prompt.pk:
        alert.prompt, alert.words = prompt, cause.words[:300]
        fields += ["prompt", "words"]
    if acuity is not None and (alert.acuity or 0) < acuity:
        alert.acuity, alert.words = acuity, cause.words[:300]
        fields += ["acuity", "words"]
    if cause.severity == rules.CRITICAL and alert.severity != rules.CRITICAL:
        alert.severity = rules.CRITICAL
        fields.append("severity")
        if cause.notify_now and alert.rounds == 0:
            alert.due_at = now + settings.escalate_after(rules.CRITICAL)
            fields.append("due_at")
            alert.save(update_fields=sorted(set(fields)))
            _tell(alert, alert.level, Notification.RAISED, now)
            _schedule(alert)
            return
    if fields:
        alert.save(update_fields=sorted(set(fields)))


def _close_open(episode, cause_key: str, because: str) -> None:
    now = timezone.now()
    Alert.objects.open().filter(episode=episode, cause=cause_key).update(
        state=Alert.CLOSED, closed_at=now, closed_because=because, due_at=None
    )


# --- telling people ------------------------------------------------------------------


def _tell(alert: Alert, level: str, reason: str, now: datetime) -> list[Notification]:
    """Tell whoever holds `level` now (or the next level that someone holds),
    through every channel that is on. Inside the alert's lock."""
    held_level, people = rules.recipients(rota_at(alert.ward_id, now), level)
    alert.rounds += 1
    alert.level = held_level if held_level in rules.LEVELS else level
    Alert.objects.filter(pk=alert.pk).update(rounds=alert.rounds, level=alert.level)
    if not people:
        log.warning("alert %s: nobody on call on ward %s to tell", alert.pk, alert.ward_id)
        return []
    told = []
    for person in User.objects.filter(pk__in=people).order_by("pk"):
        notification = Notification.objects.create(
            alert=alert,
            recipient=person,
            level=alert.level,
            reason=reason,
            round=alert.rounds,
            created_at=now,
        )
        told.append(notification)
        for channel in channels.enabled_channels():
            delivery = Delivery.objects.create(
                notification=notification,
                channel=channel.name,
                # The inbox is the page itself: delivered by being written.
                status=Delivery.SENT if channel.in_app else Delivery.QUEUED,
                sent_at=now if channel.in_app else None,
            )
            if not channel.in_app:
                _queue_delivery(delivery.pk)
    return told


def _queue_delivery(delivery_id: int) -> None:
    from .tasks import deliver

    def publish():
        try:
            deliver.apply_async((delivery_id,), retry=False)
        except Exception:
            # The broker is down: the row says queued; the escalation sweep
            # sends what was never published.
            log.exception("delivery %s not queued", delivery_id)

    transaction.on_commit(publish, robust=True)


def _schedule(alert: Alert) -> None:
    """A countdown for this alert's next step; the minutely sweep is the net."""
    from .tasks import escalate_alert

    if alert.due_at is None:
        return
    countdown = max(0.0, (alert.due_at - timezone.now()).total_seconds())
    # A countdown longer than the broker's visibility timeout is redelivered
    # (harmless: the step is idempotent), so only short ones are worth it.
    if countdown > 600:
        return
    alert_id = alert.pk

    def publish():
        try:
            escalate_alert.apply_async((alert_id,), countdown=countdown, retry=False)
        except Exception:
            log.exception("escalation countdown of alert %s not queued", alert_id)

    transaction.on_commit(publish, robust=True)


def message_for(delivery: Delivery) -> channels.Message:
    notification = delivery.notification
    alert = notification.alert
    patient = alert.episode.patient
    return channels.Message(
        notification_id=notification.pk,
        alert_id=alert.pk,
        recipient=notification.recipient.username,
        recipient_email=notification.recipient.email,
        level=notification.level,
        reason=notification.get_reason_display().lower(),
        severity=alert.severity,
        cause=alert.cause,
        patient=patient.display_name,
        bed=patient.bed or "-",
        ward=alert.ward.name,
        words=alert.words,
        link=channels.link_to(alert.pk),
    )


class RetryDelivery(Exception):
    """Raised for the task to retry with back-off."""


def deliver(delivery_id: int, *, last_try: bool) -> str:
    """Send one delivery through its channel, once. Records the outcome;
    raises RetryDelivery when a later attempt may succeed."""
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(of=("self",))
            .select_related(
                "notification__recipient",
                "notification__alert__episode__patient",
                "notification__alert__ward",
            )
            .get(pk=delivery_id)
        )
        if delivery.status in (Delivery.SENT, Delivery.FAILED):
            return delivery.status  # a redelivered task: done already
        channel = channels.CHANNELS[delivery.channel]
        message = message_for(delivery)
        delivery.attempts += 1
        try:
            if not channel.ready_for(message):
                raise channels.ChannelFailed(f"{channel.name}: no address", retry=False)
            channel.send(message)
        except channels.ChannelFailed as failure:
            delivery.last_error = str(failure)[:500]
            retry = failure.retry and not last_try
            delivery.status = Delivery.RETRYING if retry else Delivery.FAILED
            delivery.save(update_fields=["attempts", "last_error", "status"])
        else:
            delivery.status, delivery.sent_at = Delivery.SENT, timezone.now()
            delivery.save(update_fields=["attempts", "status", "sent_at"])
            return delivery.status
    if delivery.status == Delivery.RETRYING:
        raise RetryDelivery(delivery.last_error)
    log.warning("delivery %s failed: %s", delivery_id, delivery.last_error)
    return delivery.status


# --- the timer ----------------------------------------------------------------------


def escalate(alert_id: int, *, now: datetime | None = None) -> Alert | None:
    """Climb one step if the alert's timer ran out and nobody answered.
    Idempotent: a second worker finds the timer moved on and does nothing."""
    with transaction.atomic():
        alert = (
            Alert.objects.select_for_update(skip_locked=True)
            .filter(pk=alert_id, state=Alert.OPEN)
            .first()
        )
        if alert is None:
            return None
        now = now or timezone.now()
        if _closed_by_its_prompt(alert, now):
            return None
        settings = ward_settings(alert.ward_id)
        step = rules.next_step(
            level=alert.level,
            severity=alert.severity,
            due_at=alert.due_at or now,
            now=now,
            settings=settings,
        )
        if step is None:
            return None
        reason = Notification.RENOTIFIED if step.renotify else Notification.ESCALATED
        alert.due_at = step.next_due
        if not step.renotify:
            alert.escalations += 1
        alert.save(update_fields=["due_at", "escalations"])
        _tell(alert, step.level, reason, now)
        _schedule(alert)
        return alert


def _closed_by_its_prompt(alert: Alert, now: datetime) -> bool:
    """A prompt answered or cleared elsewhere ends its alert, even if the
    signal that says so was lost."""
    if alert.prompt_id is None:
        return False
    prompt = Prompt.objects.get(pk=alert.prompt_id)
    if prompt.state == Prompt.OPEN and not prompt.responses.exists():
        return False
    answer = prompt.last_answer()
    if answer is not None:
        _acknowledge_locked(alert, by=answer.by, how="prompt answered", at=answer.at)
    else:
        alert.state, alert.closed_at, alert.due_at = Alert.CLOSED, now, None
        alert.closed_because = f"prompt {prompt.get_state_display().lower()}"
        alert.save(update_fields=["state", "closed_at", "due_at", "closed_because"])
    return True


def escalate_due(now: datetime | None = None) -> int:
    """Every alert whose timer ran out, and any delivery never published."""
    now = now or timezone.now()
    stepped = 0
    for alert_id in Alert.objects.open().filter(due_at__lte=now).values_list("pk", flat=True):
        if escalate(alert_id, now=now):
            stepped += 1
    # A queued delivery this old was never picked up (the broker lost it).
    stale = now - timedelta(minutes=2)
    for delivery_id in Delivery.objects.filter(
        status=Delivery.QUEUED, created_at__lt=stale
    ).values_list("pk", flat=True):
        _queue_delivery(delivery_id)
    return stepped


# --- answering ------------------------------------------------------------------------


def acknowledge(alert: Alert, *, by, how: str = "inbox") -> Alert:
    if not may(by, "acknowledge_alert"):
        raise PermissionDenied("Only a physician acknowledges an alert.")
    with transaction.atomic():
        alert = Alert.objects.select_for_update().get(pk=alert.pk)
        if alert.state == Alert.ACKNOWLEDGED:
            return alert
        if alert.state == Alert.CLOSED:
            raise ValidationError(f"This alert closed by itself ({alert.closed_because}).")
        _acknowledge_locked(alert, by=by, how=how, at=timezone.now())
    return alert


def _acknowledge_locked(alert: Alert, *, by, how: str, at: datetime) -> None:
    alert.state, alert.acknowledged_at, alert.acknowledged_by = Alert.ACKNOWLEDGED, at, by
    alert.acknowledged_how, alert.due_at = how, None
    alert.save(
        update_fields=["state", "acknowledged_at", "acknowledged_by", "acknowledged_how", "due_at"]
    )


# --- the rota ----------------------------------------------------------------------


def shift_add(*, ward: Ward, level: str, person, starts_at, ends_at, by) -> OnCallShift:
    if not may(by, "keep_rota"):
        raise PermissionDenied("Only a physician or an administrator keeps the rota.")
    shift = OnCallShift(
        ward=ward, level=level, person=person, starts_at=starts_at, ends_at=ends_at, created_by=by
    )
    shift.full_clean()
    if not person.groups.filter(name=PHYSICIAN).exists():
        raise ValidationError({"person": "Only a physician can be on call."})
    shift.save()
    return shift


def shift_cancel(shift: OnCallShift, *, by) -> None:
    """Take a shift off the rota; the row stays, so the history is whole."""
    if not may(by, "keep_rota"):
        raise PermissionDenied("Only a physician or an administrator keeps the rota.")
    OnCallShift.objects.filter(pk=shift.pk, cancelled_at__isnull=True).update(
        cancelled_at=timezone.now(), cancelled_by=by
    )
