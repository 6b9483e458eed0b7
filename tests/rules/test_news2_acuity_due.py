"""NEWS2 and qSOFA, acuity and due times (clinical-rules.md sections 7 and 9,
13.2), table-tested on both sides of each boundary."""

from dataclasses import replace
from datetime import timedelta

import pytest

from grading.rules import NeuroEntry, Oxygen, VitalsEntry, evaluate
from grading.rules.news2 import (
    PULSE,
    RESPIRATION,
    SPO2_SCALE_1,
    SYSTOLIC,
    TEMPERATURE,
    _points,
    band,
    news2,
    qsofa,
    spo2_scale_2,
    temperature_one_decimal,
)

from .chart import T, ago, neuro, snapshot, vitals


def full(**overrides) -> VitalsEntry:
    """A complete set scoring NEWS2 0: RR 16, SpO2 97 on air, SBP 120, HR 70, 37.0 °C."""
    values = dict(
        at=ago(minutes=15),
        temperature_c=37.0,
        heart_rate=70,
        systolic=120,
        diastolic=70,
        respiratory_rate=16,
        spo2=97,
        vasopressors=(),
    )
    values.update(overrides)
    values.setdefault("oxygen", Oxygen("room_air"))
    return VitalsEntry(**values)


@pytest.mark.parametrize(
    "table, value, points",
    [
        (RESPIRATION, 8, 3),
        (RESPIRATION, 9, 1),
        (RESPIRATION, 11, 1),
        (RESPIRATION, 12, 0),
        (RESPIRATION, 20, 0),
        (RESPIRATION, 21, 2),
        (RESPIRATION, 24, 2),
        (RESPIRATION, 25, 3),
        (SPO2_SCALE_1, 91, 3),
        (SPO2_SCALE_1, 92, 2),
        (SPO2_SCALE_1, 93, 2),
        (SPO2_SCALE_1, 94, 1),
        (SPO2_SCALE_1, 95, 1),
        (SPO2_SCALE_1, 96, 0),
        (SYSTOLIC, 90, 3),
        (SYSTOLIC, 91, 2),
        (SYSTOLIC, 100, 2),
        (SYSTOLIC, 101, 1),
        (SYSTOLIC, 110, 1),
        (SYSTOLIC, 111, 0),
        (SYSTOLIC, 219, 0),
        (SYSTOLIC, 220, 3),
        (PULSE, 40, 3),
        (PULSE, 41, 1),
        (PULSE, 50, 1),
        (PULSE, 51, 0),
        (PULSE, 90, 0),
        (PULSE, 91, 1),
        (PULSE, 110, 1),
        (PULSE, 111, 2),
        (PULSE, 130, 2),
        (PULSE, 131, 3),
        (TEMPERATURE, 35.0, 3),
        (TEMPERATURE, 35.1, 1),
        (TEMPERATURE, 36.0, 1),
        (TEMPERATURE, 36.1, 0),
        (TEMPERATURE, 38.0, 0),
        (TEMPERATURE, 38.1, 1),
        (TEMPERATURE, 39.0, 1),
        (TEMPERATURE, 39.1, 2),
    ],
)
def test_news2_parameter_bands(table, value, points):
    assert _points(value, table) == points


@pytest.mark.parametrize(
    "spo2, on_oxygen, points",
    [
        (83, False, 3),
        (84, False, 2),
        (85, True, 2),
        (86, True, 1),
        (87, False, 1),
        (88, True, 0),
        (92, True, 0),
        (93, False, 0),
        (99, False, 0),
        (93, True, 1),
        (94, True, 1),
        (95, True, 2),
        (96, True, 2),
        (97, True, 3),
    ],
)
def test_spo2_scale_2(spo2, on_oxygen, points):
    assert spo2_scale_2(spo2, on_oxygen) == points


def test_temperature_is_scored_at_one_decimal_rounded_half_up():
    assert temperature_one_decimal(36.05) == 36.1
    assert _points(temperature_one_decimal(36.05), TEMPERATURE) == 0
    assert _points(temperature_one_decimal(36.04), TEMPERATURE) == 1


@pytest.mark.parametrize(
    "score, single_red, expected",
    [
        (4, False, "low"),
        (4, True, "low_medium"),
        (0, True, "low_medium"),
        (5, False, "medium"),
        (6, True, "medium"),
        (7, False, "high"),
        (7, True, "high"),
    ],
)
def test_bands(score, single_red, expected):
    assert band(score, single_red) == expected


def test_the_spec_example_scores_11():
    chart = snapshot(
        full(respiratory_rate=26, spo2=91, systolic=95, heart_rate=125, temperature_c=38.4),
        neuro(10),
    )
    result = news2(chart)
    assert (result.score, result.band, result.complete) == (11, "high", True)


def test_oxygen_scores_2_and_scale_2_is_a_patient_choice():
    on_oxygen = full(spo2=97, oxygen=Oxygen("nasal_cannula", 2))
    assert news2(snapshot(on_oxygen, neuro(10))).score == 2
    scale_2 = replace(snapshot(on_oxygen, neuro(10)), news2_scale=2)
    assert news2(scale_2).score == 2 + 3


def test_missing_parameters_are_named_and_the_rest_scored():
    result = news2(snapshot(vitals(temp=39.5, sbp=None)))
    assert result.complete is False
    assert "respiratory_rate" in result.missing and "consciousness" in result.missing
    assert result.score == 2  # temperature 39.5 and room air
    assert "incomplete" in result.reason


def test_a_parameter_older_than_the_evidence_window_is_missing():
    chart = snapshot(full(at=ago(hours=12)), vitals(temp=37.0, sbp=None))
    assert "heart_rate" in news2(chart).missing


@pytest.mark.parametrize(
    "entry, points",
    [
        pytest.param(neuro(10), 0, id="alert-ice-10"),
        pytest.param(neuro(9), 3, id="new-confusion-ice-9"),
        pytest.param(neuro(10, consciousness="awakens_to_voice"), 3, id="voice"),
        pytest.param(neuro(None), 3, id="cannot-perform-awake"),
        pytest.param(neuro(8, tool="CAPD"), 0, id="capd-8"),
        pytest.param(neuro(9, tool="CAPD"), 3, id="capd-9"),
    ],
)
def test_consciousness_from_the_latest_neuro_assessment(entry, points):
    assert dict(news2(snapshot(full(), entry)).parameters)["consciousness"] == points


def test_new_confusion_is_measured_against_the_baseline():
    baseline = NeuroEntry(at=T - timedelta(days=3), tool="ICE", score=8)
    assert dict(news2(snapshot(full(), baseline, neuro(8))).parameters)["consciousness"] == 0
    assert dict(news2(snapshot(full(), baseline, neuro(7))).parameters)["consciousness"] == 3


@pytest.mark.parametrize("age, computed", [(15.9, False), (16, True)])
def test_news2_is_for_adults_only(age, computed):
    result = news2(snapshot(full(), neuro(10), age=age))
    assert (result.score is not None) is computed


def test_qsofa():
    result = qsofa(snapshot(full(systolic=100, respiratory_rate=22), neuro(10)))
    assert (result.score, result.positive, result.complete) == (2, True, True)
    result = qsofa(snapshot(full(systolic=101, respiratory_rate=21), neuro(9)))
    assert (result.score, result.positive) == (1, False)


@pytest.mark.parametrize(
    "overrides, prompt",
    [
        pytest.param(dict(), None, id="news2-0"),
        pytest.param(dict(respiratory_rate=25), "news2_urgent", id="single-3"),
        pytest.param(
            dict(respiratory_rate=22, heart_rate=115, systolic=105), "news2_urgent", id="5"
        ),
        pytest.param(
            dict(respiratory_rate=25, heart_rate=115, systolic=105, spo2=95),
            "news2_emergency",
            id="7",
        ),
    ],
)
def test_news2_prompts(overrides, prompt):
    codes = {p.code for p in evaluate(snapshot(full(**overrides), neuro(10))).prompts}
    assert {c for c in codes if c.startswith("news2")} == ({prompt} if prompt else set())


# Acuity (section 9).
@pytest.mark.parametrize(
    "chart, level",
    [
        pytest.param((full(),), 0, id="calm"),
        pytest.param((full(temperature_c=38.2),), 1, id="crs-1"),
        pytest.param((full(systolic=85, diastolic=50),), 2, id="hypotension-without-fever"),
        pytest.param(
            (full(systolic=100, vasopressors=("norepinephrine",)),), 3, id="one-pressor-no-fever"
        ),
        pytest.param(
            (full(vasopressors=("norepinephrine", "epinephrine")),), 4, id="two-pressors-no-fever"
        ),
        pytest.param((vitals(temp=37.0, device="bipap"),), 4, id="bipap-no-fever"),
        pytest.param((full(respiratory_rate=25),), 2, id="news2-single-3"),
        pytest.param((full(respiratory_rate=26, spo2=91, heart_rate=125),), 3, id="news2-high"),
    ],
)
def test_acuity(chart, level):
    result = evaluate(snapshot(*chart, neuro(10)))
    assert result.acuity.level == level
    assert result.acuity.reasons


def test_afebrile_shock_is_named():
    chart = snapshot(full(vasopressors=("norepinephrine", "epinephrine")), neuro(10))
    result = evaluate(chart)
    assert result.crs.grade == 0
    assert result.acuity.reasons[0].startswith("Shock without fever")


def test_icans_sets_the_acuity():
    assert evaluate(snapshot(full(), neuro(5))).acuity.level == 2


# Due times (section 7 r2).
def test_calm_patient_vitals_every_4h_neuro_every_12h():
    chart = snapshot(full(), neuro(10))
    result = evaluate(chart).due
    assert result.vitals_at == ago(minutes=15) + timedelta(hours=4)
    assert result.neuro_at == ago(minutes=10) + timedelta(hours=12)


def test_crs_2_or_acuity_2_brings_vitals_to_hourly():
    result = evaluate(snapshot(full(systolic=85, diastolic=50), neuro(10))).due
    assert result.vitals_at == ago(minutes=15) + timedelta(hours=1)


def test_news2_7_brings_vitals_to_15_minutes():
    chart = snapshot(full(respiratory_rate=26, spo2=91, heart_rate=125), neuro(10))
    assert evaluate(chart).due.vitals_at == ago(minutes=15) + timedelta(minutes=15)


def test_icans_brings_neuro_checks_to_4h():
    assert evaluate(snapshot(full(), neuro(8))).due.neuro_at == ago(minutes=10) + timedelta(hours=4)


def test_nothing_charted_nothing_due():
    result = evaluate(snapshot()).due
    assert (result.vitals_at, result.neuro_at) == (None, None)


def test_overdue_once_the_due_time_has_passed():
    chart = snapshot(full(at=ago(hours=4, minutes=1)), neuro(10))
    result = evaluate(chart).due
    assert result.vitals_overdue(T) is True
    assert (
        evaluate(snapshot(full(at=ago(hours=3, minutes=59)), neuro(10))).due.vitals_overdue(T)
        is False
    )
