"""Dose counters (clinical-rules.md section 5) and the protocols' steroid
doses (section 4)."""

import pytest

from grading.rules import (
    NO_PAEDIATRIC_DOSE,
    drug_counters,
    steroid_dexamethasone_equivalent_mg,
    steroid_recommendations,
)

from .chart import ago, drug, snapshot


def test_there_is_a_counter_for_every_drug_given():
    chart = snapshot(
        drug("tocilizumab", 30, 640),
        drug("tocilizumab", 10, 640),
        drug("dexamethasone", 6, 10),
        drug("acetaminophen", 2, None),
    )
    counters = {c.drug: c for c in drug_counters(chart)}
    assert sorted(counters) == ["acetaminophen", "dexamethasone", "tocilizumab"]
    toci = counters["tocilizumab"]
    assert (toci.doses_total, toci.doses_last_24h) == (2, 1)
    assert (toci.mg_total, toci.mg_last_24h) == (1280, 640)
    assert toci.last_dose_at == ago(hours=10)
    assert counters["acetaminophen"].mg_total == 0  # dose not charted


def test_a_dose_exactly_24h_ago_has_left_the_24h_window():
    counter = drug_counters(snapshot(drug("dexamethasone", 24, 10)))[0]
    assert (counter.doses_last_24h, counter.doses_total) == (0, 1)


@pytest.mark.parametrize(
    "name, dose, equivalent",
    [
        pytest.param("dexamethasone", 10, 10, id="dexamethasone-1-to-1"),
        pytest.param("methylprednisolone", 4, 0.75, id="methylprednisolone-4mg"),
        pytest.param("methylprednisolone", 500, 93.75, id="methylprednisolone-500mg"),
        pytest.param("hydrocortisone", 20, 0.75, id="hydrocortisone-20mg"),
        pytest.param("acetaminophen", 1000, 0, id="not-a-steroid"),
    ],
)
def test_steroid_dexamethasone_equivalents(name, dose, equivalent):
    last_24h, total = steroid_dexamethasone_equivalent_mg(snapshot(drug(name, 2, dose)))
    assert last_24h == pytest.approx(equivalent)
    assert total == pytest.approx(equivalent)


def test_steroid_totals_split_the_last_24h_from_the_episode():
    chart = snapshot(drug("dexamethasone", 30, 10), drug("methylprednisolone", 2, 40))
    assert steroid_dexamethasone_equivalent_mg(chart) == pytest.approx((7.5, 17.5))


@pytest.mark.parametrize(
    "protocol, grade, expected",
    [
        pytest.param("A", 1, [], id="A-grade-1"),
        pytest.param(
            "A",
            2,
            [
                (
                    "dexamethasone",
                    10,
                    "refractory_hypotension",
                    "consider for persistent refractory hypotension:"
                    " dexamethasone 10 mg IV every 12-24 h",
                )
            ],
            id="A-grade-2",
        ),
        pytest.param(
            "A",
            3,
            [("dexamethasone", 10, None, "dexamethasone 10 mg IV every 6 h")],
            id="A-grade-3",
        ),
        pytest.param(
            "A",
            4,
            [
                (
                    "methylprednisolone",
                    500,
                    None,
                    "methylprednisolone 500 mg IV every 12 h for 3 days, then taper",
                ),
                (
                    "methylprednisolone",
                    1000,
                    None,
                    "if not improving: methylprednisolone 1000 mg IV twice daily",
                ),
            ],
            id="A-grade-4",
        ),
        pytest.param("B", 1, [], id="B-grade-1"),
        pytest.param(
            "B",
            2,
            [
                (
                    "dexamethasone",
                    10,
                    "deterioration",
                    "if deteriorating: dexamethasone 10 mg IV every 6 h, with the second"
                    " tocilizumab dose",
                )
            ],
            id="B-grade-2",
        ),
        pytest.param(
            "B",
            3,
            [
                ("dexamethasone", 10, None, "dexamethasone 10 mg IV every 6 h for 1-3 days"),
                (
                    "dexamethasone",
                    20,
                    None,
                    "if deteriorating: dexamethasone 20 mg IV every 6 h for 3 days, then taper"
                    " over 3-7 days",
                ),
            ],
            id="B-grade-3",
        ),
        pytest.param(
            "B",
            4,
            [
                ("dexamethasone", 20, None, "dexamethasone 20 mg IV every 6 h for 3 days"),
                (
                    "methylprednisolone",
                    1000,
                    None,
                    "if no improvement: methylprednisolone 1000 mg IV per day for 3 days, then"
                    " 250 mg twice daily x2 days, 125 mg twice daily x2 days, 60 mg twice daily"
                    " x2 days",
                ),
            ],
            id="B-grade-4",
        ),
    ],
)
def test_adult_steroid_doses_per_grade_and_protocol(protocol, grade, expected):
    found = steroid_recommendations(snapshot(protocol=protocol), grade)
    assert [(r.drug, r.dose_mg, r.condition, r.text) for r in found] == expected
    assert all(r.source.startswith(f"Protocol {protocol} source: guideline summary") for r in found)


@pytest.mark.parametrize("protocol", ["A", "B"])
@pytest.mark.parametrize("grade", [2, 3, 4])
@pytest.mark.parametrize("age", [0.5, 12, 17.9])
def test_a_child_never_sees_an_adult_steroid_dose(protocol, grade, age):
    found = steroid_recommendations(snapshot(protocol=protocol, age=age, weight=25), grade)
    assert found
    assert {r.text for r in found} == {NO_PAEDIATRIC_DOSE}
    assert {r.dose_mg for r in found} == {None}


def test_at_18_the_adult_dose_is_shown():
    found = steroid_recommendations(snapshot(age=18), 3)
    assert found[0].text == "dexamethasone 10 mg IV every 6 h"


def test_the_paediatric_message_reads_as_in_the_spec():
    assert NO_PAEDIATRIC_DOSE == "no paediatric dose rule in this protocol: check with pharmacy"
