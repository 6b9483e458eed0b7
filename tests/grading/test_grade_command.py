"""`manage.py grade` (spec/grade-command.md): every public example, and bad
input that must fail with one line naming the field and exit code 2."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.rules.examples import (
    EXAMPLES,
    R2_PROMPT_EXAMPLES,
    SPEC_OUTPUT_CRS,
    SPEC_OUTPUT_TOCILIZUMAB,
    case,
    one_vitals,
    spec_input,
)

PROJECT = Path(__file__).resolve().parents[2]


def grade(text: str):
    """Run the command on `text` as standard input: (stdout, stderr, exit code)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("grade", "-", stdin=io.StringIO(text), stdout=out, stderr=err)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    return out.getvalue(), err.getvalue(), code


def grade_ok(obj):
    out, err, code = grade(json.dumps(obj))
    assert (code, err) == (0, "")
    return json.loads(out)


@pytest.mark.parametrize("example, check", [pytest.param(c, k, id=i) for i, c, k in EXAMPLES])
def test_every_public_example(example, check):
    assert check(grade_ok(example))


def test_the_spec_input_prints_the_spec_output():
    result = grade_ok(spec_input())
    assert result["at"] == "2026-03-02T08:00:00Z"
    assert {key: result["crs"][key] for key in SPEC_OUTPUT_CRS} == SPEC_OUTPUT_CRS
    assert result["crs"]["status"] == "active"
    assert result["icans"] == {"grade": 1, "reasons": ["ICE score 9"]}
    assert result["tocilizumab"] == SPEC_OUTPUT_TOCILIZUMAB
    assert {"code": "tocilizumab_indicated", "severity": "high"}.items() <= next(
        p for p in result["prompts"] if p["code"] == "tocilizumab_indicated"
    ).items()


def test_an_array_of_cases_prints_an_array_in_the_same_order():
    cases = [case(vitals=one_vitals(grade_c)) for grade_c in (38.0, 37.0, 38.2)]
    assert [r["crs"]["grade"] for r in grade_ok(cases)] == [1, 0, 1]


def test_it_reads_a_case_file(tmp_path):
    path = tmp_path / "case.json"
    path.write_text(json.dumps(spec_input()), encoding="utf-8")
    out = io.StringIO()
    call_command("grade", str(path), stdout=out)
    assert json.loads(out.getvalue())["crs"]["grade"] == 2


def _with(path, value):
    obj = spec_input()
    target = obj
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return json.dumps(obj)


def _batch_with_bad_second_case():
    broken = spec_input()
    broken["vitals"][0]["oxygen"]["device"] = "face_tent"
    return json.dumps([spec_input(), broken])


@pytest.mark.parametrize(
    "text, field, words",
    [
        pytest.param('{"at": "2026-03-02T08:00:00Z",', "(json)", "not valid JSON", id="bad-json"),
        pytest.param(
            _with(["vitals", 0, "oxygen", "device"], "nasal_prongs"),
            "vitals[0].oxygen.device",
            '"nasal_prongs" is not an oxygen device; allowed: room_air',
            id="bad-device",
        ),
        pytest.param(
            _batch_with_bad_second_case(),
            "[1].vitals[0].oxygen.device",
            '"face_tent" is not an oxygen device',
            id="batch-names-the-index",
        ),
        pytest.param(
            _with(["vitals", 0, "temperature_c"], 46),
            "vitals[0].temperature_c",
            "46 is outside the plausible range 25-45 °C",
            id="temperature-46",
        ),
        pytest.param(
            _with(["vitals", 0, "oxygen", "flow_l_min"], 0),
            "vitals[0].oxygen.flow_l_min",
            "0 L/min is only possible with room_air",
            id="flow-0-nasal-cannula",
        ),
        pytest.param(
            _with(["at"], "2026-03-02T08:00:00"), "at", "has no UTC offset", id="naive-time"
        ),
        pytest.param(
            _with(["patient"], {"weight_kg": 80}),
            "patient.age_years",
            "is required",
            id="no-age",
        ),
    ],
)
def test_bad_input_prints_one_line_naming_the_field_and_exits_2(text, field, words):
    out, err, code = grade(text)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith(f"error: {field}: ")
    assert words in err


def test_a_missing_file_is_an_error_not_a_traceback(tmp_path):
    err = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("grade", str(tmp_path / "missing.json"), stderr=err)
    assert exit_.value.code == 2
    assert err.getvalue().startswith("error: (file): cannot read")


def test_from_the_shell_it_exits_2_with_nothing_on_stdout():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "crsmonitor.settings"}
    env.setdefault("SECRET_KEY", "test-only-secret-key")
    bad = _with(["vitals", 0, "temperature_c"], 46)
    run = subprocess.run(
        [sys.executable, "manage.py", "grade", "-"],
        input=bad,
        capture_output=True,
        text=True,
        cwd=PROJECT,
        env=env,
        timeout=60,
    )
    assert run.returncode == 2
    assert run.stdout == ""
    assert run.stderr.strip().startswith("error: vitals[0].temperature_c: 46 is outside")
    assert "Traceback" not in run.stderr

    good = subprocess.run(
        [sys.executable, "manage.py", "grade", "-"],
        input=json.dumps(spec_input()),
        capture_output=True,
        text=True,
        cwd=PROJECT,
        env=env,
        timeout=60,
    )
    assert good.returncode == 0
    assert json.loads(good.stdout)["crs"]["grade"] == 2


@pytest.mark.parametrize(
    "example, check", [pytest.param(c, k, id=i) for i, c, k in R2_PROMPT_EXAMPLES]
)
def test_every_r2_prompt_example(example, check):
    assert check(grade_ok(example))


@pytest.mark.parametrize(
    "path, value, field, words",
    [
        pytest.param(
            ["events"],
            [{"at": "2026-03-02T07:00:00Z", "kind": "xray"}],
            "events[0].kind",
            '"xray" is not a work-up event',
            id="bad-event-kind",
        ),
        pytest.param(
            ["medications", 0, "class"],
            "antibiotics",
            "medications[0].class",
            '"antibiotics" is not a drug class',
            id="bad-drug-class",
        ),
    ],
)
def test_bad_r2_input_names_the_field_and_exits_2(path, value, field, words):
    out, err, code = grade(_with(path, value))
    assert (code, out) == (2, "")
    assert err.startswith(f"error: {field}: ") and words in err


def test_unknown_drugs_and_lab_tests_are_accepted():
    obj = spec_input()
    obj["medications"].append({"at": "2026-03-02T05:00:00Z", "drug": "posaconazole"})
    obj["medications"].append({"at": "2026-03-02T05:00:00Z", "drug": "paracetamol"})
    obj["labs"].append({"at": "2026-03-02T06:00:00Z", "test": "beta_d_glucan", "value": 80})
    assert grade_ok(obj)["crs"]["grade"] == 2
