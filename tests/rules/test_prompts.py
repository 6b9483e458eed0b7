"""Prompts, clinical-rules.md section 6: every code raised and not raised."""

from datetime import timedelta

import pytest

from grading.rules import NO_PAEDIATRIC_DOSE, PROMPT_CODES, WardSettings, evaluate
from grading.rules.situation import Situation

from .chart import T, ago, drug, event, lab, neuro, snapshot, toci, vitals

LONG_AGO = T - timedelta(hours=100)


def open_prompts(*entries, **kwargs):
    return {p.code: p for p in evaluate(snapshot(*entries, **kwargs)).prompts}


def every(hours_from: float, step: float = 4, **fields):
    """A vitals set every `step` hours from `hours_from` ago until 15 min ago."""
    sets, hours = [], hours_from
    while hours > 0.25:
        sets.append(vitals(at=ago(hours=hours), **fields))
        hours -= step
    sets.append(vitals(**fields))
    return tuple(sets)


GRADE_1 = vitals(temp=38.5, sbp=120, dbp=70)
GRADE_2 = vitals(temp=38.5, sbp=85, dbp=50)
GRADE_3 = vitals(temp=38.5, sbp=120, dbp=70, device="high_flow_nasal_cannula", flow=40)
GRADE_4 = vitals(temp=38.5, sbp=120, dbp=70, device="bipap")


def test_the_codes_are_those_of_the_spec():
    assert set(PROMPT_CODES) == {
        "infection_workup",
        "tocilizumab_indicated",
        "tocilizumab_consider",
        "tocilizumab_limit_reached",
        "dexamethasone",
        "methylprednisolone",
        "icu_transfer",
        "refractory_options",
        "hemoperfusion_consider",
        "assess_oxygen",
        "evaluate_other_causes",
        "icans_present",
        "antifungal_prophylaxis",
        "gm_csf_contraindicated",
        "grading_overdue",
        "neuro_overdue",
        "toci_lab_monitoring",
        "news2_urgent",
        "news2_emergency",
        "tocilizumab_repeat_on_hold",
        "telemetry",
        "echocardiogram_consider",
        "febrile_neutropenia",
        "icans_management",
        "seizure_prophylaxis_consider",
        "icans_risk_high",
        "iec_hs_consider",
    }


# infection_workup: a new fever (seed 000 / seed 001).
@pytest.mark.parametrize(
    "protocol, words",
    [
        pytest.param("A", "antibiotics if neutropenic", id="A-if-neutropenic"),
        pytest.param("B", "antibiotics immediately", id="B-immediately"),
    ],
)
def test_a_fever_raises_the_infection_workup(protocol, words):
    found = open_prompts(vitals(temp=38.0), protocol=protocol)["infection_workup"]
    assert words in found.text
    assert found.severity == "high"
    assert f". Protocol {protocol} source: guideline summary" in found.text


@pytest.mark.parametrize(
    "entry, infusion",
    [
        pytest.param(vitals(temp=37.9), LONG_AGO, id="no-fever"),
        pytest.param(vitals(at=ago(hours=3), temp=39.0), ago(hours=2), id="before-infusion"),
    ],
)
def test_no_infection_workup_without_a_fever_in_the_episode(entry, infusion):
    assert "infection_workup" not in open_prompts(entry, infusion=infusion)


# tocilizumab_indicated / tocilizumab_limit_reached (both seeds; label).
def test_grade_2_with_a_dose_allowed_indicates_tocilizumab_with_its_dose():
    found = open_prompts(GRADE_2)["tocilizumab_indicated"]
    assert found.dose_text == "tocilizumab 640 mg IV (8 mg/kg, max 800 mg)"
    assert "Tocilizumab US label" in found.text


def test_a_child_under_30_kg_is_indicated_12_mg_per_kg():
    found = open_prompts(vitals(temp=38.5, sbp=80, dbp=40), age=6, weight=25)
    assert (
        found["tocilizumab_indicated"].dose_text == "tocilizumab 300 mg IV (12 mg/kg, max 800 mg)"
    )


CULTURE = event("blood_culture", 11)


@pytest.mark.parametrize(
    "entries, kwargs, indicated, limited, on_hold",
    [
        pytest.param((GRADE_1,), {}, False, False, False, id="grade-1-neither"),
        pytest.param((GRADE_2,), {}, True, False, False, id="grade-2-allowed"),
        pytest.param((GRADE_2, *toci(5)), {}, False, True, False, id="grade-2-within-8h"),
        pytest.param((GRADE_2,), {"weight": None}, False, True, False, id="grade-2-no-weight"),
        pytest.param(
            (GRADE_3, *toci(40, 30, 20, 10)), {}, False, True, False, id="grade-3-A-max-total"
        ),
        pytest.param((GRADE_1, *toci(5)), {}, False, False, False, id="grade-1-block-no-prompt"),
        pytest.param(
            (GRADE_3, *toci(10), neuro(8), CULTURE),
            {"protocol": "B"},
            False,
            False,
            True,
            id="B-grade-3-icans-on-hold-not-limited",
        ),
        pytest.param(
            (GRADE_3, neuro(8)), {"protocol": "B"}, True, False, False, id="B-first-dose-icans"
        ),
        pytest.param(
            (GRADE_2, *toci(10), neuro(8), CULTURE),
            {"protocol": "B"},
            True,
            False,
            False,
            id="B-grade-2-icans",
        ),
        pytest.param(
            (GRADE_2, *toci(10)), {"protocol": "B"}, False, False, True, id="B-repeat-no-culture"
        ),
        pytest.param(
            (GRADE_3, *toci(10), neuro(8)), {}, True, False, False, id="A-repeat-with-icans"
        ),
    ],
)
def test_tocilizumab_is_indicated_limited_or_its_repeat_on_hold_from_grade_2(
    entries, kwargs, indicated, limited, on_hold
):
    found = open_prompts(*entries, **kwargs)
    assert ("tocilizumab_indicated" in found) is indicated
    assert ("tocilizumab_limit_reached" in found) is limited
    assert ("tocilizumab_repeat_on_hold" in found) is on_hold


def test_the_limit_prompt_says_why_and_when():
    text = open_prompts(GRADE_2, *toci(5))["tocilizumab_limit_reached"].text
    assert "less than 8 h since the last dose at 03:00" in text
    assert "next dose allowed from 11:00" in text


def test_the_limit_prompt_asks_for_a_weight():
    text = open_prompts(GRADE_2, weight=None)["tocilizumab_limit_reached"].text
    assert "no weight from the last 7 days: weigh the patient" in text


def test_protocol_b_holds_a_repeat_dose_while_icans_is_present():
    found = open_prompts(GRADE_3, *toci(10), neuro(8), CULTURE, protocol="B")
    held = found["tocilizumab_repeat_on_hold"]
    assert "no repeat dose at CRS grade 3 or above while ICANS is present" in held.text
    assert held.severity == "info"
    assert "tocilizumab_limit_reached" not in found


def test_a_repeat_dose_carries_the_protocol_repeat_rule():
    text = open_prompts(GRADE_2, *toci(10), CULTURE, protocol="B")["tocilizumab_indicated"].text
    assert "if no improvement within 3 days and infection excluded" in text
    assert "confirm infection is excluded (blood culture at 1 Mar 21:00)" in text


# tocilizumab_consider: grade 1 lasting > 3 days (protocol A, seed 000).
@pytest.mark.parametrize(
    "fever_since_hours, protocol, raised",
    [
        pytest.param(80, "A", True, id="A-80h"),
        pytest.param(72 + 1 / 60, "A", True, id="A-72h-1min"),
        pytest.param(72, "A", False, id="A-exactly-72h"),
        pytest.param(60, "A", False, id="A-60h"),
        pytest.param(80, "B", False, id="B-never"),
    ],
)
def test_tocilizumab_consider_after_3_days_of_grade_1(fever_since_hours, protocol, raised):
    fevers = every(fever_since_hours, step=8, temp=38.3, sbp=120, dbp=70)
    found = open_prompts(*fevers, protocol=protocol, infusion=LONG_AGO)
    assert ("tocilizumab_consider" in found) is raised


def test_tocilizumab_consider_needs_grade_1_now():
    fevers = every(80, step=8, temp=38.3, sbp=120, dbp=70)
    found = open_prompts(*fevers, GRADE_2, infusion=LONG_AGO)
    assert "tocilizumab_consider" not in found


@pytest.mark.parametrize(
    "onset_hours_ago, raised",
    [pytest.param(58, False, id="new-crs-58h"), pytest.param(73, True, id="new-crs-73h")],
)
def test_the_3_days_count_from_the_latest_crs_onset(monkeypatch, onset_hours_ago, raised):
    # A CRS that resolved and began again: the count restarts at the new onset
    # (clinical-rules.md section 8); the course itself is tested with the CRS.
    fevers = every(100, step=8, temp=38.3, sbp=120, dbp=70)
    onsets = (ago(hours=100), ago(hours=onset_hours_ago))
    monkeypatch.setattr(Situation, "crs_onsets", property(lambda s: onsets))
    found = open_prompts(*fevers, infusion=LONG_AGO - timedelta(hours=10))
    assert ("tocilizumab_consider" in found) is raised


def test_tocilizumab_consider_only_while_the_crs_is_active(monkeypatch):
    fevers = every(80, step=8, temp=38.3, sbp=120, dbp=70)
    monkeypatch.setattr(Situation, "crs_active", property(lambda s: False))
    assert "tocilizumab_consider" not in open_prompts(*fevers, infusion=LONG_AGO)


# dexamethasone / methylprednisolone (seed 000 / seed 001 by grade).
@pytest.mark.parametrize(
    "protocol, entry, dexamethasone, methylprednisolone",
    [
        pytest.param("A", GRADE_2, None, None, id="A-grade-2-plain"),
        pytest.param("A", GRADE_3, "dexamethasone 10 mg IV every 6 h", None, id="A-grade-3"),
        pytest.param(
            "A",
            GRADE_4,
            None,
            "methylprednisolone 500 mg IV every 12 h for 3 days, then taper; if not improving:"
            " methylprednisolone 1000 mg IV twice daily",
            id="A-grade-4",
        ),
        pytest.param("B", GRADE_2, None, None, id="B-grade-2-plain"),
        pytest.param(
            "B",
            GRADE_3,
            "dexamethasone 10 mg IV every 6 h for 1-3 days; if deteriorating: dexamethasone"
            " 20 mg IV every 6 h for 3 days, then taper over 3-7 days",
            None,
            id="B-grade-3",
        ),
        pytest.param(
            "B",
            GRADE_4,
            "dexamethasone 20 mg IV every 6 h for 3 days",
            "if no improvement: methylprednisolone 1000 mg IV per day for 3 days, then 250 mg"
            " twice daily x2 days, 125 mg twice daily x2 days, 60 mg twice daily x2 days",
            id="B-grade-4",
        ),
    ],
)
def test_steroid_prompts_by_grade(protocol, entry, dexamethasone, methylprednisolone):
    found = open_prompts(entry, protocol=protocol)
    assert getattr(found.get("dexamethasone"), "dose_text", None) == dexamethasone
    assert getattr(found.get("methylprednisolone"), "dose_text", None) == methylprednisolone


def test_a_child_gets_the_pharmacy_message_not_a_dose():
    found = open_prompts(GRADE_4, age=9, weight=28)
    assert found["methylprednisolone"].dose_text == NO_PAEDIATRIC_DOSE
    assert "mg IV" not in found["methylprednisolone"].text


def test_protocol_a_grade_2_with_refractory_hypotension_prompts_dexamethasone():
    chart = (
        vitals(at=ago(hours=8), temp=38.5, sbp=84, dbp=50),
        *toci(6),
        vitals(at=ago(hours=4), temp=37.5, sbp=85, dbp=50),
        vitals(temp=37.5, sbp=86, dbp=50),
    )
    found = open_prompts(*chart)["dexamethasone"]
    assert found.dose_text == (
        "consider for persistent refractory hypotension: dexamethasone 10 mg IV every 12-24 h"
    )
    assert "hypotension persisting since tocilizumab at 02:00" in found.text


def test_hypotension_that_lifted_after_tocilizumab_is_not_refractory():
    chart = (
        vitals(at=ago(hours=8), temp=38.5, sbp=84, dbp=50),
        *toci(6),
        vitals(at=ago(hours=4), temp=37.5, sbp=110, dbp=70),
        vitals(temp=37.5, sbp=86, dbp=50),
    )
    assert "dexamethasone" not in open_prompts(*chart)


def test_protocol_b_grade_2_deteriorating_after_tocilizumab_prompts_dexamethasone():
    chart = (
        vitals(at=ago(hours=10, minutes=5), temp=38.5, sbp=85, dbp=50),
        *toci(10),
        vitals(at=ago(hours=5), temp=37.5, sbp=120, dbp=70),  # improving: grade 1
        vitals(temp=37.5, sbp=86, dbp=50),  # hypotensive again: grade 2
    )
    found = open_prompts(*chart, protocol="B")["dexamethasone"]
    assert "CRS grade rose from 1 to 2 after tocilizumab at 1 Mar 22:00" in found.text
    assert found.dose_text.startswith("if deteriorating: dexamethasone 10 mg IV every 6 h")


def test_protocol_b_grade_2_steady_after_tocilizumab_does_not_prompt_dexamethasone():
    chart = (vitals(at=ago(hours=10, minutes=5), temp=38.5, sbp=85, dbp=50), *toci(10), GRADE_2)
    assert "dexamethasone" not in open_prompts(*chart, protocol="B")


# icu_transfer: grade >= 3 (both), grade 2 (B).
@pytest.mark.parametrize(
    "protocol, entry, raised",
    [
        pytest.param("A", GRADE_2, False, id="A-grade-2"),
        pytest.param("A", GRADE_3, True, id="A-grade-3"),
        pytest.param("A", GRADE_4, True, id="A-grade-4"),
        pytest.param("B", GRADE_1, False, id="B-grade-1"),
        pytest.param("B", GRADE_2, True, id="B-grade-2"),
        pytest.param("B", GRADE_3, True, id="B-grade-3"),
    ],
)
def test_icu_transfer(protocol, entry, raised):
    assert ("icu_transfer" in open_prompts(entry, protocol=protocol)) is raised


# refractory_options: grade >= 3 for 24 h after tocilizumab and a steroid.
HIGH_FLOW_SINCE_40H = every(40, temp=38.5, device="high_flow_nasal_cannula", flow=40)


@pytest.mark.parametrize(
    "steroid_hours_ago, settings, raised",
    [
        pytest.param(28, None, True, id="28h-after-both"),
        pytest.param(24, None, True, id="exactly-24h"),
        pytest.param(23.5, None, False, id="23.5h"),
        pytest.param(20, WardSettings(refractory_after_hours=12), True, id="ward-12h"),
        pytest.param(None, None, False, id="no-steroid"),
    ],
)
def test_refractory_options(steroid_hours_ago, settings, raised):
    steroid = () if steroid_hours_ago is None else (drug("dexamethasone", steroid_hours_ago, 10),)
    found = open_prompts(*HIGH_FLOW_SINCE_40H, *toci(30), *steroid, settings=settings)
    assert ("refractory_options" in found) is raised


def test_refractory_options_list_the_protocol_options():
    chart = (*HIGH_FLOW_SINCE_40H, *toci(30), drug("dexamethasone", 28, 10))
    assert (
        "siltuximab, clazakizumab, anakinra"
        in open_prompts(*chart, protocol="B")["refractory_options"].text
    )


def test_refractory_counts_from_the_start_of_grade_3():
    chart = (
        *every(40, temp=38.5),  # grade 1 until the high flow starts
        *every(10, temp=38.5, device="high_flow_nasal_cannula", flow=40),
        *toci(30),
        drug("dexamethasone", 28, 10),
    )
    assert "refractory_options" not in open_prompts(*chart)


# hemoperfusion_consider (protocol A, seed 000).
TWO_PRESSORS = ("norepinephrine", "epinephrine")
TWO_PRESSORS_SINCE_40H = every(40, temp=38.5, sbp=80, dbp=40, pressors=TWO_PRESSORS)


@pytest.mark.parametrize(
    "entries, protocol, raised",
    [
        pytest.param(
            (*TWO_PRESSORS_SINCE_40H, *toci(30), drug("methylprednisolone", 25, 500)),
            "A",
            True,
            id="A-after-toci-and-high-dose",
        ),
        pytest.param(
            (*TWO_PRESSORS_SINCE_40H, *toci(30), drug("methylprednisolone", 24, 500)),
            "A",
            True,
            id="A-exactly-24h-after",
        ),
        pytest.param(
            (*TWO_PRESSORS_SINCE_40H, *toci(30), drug("methylprednisolone", 23.5, 500)),
            "A",
            False,
            id="A-23.5h-after",
        ),
        pytest.param(
            (*TWO_PRESSORS_SINCE_40H, *toci(30), drug("methylprednisolone", 25, 500)),
            "B",
            False,
            id="B-never",
        ),
        pytest.param(
            (*TWO_PRESSORS_SINCE_40H, *toci(30), drug("methylprednisolone", 25, 250)),
            "A",
            False,
            id="not-high-dose",
        ),
        pytest.param(
            (*TWO_PRESSORS_SINCE_40H, *toci(30)),
            "A",
            False,
            id="no-steroid",
        ),
        pytest.param(
            (
                *every(40, temp=38.5, device="bipap", pressors=("norepinephrine",)),
                *toci(30),
                drug("methylprednisolone", 25, 500),
            ),
            "A",
            False,
            id="grade-4-without-multiple-pressors",
        ),
        pytest.param(
            (
                *(
                    vitals(at=ago(hours=h), temp=38.5, sbp=80, dbp=40, pressors=TWO_PRESSORS)
                    for h in (40, 36, 32, 28)
                ),
                *toci(39),
                drug("methylprednisolone", 27, 500),
            ),
            "A",
            False,
            id="no-vitals-since-treatment",
        ),
    ],
)
def test_hemoperfusion_consider(entries, protocol, raised):
    assert ("hemoperfusion_consider" in open_prompts(*entries, protocol=protocol)) is raised


# assess_oxygen: SpO2 < 92 % on room air.
@pytest.mark.parametrize(
    "entry, raised",
    [
        pytest.param(vitals(spo2=91), True, id="91-room-air"),
        pytest.param(vitals(spo2=92), False, id="92-room-air"),
        pytest.param(vitals(spo2=85, device="nasal_cannula", flow=2), False, id="85-on-oxygen"),
        pytest.param(vitals(spo2=85, device=None), True, id="85-oxygen-not-charted"),
        pytest.param(vitals(spo2=None), False, id="not-measured"),
    ],
)
def test_assess_oxygen(entry, raised):
    assert ("assess_oxygen" in open_prompts(entry)) is raised


# evaluate_other_causes: hypotension or oxygen need without the fever criterion.
@pytest.mark.parametrize(
    "entries, raised",
    [
        pytest.param((vitals(temp=37.9, sbp=80, dbp=50),), True, id="37.9-sbp-80"),
        pytest.param((vitals(temp=37.9, device="nasal_cannula", flow=2),), True, id="oxygen"),
        pytest.param((vitals(temp=38.5, sbp=80, dbp=50),), False, id="with-fever"),
        pytest.param((vitals(temp=37.2),), False, id="nothing-wrong"),
        pytest.param(
            (
                vitals(at=ago(hours=30), temp=39),
                drug("acetaminophen", 29),
                vitals(temp=37.2, sbp=80, dbp=50),
            ),
            False,
            id="fever-exemption",
        ),
    ],
)
def test_evaluate_other_causes(entries, raised):
    assert ("evaluate_other_causes" in open_prompts(*entries)) is raised


@pytest.mark.parametrize(
    "entry, raised",
    [
        pytest.param(neuro(9), True, id="ice-9"),
        pytest.param(neuro(10), False, id="ice-10"),
        pytest.param(neuro(5, excluded={"score"}), False, id="excluded"),
    ],
)
def test_icans_present(entry, raised):
    found = open_prompts(entry)
    assert ("icans_present" in found) is raised
    if raised:
        assert "tocilizumab does not treat ICANS and may worsen it" in found["icans_present"].text


@pytest.mark.parametrize(
    "entries, raised",
    [
        pytest.param((drug("dexamethasone", 2, 10),), True, id="dexamethasone"),
        pytest.param((drug("hydrocortisone", 2, 100),), True, id="hydrocortisone"),
        pytest.param((drug("dexamethasone", 60, 10),), False, id="before-infusion"),
        pytest.param((drug("tocilizumab", 2, 640),), False, id="not-a-steroid"),
    ],
)
def test_antifungal_prophylaxis(entries, raised):
    assert ("antifungal_prophylaxis" in open_prompts(*entries)) is raised


@pytest.mark.parametrize(
    "entries, raised",
    [
        pytest.param((drug("sargramostim", 1, 0.25),), True, id="sargramostim"),
        pytest.param((drug("acetaminophen", 1, 1000),), False, id="no-gm-csf"),
    ],
)
def test_gm_csf_contraindicated(entries, raised):
    assert ("gm_csf_contraindicated" in open_prompts(*entries)) is raised


# grading_overdue / neuro_overdue: nothing charted in the 12 h up to T.
@pytest.mark.parametrize(
    "minutes_since_last, infusion, raised",
    [
        pytest.param(12 * 60 - 1, LONG_AGO, False, id="11h59"),
        pytest.param(12 * 60, LONG_AGO, True, id="exactly-12h"),
        pytest.param(12 * 60 + 1, LONG_AGO, True, id="12h-1min"),
        pytest.param(None, ago(hours=12, minutes=1), True, id="none-since-infusion-12h"),
        pytest.param(None, ago(hours=11), False, id="infused-11h-ago"),
        pytest.param(None, None, False, id="no-infusion"),
    ],
)
def test_overdue_prompts(minutes_since_last, infusion, raised):
    entries = ()
    if minutes_since_last is not None:
        entries = (vitals(minutes_since_last), neuro(10, minutes_ago=minutes_since_last))
    found = open_prompts(*entries, infusion=infusion)
    assert ("grading_overdue" in found) is raised
    assert ("neuro_overdue" in found) is raised


def test_vitals_and_neuro_are_overdue_separately():
    found = open_prompts(vitals(30), neuro(10, minutes_ago=13 * 60))
    assert "neuro_overdue" in found and "grading_overdue" not in found


# toci_lab_monitoring: after tocilizumab (label; seed 001).
@pytest.mark.parametrize(
    "labs, raised",
    [
        pytest.param((lab("anc", 999),), True, id="anc-999"),
        pytest.param((lab("anc", 1000),), False, id="anc-1000"),
        pytest.param((lab("platelets", 49_999),), True, id="platelets-49999"),
        pytest.param((lab("platelets", 50_000),), False, id="platelets-50000"),
        pytest.param((lab("alt", 200, uln=40),), True, id="alt-5x-uln"),
        pytest.param((lab("alt", 199, uln=40),), False, id="alt-under-5x"),
        pytest.param((lab("ast", 200),), True, id="ast-default-uln-40"),
        pytest.param((lab("ast", 300, uln=61),), False, id="ast-own-uln"),
        pytest.param((lab("anc", 500, hours_ago=20), lab("anc", 1500)), False, id="latest-counts"),
    ],
)
def test_toci_lab_monitoring(labs, raised):
    assert ("toci_lab_monitoring" in open_prompts(*toci(10), *labs)) is raised


def test_no_lab_warning_without_tocilizumab():
    assert "toci_lab_monitoring" not in open_prompts(lab("anc", 300))


def test_prompts_come_most_severe_first():
    chart = (GRADE_3, neuro(8), drug("sargramostim", 1, 0.25), drug("dexamethasone", 1, 10))
    severities = [p.severity for p in evaluate(snapshot(*chart)).prompts]
    order = ["critical", "high", "medium", "low", "info"]
    assert severities == sorted(severities, key=order.index)
    assert severities[0] == "critical" and severities[-1] == "low"


def test_every_prompt_text_cites_its_source():
    chart = (GRADE_4, neuro(3), lab("anc", 500), *toci(10), drug("dexamethasone", 2, 10))
    for found in evaluate(snapshot(*chart)).prompts:
        assert found.source and found.text.endswith(f"{found.source}.")
        assert "Source: Protocol" not in found.text
