"""The check on a dose about to be charted (clinical-rules.md sections 5 and 11):
steroid ceilings, confirmations, GM-CSF, the weight valid at a late dose's
time, and the off-label age of tocilizumab."""

from datetime import timedelta

import pytest

from grading.rules import (
    Snapshot,
    WeightEntry,
    check_dose_at,
    check_new_dose,
    evaluate,
    tocilizumab_status,
    weight_valid_at,
)
from grading.rules.case import evaluation_to_json, load_cases

from .chart import T, ago, neuro, snapshot, toci, vitals


def _codes(findings):
    return tuple(f.code for f in findings)


# --- Steroid ceilings ----------------------------------------------------------


@pytest.mark.parametrize(
    "drug, dose, blocked",
    [
        ("dexamethasone", 20, ()),
        ("dexamethasone", 20.5, ("over_max_dose",)),
        ("dexamethasone", 704, ("over_max_dose",)),
        ("methylprednisolone", 1000, ()),
        ("methylprednisolone", 1001, ("over_max_dose",)),
        ("hydrocortisone", 100, ()),
        ("hydrocortisone", 100.5, ("over_max_dose",)),
        ("acetaminophen", 1000, ()),
    ],
)
def test_a_steroid_above_its_ceiling_is_blocked(drug, dose, blocked):
    grade_3 = snapshot(vitals(temp=39.0, sbp=85, dbp=50, pressors=["norepinephrine"]))
    check = check_new_dose(grade_3, drug, dose, T)
    assert check.block_codes == blocked
    assert check.confirmations == ()


def test_the_ceiling_words_name_the_drug_and_the_limit():
    check = check_new_dose(snapshot(), "dexamethasone", 100, T)
    assert check.blocks[0].words.startswith("Above 20 mg, the largest single adult dose")


def test_a_child_is_blocked_at_the_ceiling_without_reading_an_adult_figure():
    check = check_new_dose(snapshot(age=9, weight=30), "dexamethasone", 24, T)
    assert check.block_codes == ("over_max_dose",)
    assert "20" not in check.blocks[0].words


def test_every_protocol_dose_is_within_its_ceiling():
    from grading.rules import PROTOCOLS, STEROID_CEILING_MG

    for protocol in PROTOCOLS.values():
        for rule in protocol.steroid_rules:
            assert rule.dose_mg <= STEROID_CEILING_MG[rule.drug], (protocol.code, rule)


# --- Confirmations -------------------------------------------------------------

GRADE_1 = vitals(temp=38.5)
GRADE_2 = vitals(temp=38.5, sbp=85, dbp=50)
GRADE_3 = vitals(temp=39.0, sbp=85, dbp=50, pressors=["norepinephrine"])


@pytest.mark.parametrize(
    "entries, age, protocol, expected",
    [
        pytest.param((GRADE_3,), 54, "A", (), id="adult-grade-3"),
        pytest.param((GRADE_1,), 54, "A", ("steroid_below_grade_3",), id="adult-grade-1"),
        pytest.param((GRADE_2,), 54, "A", ("steroid_below_grade_3",), id="adult-grade-2"),
        pytest.param((), 54, "B", ("steroid_below_grade_3",), id="no-crs"),
        pytest.param((GRADE_2, neuro(8)), 54, "A", (), id="grade-2-with-icans-1"),
        pytest.param((GRADE_3,), 17.9, "A", ("child_steroid",), id="child-grade-3"),
        pytest.param((GRADE_3,), 18, "A", (), id="18-is-adult"),
        pytest.param(
            (GRADE_1,), 12, "A", ("child_steroid", "steroid_below_grade_3"), id="child-grade-1"
        ),
    ],
)
def test_steroid_confirmations(entries, age, protocol, expected):
    chart = snapshot(*entries, age=age, weight=40, protocol=protocol)
    check = check_new_dose(chart, "dexamethasone", 10, T)
    assert check.confirmation_codes == expected
    assert check.blocks == ()
    assert check.needs_reason is ("steroid_below_grade_3" in expected)


def test_the_child_confirmation_reads_as_in_the_spec():
    check = check_new_dose(snapshot(GRADE_3, age=9, weight=30), "methylprednisolone", 30, T)
    assert "no paediatric rule: pharmacist to verify" in check.confirmations[0].words


def test_refractory_hypotension_at_grade_2_needs_no_confirmation_under_protocol_a():
    # Seed 000: hypotension persisting after tocilizumab is refractory.
    after = [vitals(minutes_ago=m, temp=38.4, sbp=84, dbp=50) for m in (180, 60)]
    chart = snapshot(*toci(5), *after, protocol="A")
    assert check_new_dose(chart, "dexamethasone", 10, T).confirmations == ()


def test_deterioration_at_grade_2_needs_no_confirmation_under_protocol_b():
    # Seed 001: grade risen since the first tocilizumab dose.
    before = vitals(minutes_ago=60 * 7, temp=38.6)  # grade 1 when tocilizumab was given
    now = vitals(minutes_ago=10, temp=38.4, sbp=84, dbp=50)  # grade 2 now
    chart = snapshot(*toci(6), before, now, protocol="B")
    assert check_new_dose(chart, "dexamethasone", 10, T).confirmations == ()


def test_a_late_steroid_is_judged_by_the_grade_at_its_own_time():
    # Grade 3 now, but at the dose's time 5 h ago the patient was grade 1.
    chart = snapshot(vitals(minutes_ago=60 * 6, temp=38.5), GRADE_3)
    assert check_new_dose(chart, "dexamethasone", 10, T).confirmations == ()
    late = check_new_dose(chart, "dexamethasone", 10, ago(5))
    assert late.confirmation_codes == ("steroid_below_grade_3",)


@pytest.mark.parametrize(
    "drug, expected",
    [("sargramostim", ("gm_csf_contraindicated",)), ("filgrastim", ())],
)
def test_gm_csf_is_warned_before_it_is_saved_and_g_csf_is_not(drug, expected):
    check = check_new_dose(snapshot(), drug, 0.25, T)
    assert check.confirmation_codes == expected


def test_a_brand_name_is_checked_as_tocilizumab():
    check = check_new_dose(snapshot(*toci(2)), "Actemra", 640, T)
    assert check.drug == "tocilizumab"
    assert check.block_codes == ("min_interval",)


# --- The weight valid at a dose's time ------------------------------------------

DAY = 24


@pytest.mark.parametrize(
    "weighed, dose_at, expected",
    [
        pytest.param(((80, DAY * 3),), 0, 80, id="latest-before"),
        pytest.param(((80, DAY * 3), (70, DAY * 1)), DAY * 2, 80, id="late-dose-uses-weight-then"),
        pytest.param(((80, DAY * 3), (70, DAY * 1)), 0, 70, id="now-uses-the-newest"),
        pytest.param(((80, DAY * 10),), DAY * 3, 80, id="exactly-7-days-before"),
        pytest.param(((80, DAY * 10),), DAY * 3 - 0.1, None, id="over-7-days-before"),
        pytest.param(((80, DAY * 3),), DAY * 4, 80, id="weighed-exactly-24h-after"),
        pytest.param(((80, DAY * 3),), DAY * 4 + 0.1, None, id="weighed-over-24h-after"),
        pytest.param(((80, DAY * 9), (70, DAY * 3)), DAY * 3.5, 80, id="before-wins-over-after"),
        pytest.param(((70, DAY * 3), (72, DAY * 2)), DAY * 4, 70, id="first-after"),
        pytest.param((), 0, None, id="never-weighed"),
    ],
)
def test_the_weight_valid_at_a_dose_time(weighed, dose_at, expected):
    weights = tuple(WeightEntry(at=ago(hours), kg=kg) for kg, hours in weighed)
    chart = Snapshot(at=T, age_years=54, weights=weights)
    found = weight_valid_at(chart, ago(dose_at))
    assert (found.kg if found else None) == expected


def test_a_late_tocilizumab_dose_weighed_after_it_is_not_refused_as_no_weight():
    # The issue: dose on day 1, weights on day 0 (over 7 days earlier here) and day 3.
    weights = (WeightEntry(at=ago(DAY * 10), kg=80), WeightEntry(at=ago(DAY * 2 - 12), kg=80))
    chart = Snapshot(at=T, age_years=54, weights=weights)
    assert check_dose_at(chart, ago(DAY * 2), 640) == ()
    assert check_dose_at(chart, ago(DAY * 2), 641) == ("over_max_dose",)


def test_a_late_dose_is_checked_against_the_weight_then_not_the_newest():
    # 100 kg then (800 mg), 60 kg now (480 mg): 800 mg was right at the time.
    weights = (WeightEntry(at=ago(DAY * 3), kg=100), WeightEntry(at=ago(1), kg=60))
    chart = Snapshot(at=T, age_years=54, weights=weights)
    assert check_dose_at(chart, ago(DAY * 2), 800) == ()
    assert check_dose_at(chart, T, 800) == ("over_max_dose",)
    assert tocilizumab_status(chart).dose_mg == 480


# --- next_allowed_at (clinical-rules.md section 5 r2) ----------------------------


def test_next_allowed_at_is_the_moment_a_dose_became_allowed_even_in_the_past():
    status = tocilizumab_status(snapshot(*toci(30)))
    assert status.may_give_now
    assert status.next_allowed_at == ago(22)


def test_doses_before_the_infusion_count_towards_the_limits():
    chart = snapshot(*toci(60, 50), protocol="B", infusion=ago(40))
    assert tocilizumab_status(chart).blocked_because == ("max_total",)


# --- Off-label age ------------------------------------------------------------------


@pytest.mark.parametrize("age, warned", [(1.5, True), (1.9, True), (2.0, False), (54, False)])
def test_under_2_years_tocilizumab_carries_the_off_label_warning(age, warned):
    chart = snapshot(age=age, weight=11)
    status = tocilizumab_status(chart)
    assert status.warnings == (("off_label_age",) if warned else ())
    assert status.dose_mg == 132  # still computed: a warning, not a block
    assert status.may_give_now
    check = check_new_dose(chart, "tocilizumab", 132, T)
    assert check.block_codes == ()
    assert _codes(check.warnings) == status.warnings


def test_the_prompt_says_off_label_under_2_years():
    chart = snapshot(vitals(temp=38.6, sbp=70, dbp=40), age=1.5, weight=11)
    prompt = next(p for p in evaluate(chart).prompts if p.code == "tocilizumab_indicated")
    assert "132 mg" in prompt.text
    assert "Off-label under 2 years: the tocilizumab label for CRS starts at 2 years" in prompt.text


def test_the_grade_command_takes_a_weight_history_and_reports_warnings():
    case = """{"at": "2026-03-02T08:00:00Z", "patient": {"age_years": 1.5, "weights": [
        {"at": "2026-02-20T08:00:00Z", "kg": 9.0}, {"at": "2026-03-01T08:00:00Z", "kg": 11.0}]},
        "medications": [{"at": "2026-03-01T06:00:00Z", "drug": "tocilizumab", "dose_mg": 132}]}"""
    (chart,), _ = load_cases(case)
    toci_json = evaluation_to_json(evaluate(chart))["tocilizumab"]
    assert toci_json["dose_mg"] == 132
    assert toci_json["warnings"] == ["off_label_age"]
    assert toci_json["next_allowed_at"] == "2026-03-01T14:00:00Z"
    # 2 h before the charted dose, weighed 4 h after it: only the interval blocks.
    assert check_dose_at(chart, chart.at - timedelta(hours=28), 132) == ("min_interval",)
    # 7.5 days after the first weight and 36 h before the second: no weight then.
    assert check_dose_at(chart, chart.at - timedelta(hours=60), 132) == ("no_weight",)


@pytest.mark.parametrize(
    "weights, field",
    [
        ('[{"at": "2026-03-01T08:00:00Z", "kg": 400}]', "patient.weights[0].kg"),
        ('[{"at": "2026-03-01T08:00:00Z"}]', "patient.weights[0].kg"),
        ('[{"at": "yesterday", "kg": 70}]', "patient.weights[0].at"),
        ('{"at": "2026-03-01T08:00:00Z", "kg": 70}', "patient.weights"),
    ],
)
def test_a_bad_weight_history_names_the_field(weights, field):
    from grading.rules.case import CaseError

    case = f'{{"at": "2026-03-02T08:00:00Z", "patient": {{"age_years": 40, "weights": {weights}}}}}'
    with pytest.raises(CaseError) as error:
        load_cases(case)
    assert error.value.field == field
