"""Thin tasks: each channel delivery is its own task, so a failing channel
never holds up another; the escalation timer is a countdown per alert plus a
minutely sweep. Every task is idempotent (the services lock the row)."""

from celery import shared_task
from django.conf import settings

from . import services


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(services.RetryDelivery,),
    retry_backoff=1,
    retry_backoff_max=settings.NOTIFY_RETRY_MAX_SECONDS,
    retry_jitter=False,
    max_retries=settings.NOTIFY_MAX_RETRIES,
)
def deliver(self, delivery_id: int) -> str:
    return services.deliver(delivery_id, last_try=self.request.retries >= self.max_retries)


@shared_task(acks_late=True)
def escalate_alert(alert_id: int) -> bool:
    return services.escalate(alert_id) is not None


@shared_task(acks_late=True)
def escalate_due_alerts() -> int:
    return services.escalate_due()
