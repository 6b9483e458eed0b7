"""The JSON case interface (spec/grade-command.md), without Django."""

import json

import pytest

from grading.rules import evaluate
from grading.rules.case import CaseError, evaluation_to_json, load_cases, parse_case

from .examples import (
    EXAMPLES,
    R2_PROMPT_EXAMPLES,
    SPEC_OUTPUT_CRS,
    SPEC_OUTPUT_TOCILIZUMAB,
    case,
    one_vitals,
    spec_input,
)


def grade(obj) -> dict:
    snapshots, _ = load_cases(json.dumps(obj))
    return evaluation_to_json(evaluate(snapshots[0]))


@pytest.mark.parametrize("example, check", [pytest.param(c, k, id=i) for i, c, k in EXAMPLES])
def test_every_public_example(example, check):
    assert check(grade(example))


def test_the_spec_input_gives_the_spec_output():
    result = grade(spec_input())
    assert result["at"] == "2026-03-02T08:00:00Z"
    assert result["crs"] == {
        **SPEC_OUTPUT_CRS,
        "status": "active",
        "onset_at": "2026-03-02T07:45:00Z",
        "resolved_at": None,
    }
    assert result["icans"] == {"grade": 1, "reasons": ["ICE score 9"]}
    assert result["tocilizumab"] == SPEC_OUTPUT_TOCILIZUMAB
    indicated = [p for p in result["prompts"] if p["code"] == "tocilizumab_indicated"]
    assert indicated and indicated[0]["severity"] == "high"


def test_the_output_has_exactly_the_keys_of_the_spec():
    result = grade(spec_input())
    assert set(result) == {
        "at",
        "crs",
        "icans",
        "tocilizumab",
        "prompts",
        "acuity",
        "news2",
        "qsofa",
        "due",
    }
    assert set(result["crs"]) == {"grade", "reasons", "status", "onset_at", "resolved_at"}
    assert set(result["news2"]) == {"score", "band", "single_red", "complete", "missing"}
    assert set(result["due"]) == {"vitals_at", "neuro_at"}
    assert set(result["tocilizumab"]) == set(SPEC_OUTPUT_TOCILIZUMAB)
    for prompt in result["prompts"]:
        assert set(prompt) == {"code", "severity", "text", "source"}


def test_times_are_printed_in_utc_with_z():
    obj = case(medications=[{"at": "2026-03-02T04:00:00+01:00", "drug": "tocilizumab"}])
    toci = grade(obj)["tocilizumab"]
    assert toci["last_dose_at"] == "2026-03-02T03:00:00Z"
    assert toci["next_allowed_at"] == "2026-03-02T11:00:00Z"


def test_a_batch_gives_results_in_the_same_order():
    text = json.dumps([case(vitals=one_vitals(38.0)), case(vitals=one_vitals(37.0))])
    snapshots, is_batch = load_cases(text)
    assert is_batch
    assert [evaluate(s).crs.grade for s in snapshots] == [1, 0]


def test_an_empty_batch_is_an_empty_array():
    assert load_cases("[]") == ([], True)


def test_defaults_protocol_a_and_no_lists():
    snapshot = parse_case({"at": "2026-03-02T08:00:00Z", "patient": {"age_years": 40}})
    assert snapshot.protocol == "A"
    assert snapshot.vitals == () and snapshot.weight_kg is None


def test_optional_settings_weight_time_and_exclusions_are_read():
    obj = case(
        neuro=[{"at": "2026-03-02T07:00:00Z", "tool": "ICE", "score": 4, "excluded": ["score"]}]
    )
    obj["patient"]["weight_at"] = "2026-02-20T08:00:00Z"
    obj["settings"] = {"fever_lookback_hours": 48, "weight_valid_days": 14}
    snapshot = parse_case(obj)
    assert snapshot.settings.fever_lookback_hours == 48
    assert snapshot.neuro[0].excluded == frozenset({"score"})
    assert snapshot.weight_at.isoformat() == "2026-02-20T08:00:00+00:00"


def test_refs_name_the_case_rows():
    result = evaluate(parse_case(spec_input()))
    assert result.crs.used == ("vitals[0]",)
    assert result.icans.used == ("neuro[0]",)


def bad(mutate):
    obj = spec_input()
    mutate(obj)
    return obj


def _set(path, value):
    def mutate(obj):
        target = obj
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return mutate


def _delete(path):
    def mutate(obj):
        target = obj
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return mutate


@pytest.mark.parametrize(
    "mutate, field, words",
    [
        pytest.param(
            _set(["vitals", 0, "temperature_c"], 46),
            "vitals[0].temperature_c",
            "46 is outside the plausible range 25-45 °C",
            id="temperature-46",
        ),
        pytest.param(
            _set(["vitals", 0, "temperature_c"], 24.9),
            "vitals[0].temperature_c",
            "outside",
            id="temperature-24.9",
        ),
        pytest.param(
            _set(["vitals", 0, "oxygen", "device"], "nasal_prongs"),
            "vitals[0].oxygen.device",
            '"nasal_prongs" is not an oxygen device; allowed: room_air, blow_by',
            id="bad-device",
        ),
        pytest.param(
            _set(["vitals", 0, "oxygen", "flow_l_min"], 0),
            "vitals[0].oxygen.flow_l_min",
            "0 L/min is only possible with room_air",
            id="flow-0-nasal-cannula",
        ),
        pytest.param(
            _delete(["vitals", 0, "oxygen", "flow_l_min"]),
            "vitals[0].oxygen.flow_l_min",
            "is required with nasal_cannula",
            id="nasal-cannula-without-flow",
        ),
        pytest.param(
            _set(["vitals", 0, "oxygen"], {"device": "room_air", "flow_l_min": 2}),
            "vitals[0].oxygen.flow_l_min",
            "room air has no flow",
            id="room-air-with-flow",
        ),
        pytest.param(
            _set(["vitals", 0, "oxygen", "flow_l_min"], 81),
            "vitals[0].oxygen.flow_l_min",
            "outside",
            id="flow-81",
        ),
        pytest.param(
            _set(["vitals", 0, "diastolic"], 86),
            "vitals[0].systolic",
            "86 must be above the diastolic 86",
            id="systolic-not-above-diastolic",
        ),
        pytest.param(_set(["vitals", 0, "spo2"], 39), "vitals[0].spo2", "40-100 %", id="spo2-39"),
        pytest.param(
            _set(["vitals", 0, "heart_rate"], "fast"),
            "vitals[0].heart_rate",
            'expected a number, got "fast"',
            id="heart-rate-text",
        ),
        pytest.param(
            _set(["vitals", 0, "heart_rate"], True),
            "vitals[0].heart_rate",
            "expected a number",
            id="heart-rate-bool",
        ),
        pytest.param(
            _set(["vitals", 0, "vasopressors"], ["noradrenaline"]),
            "vitals[0].vasopressors[0]",
            "is not a vasopressor; allowed: norepinephrine",
            id="bad-vasopressor",
        ),
        pytest.param(
            _set(["vitals", 0, "temprature_c"], 38),
            "vitals[0]",
            'unknown key(s) "temprature_c"',
            id="misspelt-vitals-key",
        ),
        pytest.param(
            _set(["comment"], "x"), "(case)", 'unknown key(s) "comment"', id="unknown-top-key"
        ),
        pytest.param(
            _set(["at"], "2026-03-02T08:00:00"),
            "at",
            "has no UTC offset",
            id="at-without-offset",
        ),
        pytest.param(_set(["at"], "yesterday"), "at", "is not an ISO 8601 time", id="at-not-iso"),
        pytest.param(_delete(["at"]), "at", "is required", id="at-missing"),
        pytest.param(
            _delete(["patient", "age_years"]),
            "patient.age_years",
            "is required: hypotension thresholds and doses depend on age",
            id="age-missing",
        ),
        pytest.param(
            _set(["patient", "weight_kg"], 351), "patient.weight_kg", "0.5-350 kg", id="weight-351"
        ),
        pytest.param(
            _set(["protocol"], "C"),
            "protocol",
            '"C" is not a protocol; allowed: A, B',
            id="protocol",
        ),
        pytest.param(_set(["neuro", 0, "score"], 11), "neuro[0].score", "0-10 points", id="ice-11"),
        pytest.param(
            _set(["neuro", 0, "score"], 9.5), "neuro[0].score", "whole number", id="ice-9.5"
        ),
        pytest.param(
            _delete(["neuro", 0, "score"]), "neuro[0].score", "is required", id="no-score"
        ),
        pytest.param(
            _set(["neuro", 0, "tool"], "GCS"), "neuro[0].tool", "allowed: ICE, CAPD", id="tool"
        ),
        pytest.param(
            _set(["neuro", 0, "consciousness"], "drowsy"),
            "neuro[0].consciousness",
            "allowed: alert, awakens_spontaneously",
            id="consciousness",
        ),
        pytest.param(
            _set(["neuro", 0, "excluded"], ["mood"]),
            "neuro[0].excluded[0]",
            "is not a neuro domain",
            id="excluded-domain",
        ),
        pytest.param(
            _set(["medications", 0, "drug"], "tocilizumb"),
            "medications[0].drug",
            '"tocilizumb" is not a known drug but is close to "tocilizumab"',
            id="misspelt-drug",
        ),
        pytest.param(
            _set(["medications", 0, "drug"], "dexamethason"),
            "medications[0].drug",
            'close to "dexamethasone"',
            id="misspelt-steroid",
        ),
        pytest.param(
            _set(["medications", 0, "drug"], ""),
            "medications[0].drug",
            "expected a drug name",
            id="empty-drug",
        ),
        pytest.param(
            _set(["medications", 0, "drug"], 7),
            "medications[0].drug",
            "expected a drug name",
            id="drug-not-text",
        ),
        pytest.param(
            _set(["medications", 0, "class"], "antibiotic"),
            "medications[0].class",
            '"antibiotic" is not a drug class; allowed: antibacterial, antifungal',
            id="bad-class",
        ),
        pytest.param(
            _set(["medications", 0, "class"], "antibacterial"),
            "medications[0].class",
            '"antibacterial" contradicts acetaminophen, which is antipyretic',
            id="class-contradicts-known-drug",
        ),
        pytest.param(
            _set(["events"], [{"at": "2026-03-02T07:00:00Z", "kind": "blood_cultures"}]),
            "events[0].kind",
            '"blood_cultures" is not a work-up event; allowed: blood_culture, urine_culture',
            id="bad-event-kind",
        ),
        pytest.param(
            _set(["events"], [{"at": "2026-03-02T07:00:00Z"}]),
            "events[0].kind",
            "is required",
            id="event-without-kind",
        ),
        pytest.param(
            _set(["events"], [{"at": "2026-03-02T07:00:00Z", "kind": "eeg", "by": "x"}]),
            "events[0]",
            'unknown key(s) "by"',
            id="event-unknown-key",
        ),
        pytest.param(
            _set(["medications", 0, "dose_mg"], 0),
            "medications[0].dose_mg",
            "must be above 0",
            id="dose-0",
        ),
        pytest.param(
            _set(["labs", 0, "test"], ""), "labs[0].test", "expected a lab test", id="lab"
        ),
        pytest.param(
            _set(["labs", 0, "unit"], "mmol/L"),
            "labs[0].unit",
            '"mmol/L" is not a unit of anc; allowed: /uL, 10*9/L',
            id="lab-unit",
        ),
        pytest.param(_set(["vitals"], {}), "vitals", "expected an array", id="vitals-not-list"),
        pytest.param(
            _set(["settings"], {"fever_lookback_hours": 0}),
            "settings.fever_lookback_hours",
            "must be above 0",
            id="setting-0",
        ),
    ],
)
def test_a_bad_case_names_the_field_what_was_given_and_what_is_allowed(mutate, field, words):
    with pytest.raises(CaseError) as error:
        load_cases(json.dumps(bad(mutate), ensure_ascii=False))
    assert error.value.field == field
    assert words in error.value.message


@pytest.mark.parametrize(
    "text, words",
    [
        pytest.param('{"at": ', "not valid JSON", id="truncated"),
        pytest.param("", "not valid JSON", id="empty"),
        pytest.param("42", "expected a case object or an array of cases", id="number"),
        pytest.param('{"at": NaN}', "NaN is not a number JSON allows", id="nan"),
        pytest.param('{"at": "x", "at": "y"}', 'key "at" appears twice', id="duplicate-key"),
    ],
)
def test_text_that_is_not_a_case_is_a_json_error(text, words):
    with pytest.raises(CaseError) as error:
        load_cases(text)
    assert error.value.field == "(json)"
    assert words in error.value.message


def test_a_bad_case_in_a_batch_names_its_index():
    broken = spec_input()
    broken["vitals"][0]["temperature_c"] = 46
    with pytest.raises(CaseError) as error:
        load_cases(json.dumps([spec_input(), spec_input(), spec_input(), broken]))
    assert error.value.field == "[3].vitals[0].temperature_c"
    assert str(error.value).startswith("[3].vitals[0].temperature_c: 46 is outside")


def test_a_batch_item_that_is_not_an_object_names_its_index():
    with pytest.raises(CaseError) as error:
        load_cases(json.dumps([spec_input(), 7]))
    assert error.value.field == "[1]"


def test_replaying_an_episode_hour_by_hour_grades_every_hour():
    """100 cases of a 4-day episode with hourly vitals, each with the whole chart.
    (Its speed is measured by `make bench`, never by a timed test.)"""
    vitals = [
        {
            "at": f"2026-03-{day:02d}T{hour:02d}:00:00Z",
            "temperature_c": 38.4 if hour % 6 == 0 else 37.6,
            "systolic": 88 if day >= 3 else 118,
            "diastolic": 50,
            "oxygen": {"device": "high_flow_nasal_cannula", "flow_l_min": 30}
            if day >= 4
            else {"device": "room_air"},
            "vasopressors": ["norepinephrine"] if day >= 4 else [],
        }
        for day in range(1, 6)
        for hour in range(24)
    ]
    meds = [
        {"at": "2026-03-03T02:00:00Z", "drug": "tocilizumab", "dose_mg": 640},
        {"at": "2026-03-04T02:00:00Z", "drug": "dexamethasone", "dose_mg": 10},
    ]
    cases = [
        {
            "at": f"2026-03-{1 + (n + 12) // 24:02d}T{(n + 12) % 24:02d}:30:00Z",
            "patient": {"age_years": 60, "weight_kg": 70},
            "infusion_at": "2026-03-01T00:00:00Z",
            "vitals": vitals,
            "medications": meds,
        }
        for n in range(100)
    ]
    snapshots, _ = load_cases(json.dumps(cases))
    results = [evaluation_to_json(evaluate(s)) for s in snapshots]
    assert len(results) == 100
    # Day 1 fevers on room air are grade 1; from day 4 norepinephrine makes it 3.
    assert results[0]["crs"]["grade"] == 1
    assert results[-1]["crs"]["grade"] == 3
    assert results[-1]["acuity"]["level"] == 3


# Revision r2 input: open vocabularies, drug classes, events, not-recorded vasopressors.
def _with_medication(**medication):
    obj = spec_input()
    obj["medications"] = [{"at": "2026-03-02T06:00:00Z", **medication}]
    return obj


@pytest.mark.parametrize(
    "medication, drug, drug_class",
    [
        pytest.param({"drug": "paracetamol"}, "acetaminophen", "antipyretic", id="paracetamol"),
        pytest.param({"drug": "actemra"}, "tocilizumab", "anti_cytokine", id="brand-actemra"),
        pytest.param({"drug": "Tofidence"}, "tocilizumab", "anti_cytokine", id="brand-any-case"),
        pytest.param(
            {"drug": "tocilizumab-aazg"}, "tocilizumab", "anti_cytokine", id="biosimilar-name"
        ),
        pytest.param({"drug": "posaconazole"}, "posaconazole", None, id="unknown-no-class"),
        pytest.param(
            {"drug": "posaconazole", "class": "antifungal"},
            "posaconazole",
            "antifungal",
            id="unknown-with-class",
        ),
        pytest.param({"drug": "filgrastim"}, "filgrastim", "growth_factor", id="g-csf"),
        pytest.param({"drug": "cefepime"}, "cefepime", "antibacterial", id="built-in-class"),
        pytest.param(
            {"drug": "cefepime", "class": "antibacterial"},
            "cefepime",
            "antibacterial",
            id="class-agrees",
        ),
        pytest.param({"drug": "pegfilgrastim"}, "pegfilgrastim", None, id="not-a-typo"),
    ],
)
def test_medications_are_an_open_vocabulary_with_classes(medication, drug, drug_class):
    entry = parse_case(_with_medication(**medication)).medications[0]
    assert (entry.drug, entry.drug_class) == (drug, drug_class)


def test_a_brand_name_counts_towards_the_tocilizumab_limits():
    obj = spec_input()
    obj["medications"] = [
        {"at": "2026-03-02T04:00:00Z", "drug": "actemra", "dose_mg": 640},
    ]
    toci = grade(obj)["tocilizumab"]
    assert (toci["doses_total"], toci["blocked_because"]) == (1, ["min_interval"])


def test_an_unknown_lab_test_is_accepted_and_changes_nothing():
    obj = spec_input()
    plain = grade(obj)
    obj["labs"].append({"at": "2026-03-02T06:00:00Z", "test": "beta_d_glucan", "value": 80})
    assert parse_case(obj).labs[-1].test == "beta_d_glucan"
    assert grade(obj) == plain


def test_events_are_read_with_their_kind_and_row():
    obj = spec_input()
    obj["events"] = [{"at": "2026-03-02T07:00:00Z", "kind": "blood_culture"}]
    event = parse_case(obj).events[0]
    assert (event.kind, event.ref, event.at.isoformat()) == (
        "blood_culture",
        "events[0]",
        "2026-03-02T07:00:00+00:00",
    )


@pytest.mark.parametrize(
    "later, grade_now",
    [
        pytest.param({}, 3, id="absent-carried-forward"),
        pytest.param({"vasopressors": None}, 3, id="null-carried-forward"),
        pytest.param({"vasopressors": []}, 1, id="empty-stopped"),
    ],
)
def test_vasopressors_not_recorded_are_carried_forward(later, grade_now):
    obj = case(
        vitals=[
            {
                "at": "2026-03-02T06:00:00Z",
                "temperature_c": 38.5,
                "systolic": 100,
                "diastolic": 60,
                "oxygen": {"device": "room_air"},
                "vasopressors": ["norepinephrine"],
            },
            {"at": "2026-03-02T07:45:00Z", "temperature_c": 38.2, **later},
        ]
    )
    assert grade(obj)["crs"]["grade"] == grade_now


@pytest.mark.parametrize(
    "example, check", [pytest.param(c, k, id=i) for i, c, k in R2_PROMPT_EXAMPLES]
)
def test_every_r2_prompt_example(example, check):
    assert check(grade(example))
