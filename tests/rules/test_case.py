"""The JSON case interface (spec/grade-command.md), without Django."""

import json
import time

import pytest

from grading.rules import evaluate
from grading.rules.case import CaseError, evaluation_to_json, load_cases, parse_case

from .examples import (
    EXAMPLES,
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
    assert result["crs"] == SPEC_OUTPUT_CRS
    assert result["icans"] == {"grade": 1, "reasons": ["ICE score 9"]}
    assert result["tocilizumab"] == SPEC_OUTPUT_TOCILIZUMAB
    indicated = [p for p in result["prompts"] if p["code"] == "tocilizumab_indicated"]
    assert indicated and indicated[0]["severity"] == "high"


def test_the_output_has_exactly_the_keys_of_the_spec():
    result = grade(spec_input())
    assert set(result) == {"at", "crs", "icans", "tocilizumab", "prompts"}
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
            _set(["medications", 0, "drug"], "paracetamol"),
            "medications[0].drug",
            'charted as "acetaminophen"',
            id="paracetamol",
        ),
        pytest.param(
            _set(["medications", 0, "drug"], "tocilizumb"),
            "medications[0].drug",
            "is not a charted drug; allowed: tocilizumab",
            id="misspelt-drug",
        ),
        pytest.param(
            _set(["medications", 0, "dose_mg"], 0),
            "medications[0].dose_mg",
            "must be above 0",
            id="dose-0",
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


def test_replaying_an_episode_hour_by_hour_takes_well_under_a_second():
    """100 cases of a 4-day episode with hourly vitals, each with the whole chart."""
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
    text = json.dumps(cases)
    start = time.perf_counter()
    snapshots, _ = load_cases(text)
    results = [evaluation_to_json(evaluate(s)) for s in snapshots]
    elapsed = time.perf_counter() - start
    assert len(results) == 100
    # About 0.4 s on a quiet machine; the bound leaves room for a busy CI runner.
    assert elapsed < 1.0, f"100 cases took {elapsed:.2f} s"
