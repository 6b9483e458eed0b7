"""How the chart writes times a nurse reads."""

from datetime import datetime

from django.utils import timezone


def clock_time(moment: datetime) -> str:
    """ "21:52", or "28 Nov 21:52" when not today (ward time): a bare clock
    time is ambiguous across midnight."""
    at = timezone.localtime(moment)
    return f"{at:%H:%M}" if at.date() == timezone.localdate() else f"{at.day} {at:%b %H:%M}"
