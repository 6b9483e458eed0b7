"""labs[].unit in a case (spec/grade-command.md r2): a known test in its SI
unit is converted to the canonical unit the rules read; an impossible value
or a unit the test is not measured in names the field; unknown tests pass."""

import json

import pytest

from grading.rules import evaluate
from grading.rules.case import CaseError, evaluation_to_json, load_cases

from .examples import case


def _case(*labs, medications=None):
    obj = case(medications=medications)
    obj["labs"] = [{"at": "2026-03-02T06:00:00Z", **lab} for lab in labs]
    return obj


def _labs(*labs):
    snapshots, _ = load_cases(json.dumps(_case(*labs)))
    return [(lab.test, lab.value, lab.uln) for lab in snapshots[0].labs]


@pytest.mark.parametrize(
    "given, stored",
    [
        ({"test": "platelets", "value": 45, "unit": "10*9/L"}, ("platelets", 45_000, None)),
        ({"test": "anc", "value": 0.8, "unit": "10*9/L"}, ("anc", 800, None)),
        ({"test": "anc", "value": 800, "unit": "/uL"}, ("anc", 800, None)),
        ({"test": "anc", "value": 800}, ("anc", 800, None)),
        ({"test": "fibrinogen", "value": 2.1, "unit": "g/L"}, ("fibrinogen", 210, None)),
        ({"test": "creatinine", "value": 88.4, "unit": "umol/L"}, ("creatinine", 1, None)),
        ({"test": "hemoglobin", "value": 125, "unit": "g/L"}, ("hemoglobin", 12.5, None)),
        ({"test": "ferritin", "value": 2400, "unit": "ug/L"}, ("ferritin", 2400, None)),
        ({"test": "magnesium", "value": 0.8228, "unit": "mmol/L"}, ("magnesium", 2, None)),
        ({"test": "inr", "value": 1.4, "unit": "1"}, ("inr", 1.4, None)),
        ({"test": "alt", "value": 250, "unit": "U/L", "uln": 50}, ("alt", 250, 50)),
        ({"test": "Haemoglobin", "value": 9}, ("hemoglobin", 9, None)),
        ({"test": "troponin", "value": 12, "unit": "ng/L"}, ("troponin", 12, None)),
    ],
)
def test_a_known_test_in_its_other_unit_is_converted(given, stored):
    [(test, value, uln)] = _labs(given)
    assert (test, uln) == (stored[0], stored[2])
    assert value == pytest.approx(stored[1], rel=1e-12)


def _refused(lab) -> CaseError:
    with pytest.raises(CaseError) as error:
        load_cases(json.dumps(_case(lab)))
    return error.value


@pytest.mark.parametrize(
    "lab, field, words",
    [
        (
            {"test": "platelets", "value": 1e29},
            "labs[0].value",
            "1e+29 /uL is outside the plausible range 0-2,000,000 /uL",
        ),
        (
            {"test": "crp", "value": 1e308},
            "labs[0].value",
            "is outside the plausible range 0-1,000 mg/L",
        ),
        (
            {"test": "platelets", "value": 2001, "unit": "10*9/L"},
            "labs[0].value",
            "2001 10*9/L is outside the plausible range 0-2,000 10*9/L",
        ),
        (
            {"test": "creatinine", "value": 4.4, "unit": "umol/L"},
            "labs[0].value",
            "outside the plausible range 4.42-2,652 umol/L",
        ),
        ({"test": "anc", "value": -1}, "labs[0].value", "must not be negative"),
        (
            {"test": "creatinine", "value": 88, "unit": "mmol/L"},
            "labs[0].unit",
            '"mmol/L" is not a unit of creatinine; allowed: mg/dL, umol/L',
        ),
        (
            {"test": "platelets", "value": 45, "unit": "10^9/L"},
            "labs[0].unit",
            "allowed: /uL, 10*9/L",
        ),
        ({"test": "crp", "value": 5, "unit": 5}, "labs[0].unit", "expected a UCUM unit"),
        ({"test": "", "value": 5}, "labs[0].test", "expected a lab test name"),
        ({"test": "troponin", "value": -2}, "labs[0].value", "must not be negative"),
    ],
)
def test_an_impossible_lab_names_the_field(lab, field, words):
    error = _refused(lab)
    assert error.field == field
    assert words in error.message


@pytest.mark.parametrize(
    "value, unit, ok",
    [
        (2000, "10*9/L", True),
        (2000.001, "10*9/L", False),
        (2_000_000, "/uL", True),
        (2_000_001, "/uL", False),
        (0, "10*9/L", True),
        (4.42, "umol/L", None),
        (2652, "umol/L", None),
    ],
)
def test_plausible_edges_are_the_edges_in_the_unit_given(value, unit, ok):
    test = "creatinine" if unit == "umol/L" else "platelets"
    lab = {"test": test, "value": value, "unit": unit}
    if ok is False:
        assert _refused(lab).field == "labs[0].value"
    else:
        assert len(_labs(lab)) == 1


def test_ANC_typed_in_SI_raises_the_same_prompt_as_in_per_microlitre():
    toci = [{"at": "2026-03-01T20:00:00Z", "drug": "tocilizumab", "dose_mg": 640}]

    def prompt_text(lab):
        snapshots, _ = load_cases(json.dumps(_case(lab, medications=toci)))
        prompts = evaluation_to_json(evaluate(snapshots[0])).get("prompts", [])
        return [p for p in prompts if "toci_lab_monitoring" in json.dumps(p)]

    si = prompt_text({"test": "anc", "value": 0.4, "unit": "10*9/L"})
    assert si and si == prompt_text({"test": "anc", "value": 400})
