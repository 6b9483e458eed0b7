"""Who is told, and when: pure functions, no Django, table-tested.

The services read the rota, the ward's settings and the open alerts from the
database, ask these functions, and write what they answer.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

FIRST_CALL, SECOND_CALL, UNIT_LEAD = "first_call", "second_call", "unit_lead"
# The order an unanswered alert climbs.
LEVELS = (FIRST_CALL, SECOND_CALL, UNIT_LEAD)
LEVEL_WORDS = {FIRST_CALL: "first call", SECOND_CALL: "second call", UNIT_LEAD: "unit lead"}

CRITICAL, HIGH = "critical", "high"
ACUITY = "acuity"  # the cause of an acuity alert; a prompt's cause is its code
NEWS2_EMERGENCY = "news2_emergency"


@dataclass(frozen=True)
class WardSettings:
    """What notifies on a ward and how fast it climbs (the issue's defaults)."""

    notify_critical_prompts: bool = True
    notify_acuity: bool = True
    notify_news2_emergency: bool = True
    escalate_critical_after: timedelta = timedelta(minutes=15)
    escalate_high_after: timedelta = timedelta(minutes=30)
    # After an alert for a patient and cause closes, the same cause stays
    # quiet this long; an alert no one answers at the top is told again this often.
    renotify_after: timedelta = timedelta(minutes=60)

    def escalate_after(self, severity: str) -> timedelta:
        return self.escalate_critical_after if severity == CRITICAL else self.escalate_high_after


@dataclass(frozen=True)
class Shift:
    level: str
    person: int
    starts_at: datetime
    ends_at: datetime

    def covers(self, at: datetime) -> bool:
        # Half-open: at the hand-over minute the next shift holds the phone.
        return self.starts_at <= at < self.ends_at


def on_call(
    shifts: Iterable[Shift], at: datetime, ward_physicians: Iterable[int]
) -> dict[str, tuple[int, ...]]:
    """Who holds each level at `at`. Outside every shift, the ward's
    physicians are first call and nobody holds the other levels."""
    holding: dict[str, list[int]] = {level: [] for level in LEVELS}
    for shift in sorted(shifts, key=lambda s: (s.starts_at, s.person)):
        if shift.covers(at) and shift.person not in holding[shift.level]:
            holding[shift.level].append(shift.person)
    if not any(holding.values()):
        holding[FIRST_CALL] = sorted(set(ward_physicians))
    return {level: tuple(people) for level, people in holding.items()}


def recipients(rota: dict[str, tuple[int, ...]], level: str) -> tuple[str, tuple[int, ...]]:
    """The people to tell at `level`: an empty level passes to the next one up
    (no second call on the rota: the unit lead), and past the top back down to
    whoever is on call at all, so an alert is never told to nobody while
    anyone is on call."""
    start = LEVELS.index(level)
    for candidate in (*LEVELS[start:], *reversed(LEVELS[:start])):
        if rota.get(candidate):
            return candidate, rota[candidate]
    return level, ()


@dataclass(frozen=True)
class Cause:
    key: str  # "acuity" or a prompt code
    severity: str  # critical or high: sets the escalation timer
    notify_now: bool  # tell first call now, or only if unanswered (a high prompt)
    words: str


def acuity_cause(previous: int | None, acuity: int, settings: WardSettings) -> Cause | None:
    """Acuity rising to 3 or more, or by a level to 2 or more. A first
    assessment rises from nothing (0)."""
    before = previous or 0
    if not settings.notify_acuity or acuity <= before or acuity < 2:
        return None
    severity = CRITICAL if acuity >= 3 else HIGH
    return Cause(ACUITY, severity, True, f"Acuity rose from {before} to {acuity}")


def prompt_cause(code: str, severity: str, words: str, settings: WardSettings) -> Cause | None:
    """A new critical prompt tells first call now; a high one is on the board
    and the bedside ("call the physician") and is told only when nobody
    answers it in time. `news2_emergency` follows its own switch."""
    if code == NEWS2_EMERGENCY:
        if not settings.notify_news2_emergency:
            return None
        return Cause(code, CRITICAL, True, words)
    if severity == CRITICAL and settings.notify_critical_prompts:
        return Cause(code, CRITICAL, True, words)
    if severity in (CRITICAL, HIGH):
        return Cause(code, severity, False, words)
    return None


# What to do with a cause that holds now.
RAISE, MERGE, QUIET = "raise", "merge", "quiet"


def admit(
    cause: Cause, *, open_alert: bool, last_closed_at: datetime | None, now: datetime, settings
) -> str:
    """One alert per patient and cause while it is open (no storms); the same
    cause closed a moment ago stays quiet for the re-notify interval."""
    if open_alert:
        return MERGE
    if last_closed_at is not None and now - last_closed_at < settings.renotify_after:
        return QUIET
    return RAISE


@dataclass(frozen=True)
class Step:
    level: str
    renotify: bool  # the same level told again (at the top, nobody answered)
    next_due: datetime


def next_step(
    *, level: str, severity: str, due_at: datetime, now: datetime, settings
) -> Step | None:
    """An unanswered alert whose timer ran out: tell the next level up; at the
    top, tell the unit lead again every re-notify interval. None while the
    timer runs."""
    if now < due_at:
        return None
    index = LEVELS.index(level)
    if index + 1 < len(LEVELS):
        following = LEVELS[index + 1]
        last = index + 1 == len(LEVELS) - 1
        wait = settings.renotify_after if last else settings.escalate_after(severity)
        return Step(following, False, now + wait)
    return Step(level, True, now + settings.renotify_after)
