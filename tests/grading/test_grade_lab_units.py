"""`manage.py grade` with labs[].unit: exit code 2 and one line naming the field."""

import json

import pytest

from tests.rules.examples import case

from .test_grade_command import grade


def _with_lab(lab) -> str:
    obj = case()
    obj["labs"] = [{"at": "2026-03-02T06:00:00Z", **lab}]
    return json.dumps(obj)


@pytest.mark.parametrize(
    "lab, field",
    [
        ({"test": "creatinine", "value": 88, "unit": "mmol/L"}, "labs[0].unit"),
        ({"test": "platelets", "value": 1e29}, "labs[0].value"),
        ({"test": "platelets", "value": 2001, "unit": "10*9/L"}, "labs[0].value"),
    ],
)
def test_a_bad_lab_exits_2_naming_the_field(lab, field):
    out, err, code = grade(_with_lab(lab))
    assert code == 2 and out == ""
    assert err.startswith(f"error: {field}: ") and err.count("\n") == 1


def test_labs_in_si_units_and_unknown_tests_are_graded():
    for lab in (
        {"test": "platelets", "value": 45, "unit": "10*9/L"},
        {"test": "troponin", "value": 14, "unit": "ng/L"},
    ):
        out, err, code = grade(_with_lab(lab))
        assert (code, err) == (0, "")
        assert json.loads(out)["crs"]["grade"] == 0
