"""The course of CRS (clinical-rules.md section 8, 13.1) and what a set did not
record (section 2 r2), table-tested at their boundaries."""

from datetime import timedelta

import pytest

from grading.rules import WardSettings, evaluate, grade_crs
from grading.rules.catalogue import RULES
from grading.rules.course import crs_course

from .chart import INFUSION, ago, drug, snapshot, vitals

FEVER = 38.6


def quiet(hours_ago: float):
    return vitals(at=ago(hours=hours_ago), temp=37.0, sbp=120, dbp=70)


def course(*entries, **kwargs):
    return crs_course(snapshot(*entries, **kwargs))


def test_no_fever_no_crs():
    assert course(quiet(1)).status == "none"


def test_a_fever_after_infusion_starts_a_crs():
    result = course(vitals(at=ago(hours=3), temp=FEVER), quiet(1))
    assert (result.status, result.onset_at, result.resolved_at) == ("active", ago(hours=3), None)


def test_a_fever_before_infusion_starts_nothing():
    result = course(vitals(at=INFUSION - timedelta(hours=1), temp=FEVER), quiet(1))
    assert result.status == "none"


@pytest.mark.parametrize(
    "last_abnormal_hours_ago, status",
    [
        pytest.param(23, "active", id="23h-quiet-still-active"),
        pytest.param(24, "resolved", id="24h-quiet-resolved"),
    ],
)
def test_resolution_after_24h_quiet(last_abnormal_hours_ago, status):
    chart = (
        vitals(at=ago(hours=last_abnormal_hours_ago), temp=FEVER),
        quiet(last_abnormal_hours_ago - 1),
        quiet(0),
    )
    result = course(*chart)
    assert result.status == status
    if status == "resolved":
        # Section 8: the resolution time is the start of the quiet period.
        assert result.resolved_at == ago(hours=last_abnormal_hours_ago - 1)


def test_nothing_charted_is_not_quiet():
    # Section 13.1: the last set is 30 h old, so no quiet set lies in the
    # evidence window; the CRS stays active (and grading is overdue).
    chart = (vitals(at=ago(hours=40), temp=FEVER), quiet(30))
    assert course(*chart).status == "active"
    codes = {p.code for p in evaluate(snapshot(*chart)).prompts}
    assert "grading_overdue" in codes


@pytest.mark.parametrize("hours", [12, 24, 48])
def test_the_resolution_time_is_a_ward_choice(hours):
    chart = (vitals(at=ago(hours=hours), temp=FEVER), quiet(hours - 1), quiet(0))
    settings = WardSettings(crs_resolution_hours=hours, fever_lookback_hours=hours)
    assert course(*chart, settings=settings).status == "resolved"
    shorter = WardSettings(crs_resolution_hours=hours + 1, fever_lookback_hours=hours)
    assert course(*chart, settings=shorter).status == "active"


@pytest.mark.parametrize(
    "abnormal",
    [
        pytest.param(dict(sbp=85, dbp=50), id="hypotension"),
        pytest.param(dict(pressors=("norepinephrine",)), id="vasopressor"),
        pytest.param(dict(device="nasal_cannula", flow=2), id="oxygen"),
    ],
)
def test_hypotension_vasopressor_or_oxygen_keeps_the_crs_active(abnormal):
    chart = (vitals(at=ago(hours=40), temp=FEVER), vitals(at=ago(hours=20), temp=37.0, **abnormal))
    assert course(*chart, quiet(0)).status == "active"


def test_a_fever_after_resolution_is_a_new_onset():
    chart = (vitals(at=ago(hours=45), temp=FEVER), quiet(40), quiet(20), vitals(temp=38.2))
    result = course(*chart)
    assert result.status == "active"
    assert len(result.spells) == 2
    assert result.onsets == (ago(hours=45), ago(minutes=15))
    assert result.spells[0].resolved_at == ago(hours=40)


def test_the_fever_exemption_ends_with_the_crs():
    # Seed 000 / ASTCT: fever not required after antipyretics, r2: only while active.
    active = (vitals(at=ago(hours=20), temp=FEVER), drug("acetaminophen", 19))
    on_pressor = vitals(temp=37.0, sbp=95, dbp=55, pressors=("norepinephrine",))
    assert grade_crs(snapshot(*active, on_pressor)).grade == 3
    resolved = (
        vitals(at=ago(hours=40), temp=FEVER),
        drug("acetaminophen", 39),
        quiet(39),
        quiet(5),
    )
    assert grade_crs(snapshot(*resolved, on_pressor)).grade == 0


def test_an_old_fever_in_a_longer_look_back_does_not_count_after_resolution():
    # Section 13.1: with a 48 h look-back and 24 h resolution, a fever of the
    # resolved CRS is in the look-back but belongs to the resolved CRS.
    chart = (vitals(at=ago(hours=30), temp=FEVER), quiet(29), quiet(0))
    settings = WardSettings(fever_lookback_hours=48)
    assert grade_crs(snapshot(*chart, settings=settings)).grade == 0


# Section 2 r2: what a set did not record.
def test_a_temperature_only_set_keeps_the_vasopressor():
    chart = (
        vitals(at=ago(hours=1), temp=FEVER, sbp=92, dbp=50, pressors=("norepinephrine",)),
        vitals(temp=38.4, sbp=None, device=None, pressors=None),
    )
    grade = grade_crs(snapshot(*chart))
    assert grade.grade == 3
    assert any("last charted" in reason for reason in grade.reasons)


def test_an_explicit_empty_list_stops_the_vasopressor():
    chart = (
        vitals(at=ago(hours=1), temp=FEVER, sbp=92, dbp=50, pressors=("norepinephrine",)),
        vitals(temp=38.4, sbp=110, dbp=60, pressors=()),
    )
    assert grade_crs(snapshot(*chart)).grade == 1


@pytest.mark.parametrize(
    "hours_old, grade",
    [
        pytest.param(11.9, 2, id="11h54-still-grades"),
        pytest.param(12, 1, id="exactly-12h-stale"),
    ],
)
def test_a_low_pressure_older_than_the_evidence_window_no_longer_grades(hours_old, grade):
    chart = (
        vitals(at=ago(hours=hours_old), temp=37.0, sbp=80, dbp=45),
        vitals(temp=FEVER, sbp=None, device=None, pressors=None),
    )
    result = evaluate(snapshot(*chart))
    assert result.crs.grade == grade
    codes = {p.code for p in result.prompts}
    assert ("grading_overdue" in codes) is (grade == 1)
    if grade == 1:
        assert any("No blood pressure charted in the last 12 h" in r for r in result.crs.reasons)


def test_stale_oxygen_no_longer_grades():
    chart = (
        vitals(at=ago(hours=13), temp=37.0, sbp=120, dbp=70, device="bipap"),
        vitals(temp=FEVER, sbp=118, dbp=70, device=None, pressors=None),
    )
    result = evaluate(snapshot(*chart))
    assert result.crs.grade == 1
    assert "grading_overdue" in {p.code for p in result.prompts}


def test_temperature_only_sets_never_resolve_a_crs_on_a_vasopressor():
    """Section 13.1: nothing charted is not quiet. Temperature-only sets after
    the last full set leave the circulation unknown, so the CRS stays active
    and the exemption keeps grading the vasopressor."""
    chart = [
        vitals(at=ago(hours=40), temp=38.8, sbp=92, dbp=50, pressors=("norepinephrine",)),
        drug("acetaminophen", 39),
    ]
    chart += [
        vitals(at=ago(hours=h), temp=37.0, sbp=None, device=None, pressors=None)
        for h in range(36, 0, -4)
    ]
    now = vitals(temp=37.0, sbp=95, dbp=55, pressors=("norepinephrine",))
    assert course(*chart).status == "active"
    assert grade_crs(snapshot(*chart, now)).grade == 3


def test_a_set_without_temperature_is_not_quiet():
    chart = (
        vitals(at=ago(hours=30), temp=FEVER),
        vitals(at=ago(hours=2), temp=None, sbp=120, dbp=70),
    )
    assert course(*chart).status == "active"


@pytest.mark.parametrize(
    "chart",
    [
        pytest.param((vitals(temp=FEVER, sbp=85, dbp=50),), id="fever-hypotension"),
        pytest.param((vitals(temp=37.0, pressors=("norepinephrine",)),), id="afebrile-shock"),
        pytest.param(
            (vitals(at=ago(hours=20), temp=FEVER), drug("acetaminophen", 19), quiet(0)),
            id="exemption",
        ),
        pytest.param((vitals(at=ago(hours=40), temp=FEVER), quiet(39), quiet(0)), id="resolved"),
    ],
)
def test_every_reason_names_a_rule_with_a_source(chart):
    """Clinical-rules §12 and DESIGN: every grade explains itself, each reason
    with the rule that produced it and where that rule comes from."""
    result = evaluate(snapshot(*chart))
    for grade in (result.crs, result.icans, result.acuity):
        assert len(grade.rules) == len(grade.reasons) > 0
        for rule, _reason in grade.why():
            assert RULES[rule].source
