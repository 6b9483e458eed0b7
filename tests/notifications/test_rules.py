"""Who is told and when: the pure rules, as tables with the edge on both sides."""

from datetime import UTC, datetime, timedelta

import pytest

from notifications import rules
from notifications.rules import (
    CRITICAL,
    FIRST_CALL,
    HIGH,
    MERGE,
    QUIET,
    RAISE,
    SECOND_CALL,
    UNIT_LEAD,
    Shift,
    WardSettings,
)

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
DEFAULTS = WardSettings()
ANNA, BEN, CARA, DAN = 1, 2, 3, 4
DAY = [
    Shift(FIRST_CALL, ANNA, T0, T0 + timedelta(hours=12)),
    Shift(SECOND_CALL, BEN, T0, T0 + timedelta(hours=12)),
    Shift(UNIT_LEAD, CARA, T0 - timedelta(days=1), T0 + timedelta(days=6)),
]
NIGHT = [Shift(FIRST_CALL, DAN, T0 + timedelta(hours=12), T0 + timedelta(hours=24))]


@pytest.mark.parametrize(
    "at, expected",
    [
        # The shift starts on the minute it says...
        (T0, {FIRST_CALL: (ANNA,), SECOND_CALL: (BEN,), UNIT_LEAD: (CARA,)}),
        # ...and not a second before: only the lead's week holds then.
        (T0 - timedelta(seconds=1), {FIRST_CALL: (), SECOND_CALL: (), UNIT_LEAD: (CARA,)}),
        # At hand-over the night's first call holds the phone, not the day's.
        (T0 + timedelta(hours=12), {FIRST_CALL: (DAN,), SECOND_CALL: (), UNIT_LEAD: (CARA,)}),
        (
            T0 + timedelta(hours=12) - timedelta(seconds=1),
            {FIRST_CALL: (ANNA,), SECOND_CALL: (BEN,), UNIT_LEAD: (CARA,)},
        ),
    ],
)
def test_who_is_on_call_at_the_edges_of_a_shift(at, expected):
    assert rules.on_call(DAY + NIGHT, at, ward_physicians=[9]) == expected


def test_outside_every_shift_the_wards_physicians_are_first_call():
    long_after = T0 + timedelta(days=30)
    assert rules.on_call(DAY, long_after, ward_physicians=[7, 5, 7]) == {
        FIRST_CALL: (5, 7),
        SECOND_CALL: (),
        UNIT_LEAD: (),
    }


def test_two_people_may_share_a_level():
    shifts = [Shift(FIRST_CALL, ANNA, T0, T0 + timedelta(hours=1))] * 2 + [
        Shift(FIRST_CALL, BEN, T0, T0 + timedelta(hours=1))
    ]
    assert rules.on_call(shifts, T0, [])[FIRST_CALL] == (ANNA, BEN)


@pytest.mark.parametrize(
    "rota, level, expected",
    [
        ({FIRST_CALL: (1,), SECOND_CALL: (2,), UNIT_LEAD: (3,)}, SECOND_CALL, (SECOND_CALL, (2,))),
        # No second call on the rota: the unit lead is told.
        ({FIRST_CALL: (1,), SECOND_CALL: (), UNIT_LEAD: (3,)}, SECOND_CALL, (UNIT_LEAD, (3,))),
        # Nobody above: back to whoever is on call at all.
        ({FIRST_CALL: (1,), SECOND_CALL: (), UNIT_LEAD: ()}, UNIT_LEAD, (FIRST_CALL, (1,))),
        ({FIRST_CALL: (), SECOND_CALL: (), UNIT_LEAD: ()}, FIRST_CALL, (FIRST_CALL, ())),
    ],
)
def test_an_empty_level_passes_the_alert_on(rota, level, expected):
    assert rules.recipients(rota, level) == expected


@pytest.mark.parametrize(
    "previous, acuity, expected",
    [
        (None, 1, None),
        (1, 2, HIGH),  # up by one to 2
        (0, 2, HIGH),
        (2, 2, None),  # no rise
        (2, 3, CRITICAL),  # to 3 or more
        (0, 4, CRITICAL),
        (None, 3, CRITICAL),  # a first assessment rises from nothing
        (4, 3, None),  # falling
        (3, 4, CRITICAL),
    ],
)
def test_acuity_notifies_when_it_rises_to_2_or_more(previous, acuity, expected):
    cause = rules.acuity_cause(previous, acuity, DEFAULTS)
    assert (cause.severity if cause else None) == expected


def test_a_ward_may_switch_acuity_notifications_off():
    assert rules.acuity_cause(0, 4, WardSettings(notify_acuity=False)) is None


@pytest.mark.parametrize(
    "code, severity, settings, expected",
    [
        ("evaluate_other_causes", "critical", DEFAULTS, (CRITICAL, True)),
        ("tocilizumab_indicated", "high", DEFAULTS, (HIGH, False)),  # told only if unanswered
        ("telemetry", "medium", DEFAULTS, None),
        ("antifungal_prophylaxis", "low", DEFAULTS, None),
        ("news2_emergency", "critical", DEFAULTS, (CRITICAL, True)),
        ("news2_emergency", "critical", WardSettings(notify_news2_emergency=False), None),
        # Critical prompts switched off still escalate when nobody answers.
        (
            "icu_transfer",
            "critical",
            WardSettings(notify_critical_prompts=False),
            (CRITICAL, False),
        ),
    ],
)
def test_which_prompts_notify(code, severity, settings, expected):
    cause = rules.prompt_cause(code, severity, "words", settings)
    assert ((cause.severity, cause.notify_now) if cause else None) == expected


CAUSE = rules.Cause("acuity", CRITICAL, True, "Acuity rose")


@pytest.mark.parametrize(
    "open_alert, closed_minutes_ago, expected",
    [
        (True, None, MERGE),  # one alert per patient and cause while it is open
        (False, None, RAISE),
        (False, 59, QUIET),  # the quiet re-notify interval (60 min by default)
        (False, 60, RAISE),
        (True, 5, MERGE),
    ],
)
def test_dedup_and_the_quiet_interval(open_alert, closed_minutes_ago, expected):
    closed = None if closed_minutes_ago is None else T0 - timedelta(minutes=closed_minutes_ago)
    decision = rules.admit(
        CAUSE, open_alert=open_alert, last_closed_at=closed, now=T0, settings=DEFAULTS
    )
    assert decision == expected


@pytest.mark.parametrize(
    "level, severity, late_minutes, expected",
    [
        (FIRST_CALL, CRITICAL, -1, None),  # the timer still runs
        (FIRST_CALL, CRITICAL, 0, (SECOND_CALL, False, 15)),  # then second call, 15 min more
        (FIRST_CALL, HIGH, 0, (SECOND_CALL, False, 30)),
        (SECOND_CALL, CRITICAL, 0, (UNIT_LEAD, False, 60)),  # the lead, then re-notify hourly
        (UNIT_LEAD, CRITICAL, 3, (UNIT_LEAD, True, 60)),  # the top: told again
    ],
)
def test_the_escalation_steps(level, severity, late_minutes, expected):
    due = T0
    now = T0 + timedelta(minutes=late_minutes)
    step = rules.next_step(level=level, severity=severity, due_at=due, now=now, settings=DEFAULTS)
    if expected is None:
        assert step is None
    else:
        wanted_level, renotify, wait = expected
        assert (step.level, step.renotify, step.next_due) == (
            wanted_level,
            renotify,
            now + timedelta(minutes=wait),
        )


def test_the_rules_import_nothing_of_django():
    import ast
    from pathlib import Path

    tree = ast.parse(Path(rules.__file__).read_text())
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in (node.names if isinstance(node, ast.Import) else [ast.alias(node.module)])
    }
    assert imported <= {"collections", "dataclasses", "datetime"}
