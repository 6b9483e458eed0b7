"""A chart that grew takes the grades of its past from the chart it grew
from, and they are the grades worked out from scratch, whatever was added
(late entries, drugs, a fever), struck out, or asked at an earlier time."""

from dataclasses import replace
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from grading.rules import WardSettings, crs_history, grade_crs
from grading.rules.trajectory import KnownGrades, Trajectory

from .chart import INFUSION, T, drug, snapshot
from .test_course_walk import STAY_DAYS, long_vitals


def _from_scratch(chart):
    return [(m, grade_crs(replace(chart, at=m)).grade) for m, _ in crs_history(chart)]


@settings(max_examples=50, deadline=None)
@given(
    entries=long_vitals(),
    kept=st.integers(0, 120),
    struck=st.none() | st.integers(0, 119),
    doses=st.lists(st.integers(0, STAY_DAYS * 24), max_size=3),
    earlier_by=st.sampled_from([0, 0, 90, 60 * 30]),
)
def test_the_grades_of_a_grown_chart_are_the_grades_from_scratch(
    entries, kept, struck, doses, earlier_by
):
    infusion = INFUSION - timedelta(days=STAY_DAYS - 2)
    ward = WardSettings(crs_resolution_hours=24)
    drugs = [drug("tocilizumab", hours_ago=STAY_DAYS * 24 - h) for h in doses]
    before = snapshot(*entries[:kept], *drugs[:1], infusion=infusion, settings=ward)
    grown = [e for i, e in enumerate(entries) if i != struck]
    after = snapshot(
        *grown, *drugs, infusion=infusion, settings=ward, at=T - timedelta(minutes=earlier_by)
    )
    memo = KnownGrades()
    walked = Trajectory(before)
    walked._grades = memo.for_chart(before)
    list(walked.backwards())
    grown_trajectory = Trajectory(after)
    grown_trajectory._grades = memo.for_chart(after)
    assert list(grown_trajectory.backwards()) == list(reversed(_from_scratch(after)))
