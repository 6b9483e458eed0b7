"""Properties that must hold for any chart, checked with hypothesis."""

import json
from dataclasses import replace
from datetime import timedelta

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from clinical.vocabulary import (
    CEREBRAL_EDEMA,
    CONSCIOUSNESS,
    OXYGEN_DEVICES,
    SEIZURE,
    VASOPRESSORS,
)
from grading.rules import (
    NeuroEntry,
    Oxygen,
    VitalsEntry,
    check_dose,
    crs_history,
    evaluate,
    grade_crs,
    grade_icans,
    tocilizumab_status,
)
from grading.rules.case import case_of, evaluation_to_json, parse_case
from grading.rules.circulation import running_vasopressors
from grading.rules.fever import fever_status
from grading.rules.icans import domains
from grading.rules.oxygenation import current_oxygen

from .chart import T, drug, snapshot

DEVICES = [code for code, _label in OXYGEN_DEVICES]  # in order of the support given
PRESSORS = [code for code, _label in VASOPRESSORS]

minutes_before_t = st.integers(min_value=0, max_value=72 * 60)
moments = minutes_before_t.map(lambda m: T - timedelta(minutes=m))
# Neuro checks that grade ICANS are the ones after the infusion (two days before T).
moments_since_infusion = st.integers(min_value=0, max_value=48 * 60).map(
    lambda m: T - timedelta(minutes=m)
)
future_moments = st.integers(min_value=1, max_value=12 * 60).map(lambda m: T + timedelta(minutes=m))


@st.composite
def oxygen(draw):
    device = draw(st.sampled_from(DEVICES))
    if device == "room_air":
        return Oxygen(device)
    return Oxygen(device, draw(st.sampled_from([None, 1, 2, 6, 6.5, 7, 10, 15, 40])))


@st.composite
def vitals_entries(draw, at=moments):
    systolic = draw(st.none() | st.integers(60, 160))
    diastolic = None
    if systolic is not None:
        diastolic = draw(st.none() | st.integers(30, systolic - 1))
    return VitalsEntry(
        at=draw(at),
        temperature_c=draw(st.none() | st.sampled_from([36.5, 37.5, 37.9, 38.0, 38.5, 39.5])),
        systolic=systolic,
        diastolic=diastolic,
        mean_arterial=draw(st.none() | st.integers(40, 110)),
        spo2=draw(st.none() | st.integers(80, 100)),
        oxygen=draw(st.none() | oxygen()),
        # None: not recorded in this set (clinical-rules.md section 2 r2).
        vasopressors=draw(
            st.none() | st.lists(st.sampled_from(PRESSORS), max_size=3, unique=True).map(tuple)
        ),
    )


@st.composite
def neuro_entries(draw, at=moments):
    tool = draw(st.sampled_from(["ICE", "CAPD"]))
    top = 10 if tool == "ICE" else 32
    return NeuroEntry(
        at=draw(at),
        tool=tool,
        score=draw(st.none() | st.integers(0, top)),
        consciousness=draw(st.sampled_from([c for c, _ in CONSCIOUSNESS])),
        seizure=draw(st.sampled_from([c for c, _ in SEIZURE])),
        motor_weakness=draw(st.booleans()),
        cerebral_edema=draw(st.sampled_from([c for c, _ in CEREBRAL_EDEMA])),
        excluded=frozenset(
            draw(st.sets(st.sampled_from(["score", "consciousness", "seizure", "motor", "edema"])))
        ),
    )


medications = st.builds(
    lambda name, hours, dose: drug(name, hours, dose),
    st.sampled_from(["acetaminophen", "tocilizumab", "dexamethasone", "levetiracetam"]),
    st.integers(0, 72),
    st.none() | st.sampled_from([10, 500, 640]),
)


@st.composite
def charts(draw):
    entries = draw(st.lists(vitals_entries(), max_size=6))
    entries += draw(st.lists(neuro_entries(), max_size=2))
    entries += draw(st.lists(medications, max_size=4))
    return snapshot(
        *entries,
        age=draw(st.sampled_from([0.5, 4, 9, 10, 17, 54])),
        protocol=draw(st.sampled_from(["A", "B"])),
        weight=draw(st.none() | st.sampled_from([12.0, 29.9, 30.0, 80.0, 110.0])),
    )


def more_support(chart, data) -> VitalsEntry:
    """The latest vitals set with at least as much oxygen and vasopressor support."""
    entry = chart.vitals[-1]
    charted = current_oxygen(chart)
    current = charted.oxygen if charted is not None else Oxygen("room_air")
    start = DEVICES.index(current.device)
    device = data.draw(st.sampled_from(DEVICES[start:]))
    flow = current.flow_l_min if device == current.device else None
    if device == "nasal_cannula":
        floor = flow if flow is not None else 0
        flow = data.draw(st.sampled_from([f for f in (1, 6, 7, 15) if f >= floor] or [floor]))
    added = data.draw(st.lists(st.sampled_from(PRESSORS), max_size=3, unique=True))
    pressors = tuple(dict.fromkeys(running_vasopressors(chart) + tuple(added)))
    return replace(entry, oxygen=Oxygen(device, flow), vasopressors=pressors)


@settings(max_examples=200, deadline=None)
@given(chart=charts(), data=st.data())
def test_more_support_never_lowers_the_crs_grade(chart, data):
    if not chart.vitals:
        return
    supported = replace(chart, vitals=chart.vitals[:-1] + (more_support(chart, data),))
    # More support can keep a CRS active (and its fever exemption), never end it.
    assert fever_status(supported).met >= fever_status(chart).met
    assert grade_crs(supported).grade >= grade_crs(chart).grade


@settings(max_examples=200, deadline=None)
@given(chart=charts(), data=st.data())
def test_more_support_never_lowers_the_acuity(chart, data):
    if not chart.vitals:
        return
    supported = replace(chart, vitals=chart.vitals[:-1] + (more_support(chart, data),))
    assert evaluate(supported).acuity.level >= evaluate(chart).acuity.level


@settings(max_examples=200, deadline=None)
@given(chart=charts(), temperature=st.none() | st.sampled_from([36.0, 37.5, 38.0, 39.0]))
def test_a_set_that_records_no_support_never_lowers_the_grade(chart, temperature):
    """A set at T recording a temperature at most never takes support away:
    not recorded is never "none" (clinical-rules.md section 2 r2)."""
    earlier = chart.as_of(T - timedelta(minutes=1))
    bare = VitalsEntry(at=T, temperature_c=temperature, vasopressors=None)
    later = replace(chart, vitals=earlier.vitals + (bare,))
    assert grade_crs(later).grade >= grade_crs(replace(chart, vitals=earlier.vitals)).grade


@settings(max_examples=200, deadline=None)
@given(
    chart=charts(),
    later_vitals=st.lists(vitals_entries(at=future_moments), min_size=1, max_size=3),
    later_neuro=st.lists(neuro_entries(at=future_moments), max_size=2),
    later_doses=st.lists(st.integers(-12, -1), max_size=3),
)
def test_entries_after_t_never_change_the_result(chart, later_vitals, later_neuro, later_doses):
    with_future = replace(
        chart,
        vitals=chart.vitals + tuple(later_vitals),
        neuro=chart.neuro + tuple(later_neuro),
        medications=chart.medications + tuple(drug("tocilizumab", h, 800) for h in later_doses),
    )
    assert evaluate(with_future) == evaluate(chart)


@settings(max_examples=200, deadline=None)
@given(chart=charts())
def test_crs_is_0_whenever_the_fever_criterion_is_not_met(chart):
    result = grade_crs(chart)
    assert 0 <= result.grade <= 4
    if not fever_status(chart).met:
        assert result.grade == 0
    if result.grade > 0:
        assert result.reasons


@settings(max_examples=200, deadline=None)
@given(entry=neuro_entries(at=moments_since_infusion))
def test_icans_is_never_below_any_counted_domain(entry):
    result = grade_icans(snapshot(entry))
    counted = [f.grade for name, f in domains(entry).items() if name not in entry.excluded]
    assert all(result.grade >= grade for grade in counted)
    assert result.grade == max(counted, default=0)
    if result.grade > 0:
        assert result.reasons


@settings(max_examples=200, deadline=None)
@given(
    doses=st.lists(st.integers(0, 96 * 60), max_size=6),
    protocol=st.sampled_from(["A", "B"]),
    weight=st.none() | st.floats(0.5, 350),
    weight_days=st.none() | st.integers(0, 10),
)
def test_may_give_now_exactly_when_nothing_blocks(doses, protocol, weight, weight_days):
    weight_at = None if weight_days is None else T - timedelta(days=weight_days)
    given_doses = tuple(drug("tocilizumab", m / 60, 640) for m in doses)
    chart = snapshot(*given_doses, protocol=protocol, weight=weight, weight_at=weight_at)
    status = tocilizumab_status(chart)
    assert status.may_give_now == (status.blocked_because == ())
    if status.dose_mg is not None:
        assert 0 < status.dose_mg <= 800
        assert check_dose(chart, status.dose_mg) == status.blocked_because
    if status.next_allowed_at is not None:
        assert status.next_allowed_at >= status.last_dose_at + timedelta(hours=8)


@settings(max_examples=100, deadline=None)
@given(chart=charts())
def test_the_trajectory_agrees_with_the_grade_at_each_time(chart):
    history = crs_history(chart)
    assert history[-1] == (chart.at, grade_crs(chart).grade)
    for moment, grade in history:
        assert grade == grade_crs(replace(chart, at=moment)).grade


@settings(max_examples=150, deadline=None)
@given(chart=charts())
def test_a_snapshot_replays_from_its_case_exactly(chart):
    """What an assessment stores (case_of) grades exactly as the chart did."""
    # The chart refuses a nasal cannula without its flow, as the case does.
    assume(
        not any(
            v.oxygen and v.oxygen.device == "nasal_cannula" and v.oxygen.flow_l_min is None
            for v in chart.vitals
        )
    )
    replayed = parse_case(json.loads(json.dumps(case_of(chart))))
    assert evaluation_to_json(evaluate(replayed)) == evaluation_to_json(evaluate(chart))
