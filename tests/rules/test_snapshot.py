"""The snapshot only ever holds what was charted at or before T."""

from datetime import datetime, timedelta

import pytest

from grading.rules import RULES_VERSION, Snapshot, VitalsEntry, WardSettings, evaluate

from .chart import T, ago, snapshot, vitals


def test_entries_after_t_are_dropped_and_the_rest_sorted():
    late, early, future = vitals(5), vitals(60), vitals(-5)
    chart = snapshot(late, future, early)
    assert chart.vitals == (early, late)


def test_as_of_cuts_the_chart_at_an_earlier_time():
    chart = snapshot(vitals(60), vitals(5))
    earlier = chart.as_of(ago(minutes=30))
    assert earlier.at == ago(minutes=30)
    assert earlier.vitals == chart.vitals[:1]
    with pytest.raises(ValueError):
        chart.as_of(T + timedelta(minutes=1))


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(lambda: Snapshot(at=datetime(2026, 3, 2, 8), age_years=40), id="naive-t"),
        pytest.param(lambda: VitalsEntry(at=datetime(2026, 3, 2, 8)), id="naive-vitals"),
        pytest.param(lambda: Snapshot(at=T, age_years=40, protocol="Z"), id="unknown-protocol"),
        pytest.param(lambda: VitalsEntry(at=T, vasopressors=("adrenaline",)), id="bad-pressor"),
        pytest.param(lambda: WardSettings(fever_lookback_hours=0), id="zero-setting"),
    ],
)
def test_a_snapshot_refuses_what_the_rules_cannot_read(build):
    with pytest.raises(ValueError):
        build()


def test_an_evaluation_carries_the_rules_version():
    result = evaluate(snapshot(vitals(temp=38.0)))
    assert result.rules_version == RULES_VERSION == "astct2019-r2"
    assert result.at == T
