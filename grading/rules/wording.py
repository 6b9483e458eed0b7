"""How the rules write numbers and times in the reasons a nurse reads."""

from datetime import UTC, datetime, timedelta


def clock(moment: datetime, now: datetime) -> str:
    """ "07:45" for a time on the day of `now`, "1 Mar 07:45" otherwise, in the
    time zone `now` is given in (the ward's clock; UTC for a "Z" case).

    A 24 h look-back spans two days: a bare clock time would be ambiguous.
    """
    moment = moment.astimezone(now.tzinfo)
    if moment.date() == now.date():
        return f"{moment:%H:%M}"
    return f"{moment.day} {moment:%b %H:%M}"


def number(value: float) -> str:
    """86 rather than 86.0; 6.5 stays 6.5."""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:g}"


def celsius(value: float) -> str:
    return f"{value:.1f} °C"


def iso_z(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC with "Z", as spec/grade-command.md prints times."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def hours(value: float) -> str:
    return f"{number(value)} h"


def duration(delta: timedelta) -> str:
    """ "25 min", "1 h 10 min", "3 h": how long between two charted times."""
    minutes = max(0, round(delta.total_seconds() / 60))
    whole_hours, rest = divmod(minutes, 60)
    if not whole_hours:
        return f"{rest} min"
    return f"{whole_hours} h {rest} min" if rest else f"{whole_hours} h"
