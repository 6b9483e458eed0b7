"""The CRS course is walked once per chart: every earlier view of it
(Snapshot.as_of, as the trajectory asks dozens of times) stands where that
walk stood. On long, varied charts the course of every earlier view, and the
grades of the whole trajectory, are exactly those of the course computed from
scratch, and exactly those of the course as it was written before the walk
was shared (`reference_course` below, kept verbatim)."""

from dataclasses import replace
from datetime import datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from grading.rules import Oxygen, Snapshot, VitalsEntry, WardSettings, crs_history, grade_crs
from grading.rules.course import (
    ABNORMAL,
    QUIET,
    CrsCourse,
    RecentWalks,
    Spell,
    _resolved,
    _walk,
    crs_course,
    marked_sets,
)
from grading.rules.temperature import is_fever

from .chart import INFUSION, T, drug, snapshot


def reference_course(snapshot: Snapshot) -> CrsCourse:
    """crs_course before the walk was shared between earlier views."""
    spells: list[Spell] = []
    onset: datetime | None = None
    last_abnormal: datetime | None = None
    quiet: list[datetime] = []
    for entry, mark in marked_sets(snapshot):
        if onset is not None and _resolved(last_abnormal, quiet, entry.at, snapshot):
            spells.append(Spell(onset, quiet[0]))
            onset = None
        if onset is None:
            if is_fever(entry.temperature_c):
                onset, last_abnormal, quiet = entry.at, entry.at, []
            continue
        if mark == ABNORMAL:
            last_abnormal, quiet = entry.at, []
        elif mark == QUIET:
            quiet.append(entry.at)
    if onset is not None:
        if _resolved(last_abnormal, quiet, snapshot.at + timedelta(microseconds=1), snapshot):
            spells.append(Spell(onset, quiet[0]))
        else:
            spells.append(Spell(onset))
    return CrsCourse(tuple(spells))


STAY_DAYS = 10
START = T - timedelta(days=STAY_DAYS)


@st.composite
def long_vitals(draw):
    """A stay of up to ten days: spells of fever and calm, support charted
    and left out, gaps long enough to resolve a CRS and to let evidence go stale."""
    entries = []
    at = START + timedelta(minutes=draw(st.integers(0, 120)))
    febrile = False
    for _ in range(draw(st.integers(0, 120))):
        if draw(st.integers(0, 9)) == 0:
            febrile = not febrile
        systolic = draw(st.none() | st.sampled_from([80, 95, 120]))
        entries.append(
            VitalsEntry(
                at=at,
                temperature_c=draw(
                    st.none() | st.sampled_from([38.0, 38.9] if febrile else [36.6, 37.2, 37.9])
                ),
                systolic=systolic,
                diastolic=None if systolic is None else 50,
                oxygen=draw(
                    st.none()
                    | st.sampled_from(
                        [Oxygen("room_air"), Oxygen("nasal_cannula", 3), Oxygen("bipap")]
                    )
                ),
                vasopressors=draw(st.none() | st.sampled_from([(), (), ("norepinephrine",)])),
            )
        )
        at += timedelta(minutes=draw(st.sampled_from([0, 60, 60, 120, 240, 13 * 60, 26 * 60])))
    return entries


@settings(max_examples=60, deadline=None)
@given(
    entries=long_vitals(),
    doses=st.lists(st.integers(0, STAY_DAYS * 24), max_size=4),
    resolution=st.sampled_from([6, 24]),
    cuts=st.lists(st.integers(0, STAY_DAYS * 24 * 60), max_size=6),
)
def test_every_earlier_view_has_the_course_computed_from_scratch(entries, doses, resolution, cuts):
    chart = snapshot(
        *entries,
        *(drug("acetaminophen", hours_ago=STAY_DAYS * 24 - h) for h in doses),
        infusion=INFUSION - timedelta(days=STAY_DAYS - 2),
        settings=WardSettings(crs_resolution_hours=resolution),
    )
    assert crs_course(chart) == reference_course(chart)
    moments = {v.at for v in chart.vitals} | {T - timedelta(minutes=m) for m in cuts}
    for moment in sorted(m for m in moments if m <= T):
        earlier = chart.as_of(moment)
        fresh = replace(chart, at=moment)  # built anew: shares no walk
        assert crs_course(earlier) == crs_course(fresh) == reference_course(fresh)
        assert grade_crs(earlier) == grade_crs(fresh)
    assert [grade for _, grade in crs_history(chart)] == [
        grade_crs(replace(chart, at=moment)).grade for moment, _ in crs_history(chart)
    ]


@settings(max_examples=60, deadline=None)
@given(
    entries=long_vitals(),
    split=st.integers(0, 120),
    resolution=st.sampled_from([6, 24]),
    copied=st.booleans(),
    older=st.booleans(),
)
def test_a_chart_that_grew_goes_on_from_its_earlier_walk_to_the_walk_from_scratch(
    entries, split, resolution, copied, older
):
    infusion = INFUSION - timedelta(days=STAY_DAYS - 2)
    ward = WardSettings(crs_resolution_hours=resolution)
    first = entries[: min(split, len(entries))]
    earlier = snapshot(*first, infusion=infusion, settings=ward)
    # The same rows read again (equal, not the same objects), or a patient a
    # year older: only the first may go on from the earlier walk.
    grown = [replace(e) for e in entries] if copied else entries
    later = snapshot(*grown, infusion=infusion, settings=ward, age=55 if older else 54)
    walks = RecentWalks()
    walks.walk(earlier)
    walk = walks.walk(later)
    assert [w.course for w in walk] == [w.course for w in _walk(later)]
    assert crs_course(later) == reference_course(later)


def test_a_chart_with_a_row_struck_out_is_walked_again_not_continued():
    infusion = INFUSION - timedelta(days=1)
    fever = VitalsEntry(at=infusion + timedelta(hours=2), temperature_c=39.0, ref="vitalsset:1")
    calm = VitalsEntry(at=infusion + timedelta(hours=3), temperature_c=37.0, ref="vitalsset:2")
    walks = RecentWalks()
    walks.walk(snapshot(fever, calm, infusion=infusion))
    struck = snapshot(calm, infusion=infusion)  # the fever entered in error
    assert walks.walk(struck)[-1].course == _walk(struck)[-1].course
    assert walks.walk(struck)[-1].course.onset is None
