"""`manage.py grade` (spec/grade-command.md): every public example, and bad
input that must fail with one line naming the field and exit code 2."""

import io
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
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


def hourly_replay(hours: int = 36) -> list[dict]:
    """An episode replayed hour by hour: each case repeats the chart so far, as
    an integrator replaying a stay sends it (a fever from hour 10, shock from
    hour 18 with tocilizumab, labs and neuro checks along the way)."""
    start = datetime(2026, 3, 1, 0, 0, tzinfo=UTC)

    def at(hour: float) -> str:
        return (start + timedelta(hours=hour)).isoformat().replace("+00:00", "Z")

    vitals, neuro, medications, labs = [], [], [], []
    cases = []
    for hour in range(hours):
        vitals.append(
            {
                "at": at(hour),
                "temperature_c": 38.6 if hour >= 10 else 36.9,
                "heart_rate": 118 if hour >= 18 else 84,
                "systolic": 84 if hour >= 18 else 122,
                "diastolic": 46 if hour >= 18 else 74,
                "respiratory_rate": 22,
                "spo2": 95,
                "oxygen": {"device": "nasal_cannula", "flow_l_min": 3}
                if hour >= 14
                else {"device": "room_air"},
                "vasopressors": ["norepinephrine"] if hour >= 20 else [],
            }
        )
        if hour % 8 == 0:
            neuro.append({"at": at(hour + 0.2), "tool": "ICE", "score": 10})
        if hour % 12 == 0:
            labs.append({"at": at(hour + 0.3), "test": "anc", "value": 800})
        if hour in (11, 19):
            medications.append({"at": at(hour + 0.5), "drug": "tocilizumab", "dose_mg": 640})
        cases.append(
            {
                "at": at(hour + 0.9),
                "protocol": "A",
                "patient": {"age_years": 54, "weight_kg": 80},
                "infusion_at": at(-2),
                "vitals": list(vitals),
                "neuro": list(neuro),
                "medications": list(medications),
                "labs": list(labs),
            }
        )
    return cases


def test_a_batch_replaying_a_stay_grades_each_case_as_it_would_alone():
    cases = hourly_replay()
    batch = grade_ok(cases)
    assert batch == [grade_ok(one) for one in cases]
    assert [batch[hour]["crs"]["grade"] for hour in (9, 10, 14)] == [0, 1, 2]
    assert batch[-1]["crs"]["grade"] == 3


def test_an_entry_changed_in_a_later_case_is_checked_again_and_named_there():
    cases = hourly_replay(12)
    # Case 7 repeats vitals[2] with a typing error; cases 2-6 carried it right.
    cases[7]["vitals"][2] = {**cases[7]["vitals"][2], "temperature_c": 46}
    out, err, code = grade(json.dumps(cases))
    assert (out, code) == ("", 2)
    assert err.startswith("error: [7].vitals[2].temperature_c: 46 is outside")
    # true is not 1: a flag where a number belongs is refused though 1 was fine.
    cases = hourly_replay(6)
    cases[5]["vitals"][0] = {**cases[5]["vitals"][0], "spo2": True}
    assert grade(json.dumps(cases))[1].startswith("error: [5].vitals[0].spo2: expected a number")


def test_it_grades_a_batch_with_no_database_broker_or_cache_within_reach(tmp_path):
    """The engine needs no server: with the database, the broker and the cache
    pointing at a closed port, a stay replayed hour by hour still grades."""
    cases = hourly_replay(24)
    path = tmp_path / "stay.json"
    path.write_text(json.dumps(cases))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "crsmonitor.settings",
        "DATABASE_URL": "postgres://nobody@127.0.0.1:1/unreachable",
        "REDIS_URL": "redis://127.0.0.1:1/0",
    }
    env.setdefault("SECRET_KEY", "test-only-secret-key")
    run = subprocess.run(
        [sys.executable, "manage.py", "grade", str(path)],
        capture_output=True,
        text=True,
        cwd=PROJECT,
        env=env,
        timeout=120,
    )
    assert (run.returncode, run.stderr) == (0, "")
    assert json.loads(run.stdout) == grade_ok(cases)


def test_it_never_opens_a_database_connection(monkeypatch):
    from django.db.backends.base.base import BaseDatabaseWrapper

    def refuse(self):
        raise AssertionError("manage.py grade opened a database connection")

    monkeypatch.setattr(BaseDatabaseWrapper, "connect", refuse)
    assert len(grade_ok(hourly_replay(6))) == 6
