"""Protocols are data (clinical-rules.md section 4): checks on the records and
on the code that reads them."""

import re
from pathlib import Path

import pytest

from clinical.vocabulary import DRUGS, codes
from grading.rules import PROTOCOLS, evaluate
from grading.rules.conditions import CONDITIONS
from grading.rules.steroids import CORTICOSTEROIDS

from .chart import snapshot, toci, vitals

RULES_DIR = Path(__file__).resolve().parents[2] / "grading" / "rules"


@pytest.mark.parametrize("code", sorted(PROTOCOLS))
def test_every_protocol_is_complete(code):
    protocol = PROTOCOLS[code]
    assert protocol.code == code
    assert protocol.version and protocol.source and protocol.cite
    assert sorted(protocol.actions) == [1, 2, 3, 4]
    assert all(
        action.text and action.source for grade in protocol.actions.values() for action in grade
    )
    assert protocol.refractory_options and protocol.refractory_source
    for rule in protocol.steroid_rules:
        assert rule.drug in CORTICOSTEROIDS and rule.drug in codes(DRUGS)
        assert 1 <= rule.grade <= 4 and rule.dose_mg > 0 and rule.source
        assert rule.condition is None or rule.condition in CONDITIONS


@pytest.mark.parametrize(
    "code, per_24h, total",
    [pytest.param("A", 3, 4, id="protocol-A"), pytest.param("B", None, 2, id="protocol-B")],
)
def test_tocilizumab_limits(code, per_24h, total):
    protocol = PROTOCOLS[code]
    assert (protocol.tocilizumab_max_per_24h, protocol.tocilizumab_max_total) == (per_24h, total)
    assert protocol.tocilizumab_min_interval_hours == 8


def test_no_rule_branches_on_a_protocol_code():
    pattern = re.compile(r"""protocol(\.code)?\s*(==|!=|in)\s*[("'\[]""")
    offenders = [
        f"{path.name}: {line.strip()}"
        for path in RULES_DIR.glob("*.py")
        for line in path.read_text().splitlines()
        if pattern.search(line)
    ]
    assert offenders == []


def test_a_new_protocol_is_one_data_entry(monkeypatch):
    from dataclasses import replace

    from grading.rules import protocols

    # Protocol C: B's care with A's tocilizumab limits and repeat rule, and no
    # ICU at grade 2.
    c = replace(
        protocols.PROTOCOL_B,
        code="C",
        tocilizumab_max_per_24h=3,
        tocilizumab_max_total=4,
        tocilizumab_repeat_needs_blood_culture=False,
        tocilizumab_repeat_window_hours=None,
        icu_transfer_from_grade=3,
    )
    monkeypatch.setitem(protocols._BY_CODE, "C", c)
    chart = snapshot(vitals(temp=38.6, sbp=85, dbp=50), *toci(30, 20), protocol="C")
    result = evaluate(chart)
    codes_open = {p.code for p in result.prompts}
    assert "tocilizumab_indicated" in codes_open  # 2 of 4 given: allowed under C
    assert "icu_transfer" not in codes_open
