"""Reads: who is on call, a person's inbox, an alert's trail, and the noise."""

import math
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db.models import Count, Min, Q, Sum
from django.utils import timezone

from crsmonitor.roles import PHYSICIAN
from patients.models import Episode, Ward

from . import rules
from .models import Alert, Notification, OnCallShift

User = get_user_model()


@dataclass(frozen=True)
class OnCall:
    ward: Ward
    levels: list[tuple[str, list]]  # (level words, people), levels someone holds
    from_rota: bool  # False: outside every shift, the ward's physicians


def on_call_now(wards: list[Ward], at: datetime | None = None) -> list[OnCall]:
    """Who is on call on each ward now, in two queries whatever the wards."""
    at = at or timezone.now()
    ids = [ward.pk for ward in wards]
    shifts: dict[int, list[OnCallShift]] = {pk: [] for pk in ids}
    for shift in OnCallShift.objects.filter(ward_id__in=ids).holding(at).select_related("person"):
        shifts[shift.ward_id].append(shift)
    physicians: dict[int, list] = {pk: [] for pk in ids}
    people = {}
    for person in (
        User.objects.filter(wards__in=ids, groups__name=PHYSICIAN, is_active=True)
        .distinct()
        .prefetch_related("wards")
        .order_by("last_name", "username")
    ):
        people[person.pk] = person
        for ward in person.wards.all():
            if ward.pk in physicians:
                physicians[ward.pk].append(person.pk)
    answer = []
    for ward in wards:
        for shift in shifts[ward.pk]:
            people[shift.person_id] = shift.person
        rota = rules.on_call(
            [shift.as_rule() for shift in shifts[ward.pk]], at, physicians[ward.pk]
        )
        levels = [
            (rules.LEVEL_WORDS[level], [people[pk] for pk in rota[level]])
            for level in rules.LEVELS
            if rota[level]
        ]
        answer.append(OnCall(ward, levels, from_rota=bool(shifts[ward.pk])))
    return answer


def rota(ward: Ward, *, since: datetime) -> list[OnCallShift]:
    return list(
        OnCallShift.objects.filter(ward=ward, ends_at__gt=since, cancelled_at__isnull=True)
        .select_related("person", "created_by")
        .order_by("starts_at", "level", "pk")
    )


def open_alert_count(user) -> int:
    """Open alerts this person was told about: the count on every page."""
    return Alert.objects.open().filter(notifications__recipient=user).distinct().count()


def inbox(user, *, limit: int = 100) -> list[Notification]:
    """This person's notifications, newest first, with their alert and patient."""
    return list(
        Notification.objects.filter(recipient=user)
        .select_related("alert__episode__patient", "alert__ward", "alert__acknowledged_by")
        .order_by("-created_at", "-pk")[:limit]
    )


def newest_open_notification(user) -> int:
    """The id of the newest notification of an open alert: the page's sound
    plays when it grows."""
    found = (
        Notification.objects.filter(recipient=user, alert__state=Alert.OPEN)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )
    return found or 0


def alert_trail(alert: Alert) -> list[Notification]:
    return list(
        alert.notifications.select_related("recipient")
        .prefetch_related("deliveries")
        .order_by("created_at", "pk")
    )


# --- the noise -----------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float | None:
    """Nearest rank: the smallest value with at least `fraction` of the values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def median(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def patient_days(wards: list[Ward], since: datetime, until: datetime) -> float:
    """Days in hospital of CAR-T episodes on these wards within the period."""
    total = timedelta(0)
    episodes = Episode.objects.filter(patient__ward__in=wards, admitted_at__lt=until).filter(
        Q(discharged_at__isnull=True) | Q(discharged_at__gt=since)
    )
    for admitted, discharged in episodes.values_list("admitted_at", "discharged_at"):
        start, end = max(admitted, since), min(discharged or until, until)
        if end > start:
            total += end - start
    return total.total_seconds() / 86400


@dataclass(frozen=True)
class Noise:
    since: datetime
    until: datetime
    notifications: int
    alerts: int
    patient_days: float
    per_patient_day: float | None
    acknowledged: int
    ack_median_minutes: float | None
    ack_p90_minutes: float | None
    unanswered: int
    escalations: int
    causes: list[tuple[str, int]]  # cause, notifications: the noisiest first


def noise(wards: list[Ward], since: datetime, until: datetime) -> Noise:
    notified = Notification.objects.filter(
        alert__ward__in=wards, created_at__gte=since, created_at__lt=until
    )
    count = notified.count()
    causes = Counter(dict(_cause_counts(notified)))
    alerts = Alert.objects.filter(ward__in=wards, opened_at__gte=since, opened_at__lt=until)
    told = alerts.filter(rounds__gt=0)
    # From the first time someone was told (a high prompt waits on the board first).
    minutes = [
        (acknowledged - first_told).total_seconds() / 60
        for first_told, acknowledged in told.filter(state=Alert.ACKNOWLEDGED)
        .annotate(first_told=Min("notifications__created_at"))
        .values_list("first_told", "acknowledged_at")
    ]
    days = patient_days(wards, since, until)
    return Noise(
        since=since,
        until=until,
        notifications=count,
        alerts=told.count(),
        patient_days=days,
        per_patient_day=count / days if days else None,
        acknowledged=len(minutes),
        ack_median_minutes=median(minutes),
        ack_p90_minutes=percentile(minutes, 0.9),
        unanswered=told.filter(state=Alert.OPEN).count(),
        escalations=alerts.aggregate(n=Sum("escalations"))["n"] or 0,
        causes=causes.most_common(10),
    )


def _cause_counts(notified):
    return (
        notified.values_list("alert__cause")
        .annotate(n=Count("pk"))
        .values_list("alert__cause", "n")
    )
