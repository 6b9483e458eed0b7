"""Tocilizumab dose and blocks, clinical-rules.md sections 4 and 5."""

from datetime import timedelta

import pytest

from grading.rules import (
    Snapshot,
    WardSettings,
    block_words,
    check_dose,
    check_dose_at,
    tocilizumab_status,
)

from .chart import T, ago, drug, snapshot, toci


@pytest.mark.parametrize(
    "weight, dose, per_kg",
    [
        pytest.param(80, 640, 8, id="80kg-adult"),
        pytest.param(30, 240, 8, id="30kg-8mg-per-kg"),
        pytest.param(29.9, 359, 12, id="29.9kg-12mg-per-kg"),
        pytest.param(25, 300, 12, id="25kg-child"),
        pytest.param(100, 800, 8, id="100kg-exactly-800"),
        pytest.param(110, 800, 8, id="110kg-capped"),
        pytest.param(30.0625, 241, 8, id="half-mg-rounds-up"),
        pytest.param(0.5, 6, 12, id="smallest-weight"),
    ],
)
def test_label_dose(weight, dose, per_kg):
    status = tocilizumab_status(snapshot(weight=weight))
    assert (status.dose_mg, status.mg_per_kg) == (dose, per_kg)


def test_no_dose_without_a_weight():
    status = tocilizumab_status(snapshot(weight=None))
    assert (status.dose_mg, status.mg_per_kg) == (None, None)
    assert status.blocked_because == ("no_weight",)


@pytest.mark.parametrize(
    "weight_at, blocked",
    [
        pytest.param(None, (), id="current-weight"),
        pytest.param(ago(hours=24 * 7), (), id="exactly-7-days-old"),
        pytest.param(ago(hours=24 * 7, minutes=1), ("no_weight",), id="7-days-1-min-old"),
        pytest.param(T + timedelta(minutes=1), ("no_weight",), id="weighed-after-t"),
    ],
)
def test_a_weight_older_than_7_days_counts_as_none(weight_at, blocked):
    status = tocilizumab_status(snapshot(weight_at=weight_at))
    assert status.blocked_because == blocked
    assert (status.dose_mg is None) == bool(blocked)


def test_the_weight_validity_is_a_ward_setting():
    settings = WardSettings(weight_valid_days=3)
    status = tocilizumab_status(snapshot(weight_at=ago(hours=24 * 4), settings=settings))
    assert status.blocked_because == ("no_weight",)


@pytest.mark.parametrize(
    "protocol, hours_ago, blocked, next_allowed",
    [
        pytest.param("A", (), (), None, id="A-none-given"),
        pytest.param("A", (5,), ("min_interval",), ago(hours=-3), id="A-5h-ago"),
        pytest.param("A", (8,), (), ago(hours=0), id="A-exactly-8h-allowed"),
        pytest.param("A", (7 + 59 / 60,), ("min_interval",), ago(minutes=-1), id="A-7h59-blocked"),
        pytest.param("A", (40, 30, 20, 10), ("max_total",), None, id="A-4-in-episode"),
        pytest.param("A", (23, 16, 9), ("max_per_24h",), ago(hours=-1), id="A-3-in-24h"),
        pytest.param("A", (24, 16, 8), (), ago(hours=0), id="A-dose-24h-ago-left-window"),
        pytest.param(
            "A", (20, 14, 4), ("min_interval", "max_per_24h"), ago(hours=-4), id="A-two-blocks"
        ),
        pytest.param("B", (5,), ("min_interval",), ago(hours=-3), id="B-5h-ago"),
        pytest.param("B", (8,), (), ago(hours=0), id="B-label-8h"),
        pytest.param("B", (30, 20), ("max_total",), None, id="B-2-in-episode"),
        pytest.param("B", (30, 10), ("max_total",), None, id="B-2-no-24h-limit"),
    ],
)
def test_blocks_and_next_allowed_time(protocol, hours_ago, blocked, next_allowed):
    status = tocilizumab_status(snapshot(*toci(*hours_ago), protocol=protocol))
    assert status.blocked_because == blocked
    assert status.may_give_now is (blocked == ())
    assert status.next_allowed_at == next_allowed


def test_counters_and_remaining_allowance():
    status = tocilizumab_status(snapshot(*toci(30, 10)))
    assert (status.doses_total, status.doses_last_24h) == (2, 1)
    assert status.last_dose_at == ago(hours=10)
    assert (status.remaining_total, status.remaining_24h) == (2, 2)
    status_b = tocilizumab_status(snapshot(*toci(30), protocol="B"))
    assert (status_b.remaining_total, status_b.remaining_24h) == (1, None)


def test_doses_after_t_do_not_count():
    status = tocilizumab_status(snapshot(*toci(10, -1)))
    assert status.doses_total == 1


def test_the_label_floor_applies_when_a_protocol_is_looser(monkeypatch):
    from dataclasses import replace

    from grading.rules import protocols

    loose = replace(
        protocols.PROTOCOL_A,
        code="C",
        tocilizumab_min_interval_hours=4,
        tocilizumab_max_total=None,
        tocilizumab_max_per_24h=None,
    )
    monkeypatch.setitem(protocols._BY_CODE, "C", loose)
    assert tocilizumab_status(snapshot(*toci(6), protocol="C")).blocked_because == ("min_interval",)
    four = toci(60, 50, 40, 30)
    assert tocilizumab_status(snapshot(*four, protocol="C")).blocked_because == ("max_total",)


@pytest.mark.parametrize(
    "weight, dose, blocked",
    [
        pytest.param(80, 640, (), id="label-dose"),
        pytest.param(80, 641, ("over_max_dose",), id="1mg-over"),
        pytest.param(80, 576, (), id="10pct-below-vial-rounding"),
        pytest.param(80, 400, (), id="lower-dose-not-blocked"),
        pytest.param(110, 800, (), id="800-capped"),
        pytest.param(110, 801, ("over_max_dose",), id="over-800"),
        pytest.param(25, 300, (), id="25kg-child-300"),
        pytest.param(25, 301, ("over_max_dose",), id="25kg-child-301"),
        pytest.param(None, 800, ("no_weight",), id="no-weight-800"),
        pytest.param(None, 801, ("over_max_dose", "no_weight"), id="no-weight-over-800"),
    ],
)
def test_check_dose(weight, dose, blocked):
    assert check_dose(snapshot(weight=weight), dose) == blocked


def test_check_dose_adds_over_max_dose_to_the_other_blocks():
    chart = snapshot(*toci(5))
    assert check_dose(chart, 700) == ("over_max_dose", "min_interval")


@pytest.mark.parametrize("dose", [0, -10])
def test_check_dose_refuses_a_dose_that_is_not_positive(dose):
    with pytest.raises(ValueError):
        check_dose(snapshot(), dose)


def test_other_drugs_do_not_count_as_tocilizumab():
    chart = snapshot(drug("siltuximab", 2, 800), drug("dexamethasone", 1, 10))
    assert tocilizumab_status(chart).doses_total == 0


@pytest.mark.parametrize(
    "code, protocol, expected",
    [
        ("over_max_dose", "A", "Above the label dose for 80 kg (640 mg)"),
        ("min_interval", "A", "Less than 8 h since the last tocilizumab dose"),
        ("max_per_24h", "A", "Would be dose 4 in 24 h; protocol A allows 3"),
        ("max_total", "A", "Protocol A allows 4 doses in the episode"),
        ("max_total", "B", "Protocol B allows 2 doses in the episode"),
        ("no_weight", "B", "No weight recorded in the last 7 days"),
    ],
)
def test_every_block_code_has_words_with_the_protocols_numbers(code, protocol, expected):
    snapshot = Snapshot(at=T, age_years=50, weight_kg=80.0, protocol=protocol)
    assert block_words(code, snapshot).startswith(expected)


def _late(protocol, given_hours_ago, at_hours_ago, weight=80.0):
    chart = snapshot(*toci(*given_hours_ago), weight=weight, protocol=protocol)
    return check_dose_at(chart, ago(at_hours_ago), 640)


@pytest.mark.parametrize(
    "protocol, given, at, expected",
    [
        ("A", (), 2, ()),
        ("A", (20,), 12, ()),  # exactly 8 h after
        ("A", (20,), 12.5, ("min_interval",)),  # 7.5 h after the earlier dose
        ("A", (10,), 17.5, ("min_interval",)),  # a late entry 7.5 h before a later dose
        ("A", (10,), 18, ()),  # exactly 8 h before it
        ("A", (0.0,), 0.0, ("min_interval",)),  # two people charting the same minute
        ("A", (23, 15, 7), 31.5, ()),  # window before the first holds only two
        ("A", (20, 12, 4), 27, ("min_interval", "max_per_24h")),
        ("A", (40, 30, 20, 10), 50, ("max_total",)),
        ("B", (20,), 0.1, ()),
        ("B", (20, 10), 0.1, ("max_total",)),
        ("B", (20, 10), 30, ("max_total",)),  # a late entry counts toward the episode too
    ],
)
def test_a_dose_is_checked_against_doses_before_and_after_it(protocol, given, at, expected):
    assert _late(protocol, given, at) == expected


def test_a_late_fourth_dose_in_24_hours_is_blocked():
    # Doses 16 h, 8 h and 0 h ago; a late one 24 h ago is 8 h before the first:
    # the window ending at the latest dose holds 16, 8, 0 only, but the window
    # ending 0 h ago counts from (-24 h, 0]: 16, 8, 0 - the late dose at exactly
    # 24 h ago has left it. One 23 h ago would be the fourth: blocked.
    assert "max_per_24h" not in _late("A", (16, 8, 0), 24)
    assert "max_per_24h" in _late("A", (16, 8, 0.5), 24)


def test_a_late_dose_needs_a_weight_valid_at_its_own_time():
    # Clinical-rules.md section 5 r2: a weight up to 24 h after the dose counts.
    chart = snapshot(weight=80.0, weight_at=ago(1), protocol="A")
    assert check_dose_at(chart, ago(2), 640) == ()
    assert check_dose_at(chart, ago(25), 640) == ()
    assert check_dose_at(chart, ago(25, minutes=1), 640) == ("no_weight",)
