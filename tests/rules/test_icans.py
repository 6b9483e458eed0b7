"""ICANS grade, clinical-rules.md section 3 (ASTCT 2019 tables 6 and 8)."""

import pytest

from grading.rules import NeuroEntry, Snapshot, grade_icans

from .chart import ago, neuro, snapshot


def icans(*entries, **kwargs):
    return grade_icans(snapshot(*entries, **kwargs))


@pytest.mark.parametrize(
    "score, consciousness, grade",
    [
        pytest.param(10, "alert", 0, id="ice-10"),
        pytest.param(9, "alert", 1, id="ice-9"),
        pytest.param(7, "alert", 1, id="ice-7"),
        pytest.param(6, "alert", 2, id="ice-6"),
        pytest.param(3, "alert", 2, id="ice-3"),
        pytest.param(2, "alert", 3, id="ice-2"),
        pytest.param(1, "alert", 3, id="ice-1"),
        pytest.param(0, "alert", 3, id="ice-0-awake-global-aphasia"),
        pytest.param(0, "unarousable", 4, id="ice-0-unarousable"),
        pytest.param(None, "alert", 3, id="ice-cannot-perform-awake"),
        pytest.param(None, "unarousable", 4, id="ice-cannot-perform-unarousable"),
    ],
)
def test_ice_score(score, consciousness, grade):
    assert icans(neuro(score, consciousness=consciousness)).grade == grade


@pytest.mark.parametrize(
    "score, grade",
    [
        pytest.param(0, 0, id="capd-0"),
        pytest.param(1, 1, id="capd-1"),
        pytest.param(8, 1, id="capd-8"),
        pytest.param(9, 3, id="capd-9"),
        pytest.param(32, 3, id="capd-32"),
        pytest.param(None, 3, id="capd-unable-to-perform-awake"),
    ],
)
def test_capd_score(score, grade):
    assert icans(neuro(score, tool="CAPD"), age=6).grade == grade


def test_capd_unable_to_perform_is_grade_4_only_when_unarousable():
    # Clinical-rules.md section 3 r2.
    unarousable = neuro(None, tool="CAPD", consciousness="unarousable")
    assert icans(unarousable, age=6).grade == 4
    assert "unarousable" in icans(unarousable, age=6).reasons[0]


def test_capd_grade_2_comes_from_consciousness():
    assert icans(neuro(5, tool="CAPD", consciousness="awakens_to_voice"), age=6).grade == 2


def test_the_tool_charted_decides_not_the_age():
    # CAPD may be used up to 21 for developmental delay (ASCO 2021).
    assert icans(neuro(9, tool="CAPD"), age=19).grade == 3


@pytest.mark.parametrize(
    "consciousness, grade",
    [
        pytest.param("alert", 0, id="alert"),
        pytest.param("awakens_spontaneously", 1, id="awakens-spontaneously"),
        pytest.param("awakens_to_voice", 2, id="awakens-to-voice"),
        pytest.param("awakens_to_touch", 3, id="awakens-to-touch"),
        pytest.param("unarousable", 4, id="unarousable"),
    ],
)
def test_level_of_consciousness(consciousness, grade):
    assert icans(neuro(10, consciousness=consciousness)).grade == grade


@pytest.mark.parametrize(
    "finding, grade",
    [
        pytest.param({"seizure": "none"}, 0, id="no-seizure"),
        pytest.param({"seizure": "rapidly_resolving"}, 3, id="seizure-resolving"),
        pytest.param({"seizure": "prolonged_or_repetitive"}, 4, id="seizure-prolonged"),
        pytest.param({"motor": False}, 0, id="no-weakness"),
        pytest.param({"motor": True}, 4, id="deep-focal-weakness"),
        pytest.param({"edema": "none"}, 0, id="no-oedema"),
        pytest.param({"edema": "focal"}, 3, id="focal-oedema"),
        pytest.param({"edema": "diffuse"}, 4, id="diffuse-oedema"),
    ],
)
def test_seizure_motor_and_oedema(finding, grade):
    assert icans(neuro(10, **finding)).grade == grade


def test_the_grade_is_the_most_severe_domain():
    result = icans(neuro(8, consciousness="awakens_to_voice", edema="focal"))
    assert result.grade == 3
    assert set(result.reasons) == {
        "ICE score 8",
        "Awakens only to voice",
        "Focal cerebral oedema on imaging",
    }


def test_the_spec_example_reads_ice_score_9():
    assert icans(neuro(9)).reasons == ("ICE score 9",)


def test_ice_5_alert_is_grade_2():
    assert icans(neuro(5)).grade == 2


@pytest.mark.parametrize(
    "entry, grade, excluded_reason",
    [
        pytest.param(
            neuro(5, excluded={"score"}),
            0,
            "ICE score 5: not counted (attributed to another cause)",
            id="score",
        ),
        pytest.param(
            neuro(10, consciousness="awakens_to_touch", excluded={"consciousness"}),
            0,
            "Awakens only to touch: not counted (attributed to another cause)",
            id="consciousness",
        ),
        pytest.param(
            neuro(8, seizure="rapidly_resolving", excluded={"seizure"}),
            1,
            "Seizure that resolved rapidly: not counted (attributed to another cause)",
            id="seizure-leaves-ice-8",
        ),
        pytest.param(
            neuro(10, motor=True, excluded={"motor"}),
            0,
            "Deep focal motor weakness (hemiparesis or paraparesis): not counted"
            " (attributed to another cause)",
            id="motor",
        ),
        pytest.param(
            neuro(10, edema="diffuse", excluded={"edema"}),
            0,
            "Diffuse cerebral oedema or signs of raised ICP: not counted"
            " (attributed to another cause)",
            id="edema",
        ),
    ],
)
def test_an_excluded_domain_does_not_count_and_the_reasons_say_so(entry, grade, excluded_reason):
    result = icans(entry)
    assert result.grade == grade
    assert excluded_reason in result.reasons


def test_the_latest_assessment_at_or_before_t_is_used():
    earlier = neuro(2, minutes_ago=120, ref="neuro:1")
    latest = neuro(10, minutes_ago=10, ref="neuro:2")
    result = icans(earlier, latest)
    assert result.grade == 0
    assert result.used == ("neuro:2",)


def test_an_assessment_after_t_is_ignored():
    later = neuro(0, consciousness="unarousable", minutes_ago=-30)
    assert icans(neuro(10), later).grade == 0


def test_no_assessment_is_grade_0_and_says_so():
    assert icans().reasons == ("No ICE/CAPD assessment since the infusion",)


def test_grade_0_says_what_was_seen():
    assert icans(neuro(10)).reasons == ("ICE score 10, alert, no other finding at 07:50",)


def test_a_baseline_before_the_infusion_never_grades_icans():
    baseline = NeuroEntry(at=ago(30), tool="ICE", score=7)  # a language barrier
    chart = Snapshot(at=ago(0), age_years=60, infusion_at=ago(24), neuro=(baseline,))
    grade = grade_icans(chart)
    assert grade.grade == 0
    assert grade.reasons == ("No ICE/CAPD assessment since the infusion",)
    after = NeuroEntry(at=ago(1), tool="ICE", score=7)
    assert (
        grade_icans(
            Snapshot(at=ago(0), age_years=60, infusion_at=ago(24), neuro=(baseline, after))
        ).grade
        == 1
    )
