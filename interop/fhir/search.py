"""FHIR search parameters, parsed strictly: a parameter this server does not
know, or a value it cannot read, is a 400 naming it (never silently ignored:
a dropped filter would hand an EHR more patients' data than it asked for)."""

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from . import codes as c

DEFAULT_COUNT = 50
MAX_COUNT = 200
# Accepted everywhere, and ignored: the format is always application/fhir+json.
IGNORED = {"_format"}
PREFIXES = ("ge", "le", "gt", "lt", "eq")


class BadParameter(Exception):
    def __init__(self, name: str, message: str):
        super().__init__(message)
        self.name = name
        self.message = message


@dataclass
class Search:
    count: int = DEFAULT_COUNT
    offset: int = 0
    patient: int | None = None
    tokens: dict[str, list[tuple[str | None, str]]] = field(default_factory=dict)
    dates: dict[str, list[tuple[str, datetime, datetime]]] = field(default_factory=dict)
    strings: dict[str, str] = field(default_factory=dict)


def parse(query, allowed: dict[str, str]) -> Search:
    """`allowed`: parameter name -> kind ("reference", "token", "date", "string")."""
    search = Search()
    for name in query:
        if name in IGNORED:
            continue
        values = query.getlist(name)
        if name == "_count":
            search.count = _integer(name, values, 1, MAX_COUNT)
        elif name == "_offset":
            search.offset = _integer(name, values, 0, 10**6)
        elif name not in allowed:
            known = ", ".join(sorted({*allowed, "_count", "_offset"}))
            raise BadParameter(
                name, f"Unknown search parameter “{name}”: this server knows {known}."
            )
        elif allowed[name] == "reference":
            search.patient = _patient(name, values)
        elif allowed[name] == "token":
            search.tokens[name] = [_token(name, part) for value in values for part in _or(value)]
        elif allowed[name] == "date":
            search.dates[name] = [_date(name, value) for value in values]
        else:
            search.strings[name] = _single(name, values)
    return search


def _single(name: str, values: list[str]) -> str:
    if len(values) != 1 or not values[0].strip():
        raise BadParameter(name, f"Give “{name}” once, with a value.")
    return values[0].strip()


def _or(value: str) -> list[str]:
    parts = [part.strip() for part in value.split(",")]
    if not all(parts):
        return [""]
    return parts


def _integer(name: str, values: list[str], low: int, high: int) -> int:
    text = _single(name, values)
    if not text.isdigit() or not low <= int(text) <= high:
        raise BadParameter(name, f"“{name}” must be a whole number from {low} to {high}.")
    return int(text)


def _patient(name: str, values: list[str]) -> int:
    text = _single(name, values)
    match = re.fullmatch(r"(?:Patient/)?(\d{1,18})", text)
    if not match:
        raise BadParameter(name, f"“{name}” must be a patient id, e.g. Patient/12 or 12.")
    return int(match.group(1))


def _token(name: str, text: str) -> tuple[str | None, str]:
    if not text:
        raise BadParameter(name, f"“{name}” needs a code, e.g. {c.LOINC}|8867-4 or 8867-4.")
    if "|" in text:
        system, code = text.split("|", 1)
        if not code:
            raise BadParameter(name, f"“{name}” needs a code after the “|”.")
        return system, code
    return None, text


def _date(name: str, text: str) -> tuple[str, datetime, datetime]:
    """(prefix, start, end) of the value's precision: 2026-11-30 covers the whole day."""
    prefix = text[:2] if text[:2] in PREFIXES else "eq"
    value = text[2:] if text[:2] in PREFIXES else text
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            day = date.fromisoformat(value)
            start = datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())
            return prefix, start, start + timedelta(days=1)
        moment = parse_datetime(value.replace(" ", "+"))
    except (ValueError, OverflowError):
        moment = None
    if moment is None or moment.tzinfo is None:
        raise BadParameter(
            name,
            f"“{name}” must be [ge|le|gt|lt|eq] and a date (2026-11-30) or a time with its"
            f" offset (2026-11-30T08:00:00Z); “{text}” is neither.",
        )
    try:
        return prefix, moment, moment + timedelta(seconds=1)
    except OverflowError:
        raise BadParameter(name, f"“{name}” is out of the calendar's range.") from None


def date_filter(field_name: str, ranges: list[tuple[str, datetime, datetime]]) -> Q:
    """Every value must hold (FHIR: repeated parameters are AND)."""
    q = Q()
    for prefix, start, end in ranges:
        q &= {
            "ge": Q(**{f"{field_name}__gte": start}),
            "gt": Q(**{f"{field_name}__gte": end}),
            "le": Q(**{f"{field_name}__lt": end}),
            "lt": Q(**{f"{field_name}__lt": start}),
            "eq": Q(**{f"{field_name}__gte": start, f"{field_name}__lt": end}),
        }[prefix]
    return q


def last_updated_filter(ranges: list[tuple[str, datetime, datetime]]) -> Q:
    """A chart row was last updated when it was recorded, or later marked in error."""
    q = Q()
    for prefix, start, end in ranges:
        later = {"ge": start, "gt": end, "eq": start}.get(prefix)
        earlier = {"le": end, "lt": start, "eq": end}.get(prefix)
        if later is not None:
            q &= Q(recorded_at__gte=later) | Q(entered_in_error_at__gte=later)
        if earlier is not None:
            q &= Q(recorded_at__lt=earlier) & (
                Q(entered_in_error_at__isnull=True) | Q(entered_in_error_at__lt=earlier)
            )
    return q


def matches(tokens: list[tuple[str | None, str]], codings) -> bool:
    return any(
        code == wanted_code and (system is None or system == wanted_system)
        for system, code in tokens
        for wanted_system, wanted_code, *_ in codings
    )
