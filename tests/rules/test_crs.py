"""CRS grade, clinical-rules.md section 2: one row per rule, boundary on both sides."""

import pytest

from grading.rules import WardSettings, grade_crs
from grading.rules.fever import crs_onset

from .chart import T, ago, drug, snapshot, vitals

FEVER = 38.5


def crs(*entries, **kwargs):
    return grade_crs(snapshot(*entries, **kwargs))


@pytest.mark.parametrize(
    "temperature, grade",
    [
        pytest.param(38.0, 1, id="38.0-counts"),
        pytest.param(37.9, 0, id="37.9-does-not"),
        pytest.param((100.4 - 32) * 5 / 9, 1, id="100.4F-converted-counts"),
        pytest.param(41.5, 1, id="high-fever-alone-is-grade-1"),
    ],
)
def test_fever_threshold(temperature, grade):
    assert crs(vitals(temp=temperature)).grade == grade


@pytest.mark.parametrize(
    "fever_at, lookback_hours, grade",
    [
        # Clinical-rules.md section 2 r2: the window (T - 24 h, T] is half-open.
        pytest.param(ago(hours=23, minutes=59), 24, 1, id="23h59-ago-counts"),
        pytest.param(ago(hours=24), 24, 0, id="exactly-24h-ago-does-not"),
        pytest.param(ago(hours=30), 48, 1, id="48h-ward-counts-30h"),
        pytest.param(ago(hours=48), 48, 0, id="48h-ward-boundary"),
    ],
)
def test_fever_lookback(fever_at, lookback_hours, grade):
    # A resolution time as long as the look-back, so that only the look-back decides.
    settings = WardSettings(fever_lookback_hours=lookback_hours, crs_resolution_hours=48)
    chart = (vitals(at=fever_at, temp=FEVER), vitals(temp=37.0))
    assert crs(*chart, settings=settings).grade == grade


def test_a_fever_before_the_infusion_is_not_crs():
    grade = crs(vitals(at=ago(hours=2), temp=39.0), vitals(temp=37.2), infusion=ago(hours=1))
    assert grade.grade == 0
    assert any("before the infusion" in reason for reason in grade.reasons)


def test_a_fever_at_the_moment_of_infusion_counts():
    assert crs(vitals(at=ago(hours=1), temp=38.2), infusion=ago(hours=1)).grade == 1


def test_without_an_infusion_time_every_fever_counts():
    assert crs(vitals(temp=38.2), infusion=None).grade == 1


# Fever exemption (ASTCT 2019; seed 000 "Special considerations"): a fever 30 h
# ago (outside the look-back), then a drug; now hypotensive without fever.
OLD_FEVER = vitals(at=ago(hours=30), temp=39.0, ref="vitals:1")
HYPOTENSIVE_NOW = vitals(temp=37.1, sbp=85, dbp=50, ref="vitals:2")


@pytest.mark.parametrize(
    "name",
    [
        "acetaminophen",
        "ibuprofen",
        "tocilizumab",
        "siltuximab",
        "anakinra",
        "dexamethasone",
        "methylprednisolone",
        "hydrocortisone",
    ],
)
def test_after_antipyretic_or_anticytokine_therapy_fever_is_not_required(name):
    grade = crs(OLD_FEVER, drug(name, 29, ref="med:1"), HYPOTENSIVE_NOW)
    assert grade.grade == 2
    assert any("Fever not required" in reason for reason in grade.reasons)
    assert "med:1" in grade.used


@pytest.mark.parametrize(
    "chart, grade",
    [
        pytest.param((drug("acetaminophen", 31), OLD_FEVER), 0, id="drug-before-any-fever"),
        pytest.param((OLD_FEVER, drug("levetiracetam", 29)), 0, id="not-an-antipyretic"),
        pytest.param((OLD_FEVER, drug("acetaminophen", 30)), 2, id="drug-at-the-fever-time"),
        pytest.param(
            (vitals(at=ago(hours=60), temp=39.0), drug("acetaminophen", 59)),
            0,
            id="fever-before-infusion",
        ),
    ],
)
def test_fever_exemption_needs_a_fever_after_infusion_then_the_drug(chart, grade):
    assert crs(*chart, HYPOTENSIVE_NOW).grade == grade


def test_exemption_without_hypotension_or_hypoxia_is_grade_0():
    chart = (
        OLD_FEVER,
        drug("tocilizumab", 29),
        vitals(at=ago(hours=20), temp=37.0, device="nasal_cannula", flow=2),
        vitals(temp=37.0, sbp=120, dbp=70),
    )
    grade = crs(*chart)
    assert grade.grade == 0
    assert "CRS active, no fever, hypotension or oxygen need now" in grade.reasons


def test_crs_onset_is_the_first_fever_after_infusion():
    chart = snapshot(vitals(at=ago(hours=60), temp=39), OLD_FEVER, vitals(temp=38.4))
    assert crs_onset(chart) == OLD_FEVER.at


# Hypotension (clinical-rules.md section 2 **choice**), with a fever.
@pytest.mark.parametrize(
    "age, sbp, dbp, grade",
    [
        pytest.param(54, 89, 60, 2, id="adult-sbp-89"),
        pytest.param(54, 90, 60, 1, id="adult-sbp-90"),
        pytest.param(54, 95, 50, 1, id="map-65.0-derived"),
        pytest.param(54, 95, 49, 2, id="map-64.3-derived"),
        pytest.param(10, 89, 60, 2, id="age-10-sbp-89"),
        pytest.param(10, 90, 60, 1, id="age-10-sbp-90"),
        pytest.param(9.9, 87, 40, 2, id="age-9.9-sbp-87"),
        pytest.param(9.9, 88, 40, 1, id="age-9.9-sbp-88-completed-years"),
        pytest.param(9, 87, 40, 2, id="age-9-sbp-87"),
        pytest.param(9, 88, 40, 1, id="age-9-sbp-88"),
        pytest.param(5, 79, 40, 2, id="age-5-sbp-79"),
        pytest.param(5, 80, 30, 1, id="age-5-sbp-80-map-not-used"),
        pytest.param(1, 71, 40, 2, id="age-1-sbp-71"),
        pytest.param(1, 72, 40, 1, id="age-1-sbp-72"),
        pytest.param(0.5, 69, 40, 2, id="infant-sbp-69"),
        pytest.param(0, 70, 40, 1, id="newborn-sbp-70"),
        pytest.param(0, 69, 40, 2, id="newborn-sbp-69"),
    ],
)
def test_hypotension_thresholds_by_age(age, sbp, dbp, grade):
    assert crs(vitals(temp=FEVER, sbp=sbp, dbp=dbp), age=age).grade == grade


@pytest.mark.parametrize(
    "sbp, dbp, measured_map, grade",
    [
        pytest.param(100, 70, 64, 2, id="measured-map-64"),
        pytest.param(100, 40, 65, 1, id="measured-map-65-wins-over-derived-60"),
        pytest.param(None, None, 60, 2, id="map-only"),
    ],
)
def test_a_measured_map_is_used_as_charted(sbp, dbp, measured_map, grade):
    assert crs(vitals(temp=FEVER, sbp=sbp, dbp=dbp, mean=measured_map)).grade == grade


def test_ward_thresholds_are_configurable():
    settings = WardSettings(adult_systolic_below=100)
    assert crs(vitals(temp=FEVER, sbp=95, dbp=70), settings=settings).grade == 2


def test_a_set_without_pressure_keeps_the_last_measured_pressure():
    grade = crs(vitals(60, temp=FEVER, sbp=80, dbp=50), vitals(5, temp=FEVER))
    assert grade.grade == 2
    assert "Hypotension (SBP 80 at 07:00) without vasopressors" in grade.reasons


def test_blood_pressure_not_recorded_is_said():
    assert "No blood pressure charted in the last 12 h" in crs(vitals(temp=FEVER)).reasons


# Vasopressors (ASTCT 2019 table 2 and its footnote on vasopressin).
@pytest.mark.parametrize(
    "pressors, grade, reason",
    [
        pytest.param(
            ("norepinephrine",),
            3,
            "Grade 3: norepinephrine running (one vasopressor)",
            id="norepinephrine",
        ),
        pytest.param(
            ("vasopressin",),
            3,
            "Grade 3: vasopressin running (vasopressin alone counts as one vasopressor)",
            id="vasopressin-alone",
        ),
        pytest.param(
            ("norepinephrine", "vasopressin"),
            3,
            "Grade 3: norepinephrine + vasopressin running"
            " (one vasopressor; vasopressin not counted)",
            id="norepinephrine-and-vasopressin",
        ),
        pytest.param(
            ("norepinephrine", "epinephrine"),
            4,
            "Grade 4: norepinephrine + epinephrine running (multiple vasopressors)",
            id="norepinephrine-and-epinephrine",
        ),
        pytest.param(
            ("norepinephrine", "phenylephrine"),
            4,
            "Grade 4: norepinephrine + phenylephrine running (multiple vasopressors)",
            id="norepinephrine-and-phenylephrine",
        ),
        pytest.param(
            ("norepinephrine", "epinephrine", "vasopressin"),
            4,
            "Grade 4: norepinephrine + epinephrine + vasopressin running"
            " (multiple vasopressors; vasopressin not counted)",
            id="two-plus-vasopressin",
        ),
        pytest.param(("dopamine",), 3, None, id="dopamine"),
        pytest.param(("angiotensin_ii",), 3, None, id="angiotensin-ii"),
        pytest.param(("phenylephrine", "dopamine"), 4, None, id="phenylephrine-and-dopamine"),
    ],
)
def test_vasopressors(pressors, grade, reason):
    result = crs(vitals(temp=FEVER, sbp=85, dbp=50, pressors=pressors))
    assert result.grade == grade
    if reason:
        assert reason in result.reasons


def test_a_running_vasopressor_counts_whatever_the_pressure():
    result = crs(vitals(temp=FEVER, sbp=120, dbp=70, pressors=("norepinephrine",)))
    assert result.grade == 3
    assert any("whatever the pressure" in reason for reason in result.reasons)


def test_vasopressors_are_read_from_the_latest_vitals_only():
    stopped = (vitals(60, temp=FEVER, pressors=("norepinephrine",)), vitals(5, temp=FEVER))
    assert crs(*stopped).grade == 1


# Oxygen (ASTCT 2019 table 2, hypoxia column).
@pytest.mark.parametrize(
    "device, flow, grade",
    [
        pytest.param("room_air", None, 1, id="room-air"),
        pytest.param("blow_by", None, 2, id="blow-by"),
        pytest.param("nasal_cannula", 1, 2, id="nasal-1"),
        pytest.param("nasal_cannula", 6, 2, id="nasal-6"),
        pytest.param("nasal_cannula", 6.5, 3, id="nasal-6.5"),
        pytest.param("nasal_cannula", 7, 3, id="nasal-7"),
        pytest.param("nasal_cannula", None, 2, id="nasal-flow-unknown"),
        pytest.param("high_flow_nasal_cannula", 40, 3, id="hfnc"),
        pytest.param("simple_face_mask", 5, 3, id="simple-face-mask"),
        pytest.param("venturi_mask", 8, 3, id="venturi"),
        pytest.param("non_rebreather_mask", 15, 3, id="non-rebreather"),
        pytest.param("cpap", None, 4, id="cpap"),
        pytest.param("bipap", None, 4, id="bipap"),
        pytest.param("mechanical_ventilation", None, 4, id="ventilated"),
    ],
)
def test_oxygen_devices(device, flow, grade):
    assert crs(vitals(temp=FEVER, device=device, flow=flow)).grade == grade


def test_unknown_nasal_flow_is_graded_low_flow_and_says_so():
    reasons = crs(vitals(temp=FEVER, device="nasal_cannula", flow=None)).reasons
    assert any("flow not recorded: graded as low-flow" in reason for reason in reasons)


def test_spo2_alone_does_not_grade():
    assert crs(vitals(temp=FEVER, spo2=82, device="room_air")).grade == 1


def test_oxygen_not_recorded_is_said():
    result = crs(vitals(temp=FEVER, device=None))
    assert result.grade == 1
    assert "Oxygen support not recorded (graded as room air)" in result.reasons


def test_a_set_without_oxygen_keeps_the_last_charted_support():
    result = crs(vitals(60, temp=FEVER, device="bipap"), vitals(5, temp=FEVER, device=None))
    assert result.grade == 4
    assert "Positive pressure: BiPAP (last charted 07:00)" in result.reasons


@pytest.mark.parametrize(
    "sbp, pressors, device, flow, grade",
    [
        pytest.param(85, (), "high_flow_nasal_cannula", 40, 3, id="hypotension-2-hfnc-3"),
        pytest.param(85, ("norepinephrine", "epinephrine"), "room_air", None, 4, id="pressors-4"),
        pytest.param(120, ("norepinephrine",), "nasal_cannula", 3, 3, id="pressor-3-nc-2"),
        pytest.param(85, (), "bipap", None, 4, id="hypotension-2-bipap-4"),
        pytest.param(85, (), "nasal_cannula", 3, 2, id="both-grade-2"),
    ],
)
def test_the_grade_is_the_more_severe_of_hypotension_and_hypoxia(
    sbp, pressors, device, flow, grade
):
    entry = vitals(temp=FEVER, sbp=sbp, dbp=45, pressors=pressors, device=device, flow=flow)
    assert crs(entry).grade == grade


@pytest.mark.parametrize(
    "entry",
    [
        pytest.param(vitals(temp=37.9, sbp=80, dbp=50), id="hypotension"),
        pytest.param(vitals(temp=37.9, pressors=("norepinephrine", "epinephrine")), id="pressors"),
        pytest.param(vitals(temp=37.9, device="bipap"), id="bipap"),
    ],
)
def test_without_the_fever_criterion_the_grade_is_0(entry):
    result = crs(entry)
    assert result.grade == 0
    assert any("evaluate other causes" in reason for reason in result.reasons)


def test_the_spec_example_reads_as_in_the_spec():
    entry = vitals(
        at=ago(minutes=15), temp=38.6, sbp=86, dbp=48, device="nasal_cannula", flow=3, ref="v:1"
    )
    result = crs(entry)
    assert result.grade == 2
    assert result.reasons == (
        "Fever 38.6 °C at 07:45",
        "Hypotension (SBP 86) without vasopressors",
        "Low-flow oxygen: nasal cannula 3 L/min",
    )
    assert result.used == ("v:1",)


def test_grade_0_says_why():
    result = crs(vitals(temp=37.2))
    assert result.reasons == ("No fever (≥ 38.0 °C) in the last 24 h (highest 37.2 °C at 07:45)",)


def test_older_times_carry_their_date():
    result = crs(vitals(at=ago(hours=10), temp=38.3))
    assert result.reasons[0] == "Fever 38.3 °C at 1 Mar 22:00"


def test_entries_after_t_are_ignored():
    future = vitals(at=T.replace(hour=9), temp=40.0, pressors=("norepinephrine",))
    assert crs(vitals(temp=37.0), future).grade == 0
