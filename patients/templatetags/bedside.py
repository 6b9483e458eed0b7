from datetime import datetime, timedelta

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import format_html

from clinical import labs, ranges

register = template.Library()


@register.filter
def fahrenheit(celsius) -> str:
    """°F beside °C, for nurses who think in °F (clinical-rules section 1)."""
    if celsius is None:
        return ""
    return f"{ranges.celsius_to_fahrenheit(float(celsius)):.1f}"


@register.filter
def plain(value) -> str:
    """A measured number as a nurse writes it: 94605.3, 10, 0.25 (no trailing zeros)."""
    if value is None:
        return ""
    return f"{float(value):.2f}".rstrip("0").rstrip(".")


@register.simple_tag
def lab_result(row, system: str) -> str:
    """A lab value in the ward's units with its unit, and an L or H in words
    beside it when it is outside the reference range (never colour alone)."""
    shown = row.shown(system)
    flag = row.flag
    if not flag:
        return shown
    test = row.test
    limit = test.lower_limit if flag == labs.LOW else test.upper_limit
    words = "low, below" if flag == labs.LOW else "high, above"
    limit_shown = test.shown(limit, system) if limit is not None else ""
    return format_html(
        '{} <strong class="lab-flag {}" title="{} {}">{}</strong>'
        '<span class="visually-hidden"> ({} {})</span>',
        shown,
        "low" if flag == labs.LOW else "high",
        words.capitalize(),
        limit_shown,
        flag,
        words,
        limit_shown,
    )


@register.filter
def duration(value: timedelta | None) -> str:
    """A compact span a nurse reads at a glance: "45 min", "4 h 20 min", "2 d 3 h"."""
    if value is None:
        return ""
    minutes = max(int(value.total_seconds() // 60), 0)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{minutes} min"


@register.filter
def ago(moment: datetime | None) -> str:
    if moment is None:
        return ""
    span = timezone.now() - moment
    return "just now" if span < timedelta(minutes=1) else f"{duration(span)} ago"


@register.simple_tag
def url_if_defined(name: str, *args) -> str:
    """The URL, or "" while the view behind the name does not exist yet."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""
