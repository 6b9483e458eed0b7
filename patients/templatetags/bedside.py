from datetime import datetime, timedelta

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import format_html

from clinical import labs, ranges, vocabulary
from patients.wording import clock_time

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
def lab_result(row, ward) -> str:
    """A lab value in the ward's units with its unit, and an L or H in words
    beside it when it is outside the ward's reference range (never colour alone)."""
    shown = row.shown(ward.lab_units)
    flag = row.flag_on(ward)
    if not flag:
        return shown
    low, high = row.test.limits(ward)
    limit = row.test.shown(low if flag == labs.LOW else high, ward.lab_units)
    words = "low, below" if flag == labs.LOW else "high, above"
    return format_html(
        '{} <strong class="lab-flag {}" title="{} {}">{}</strong>'
        '<span class="visually-hidden"> ({} {})</span>',
        shown,
        "low" if flag == labs.LOW else "high",
        words.capitalize(),
        limit,
        flag,
        words,
        limit,
    )


@register.simple_tag
def ward_lab_limits(ward) -> list[str]:
    """The ward's own reference limits in its units, e.g. "Platelets 130-450 ×10⁹/L"."""
    shown = []
    for limit in ward.lab_limits.select_related("test").order_by("test__name"):
        low, high = limit.test.limits(ward)
        unit = limit.test.unit_words(ward.lab_units)
        low_shown, high_shown = (
            labs.display_number(limit.test.catalogue, value, ward.lab_units)
            if value is not None
            else "–"
            for value in (low, high)
        )
        shown.append(f"{limit.test.name} {low_shown}-{high_shown} {unit}".rstrip())
    return shown


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
def clock(moment: datetime | None) -> str:
    """ "21:52", or "28 Nov 21:52" when not today, in the active (ward) time zone."""
    return "" if moment is None else clock_time(moment)


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


EVENT_WORDS = dict(vocabulary.EVENT_KINDS)


@register.filter
def event_words(kind: str) -> str:
    """A work-up event's code in words: "blood_culture" is "Blood culture"."""
    return EVENT_WORDS.get(kind, kind)


@register.filter
def drug_class(code: str) -> str:
    """The class built into a drug ("antibacterial"), or ""."""
    return vocabulary.drug_class(str(code)) or ""
