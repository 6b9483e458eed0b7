"""The prompts revision r2 adds or changes (clinical-rules.md sections 4, 6,
10, 12 and 13): each raised and not raised, both sides of every boundary."""

from datetime import timedelta

import pytest

from grading.rules import (
    NO_PAEDIATRIC_DOSE,
    PROTOCOLS,
    MedicationEntry,
    evaluate,
    grade_crs,
    grade_icans,
    tocilizumab_status,
)
from grading.rules.situation import SEVERITY, SEVERITY_ORDER, Situation
from grading.rules.treatment_prompts import organ_dysfunction

from .chart import T, ago, drug, event, lab, neuro, snapshot, toci, vitals

LONG_AGO = T - timedelta(hours=100)

GRADE_1 = vitals(temp=38.5, sbp=120, dbp=70)
GRADE_2 = vitals(temp=38.5, sbp=85, dbp=50)
GRADE_3 = vitals(temp=38.5, sbp=120, dbp=70, device="high_flow_nasal_cannula", flow=40)
GRADE_4 = vitals(temp=38.5, sbp=120, dbp=70, device="bipap")


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


def antibacterial(name: str, hours_ago: float, drug_class: str | None = None):
    return MedicationEntry(at=ago(hours=hours_ago), drug=name, drug_class=drug_class)


def test_info_is_the_least_severe_and_every_code_has_a_severity():
    assert SEVERITY_ORDER[-1] == "info"
    assert SEVERITY["tocilizumab_repeat_on_hold"] == "info"
    assert set(SEVERITY.values()) <= set(SEVERITY_ORDER)


# febrile_neutropenia (13.3): fever in the last 24 h, latest ANC of the last 48 h.
@pytest.mark.parametrize(
    "anc, severity",
    [
        pytest.param(400, "critical", id="anc-400"),
        pytest.param(499, "critical", id="anc-499"),
        pytest.param(500, "high", id="anc-500"),
        pytest.param(999, "high", id="anc-999"),
        pytest.param(1000, None, id="anc-1000"),
    ],
)
def test_febrile_neutropenia_by_anc(anc, severity):
    found = open_prompts(vitals(temp=38.3), lab("anc", anc)).get("febrile_neutropenia")
    assert getattr(found, "severity", None) == severity
    if found:
        assert "antibiotics within 1 hour" in found.text
        assert "no antibacterial charted yet" in found.text


@pytest.mark.parametrize(
    "entries, raised",
    [
        pytest.param((vitals(temp=37.9), lab("anc", 300)), False, id="no-fever"),
        pytest.param(
            (vitals(at=ago(hours=23, minutes=59), temp=38.0), lab("anc", 300)),
            True,
            id="fever-23h59-ago",
        ),
        pytest.param(
            (vitals(at=ago(hours=24), temp=38.0), lab("anc", 300)), False, id="fever-24h-ago"
        ),
        pytest.param(
            (vitals(temp=38.3), lab("anc", 300, hours_ago=47.9)), True, id="anc-47.9h-ago"
        ),
        pytest.param((vitals(temp=38.3), lab("anc", 300, hours_ago=48)), False, id="anc-48h-ago"),
        pytest.param(
            (vitals(temp=38.3), lab("anc", 300, hours_ago=20), lab("anc", 1200, hours_ago=2)),
            False,
            id="latest-anc-recovered",
        ),
        pytest.param(
            (vitals(temp=38.3), lab("anc", 1200, hours_ago=20), lab("anc", 900, hours_ago=2)),
            True,
            id="latest-anc-low",
        ),
        pytest.param((vitals(temp=38.3),), False, id="no-anc"),
    ],
)
def test_febrile_neutropenia_windows(entries, raised):
    assert ("febrile_neutropenia" in open_prompts(*entries)) is raised


def test_febrile_neutropenia_says_how_long_to_the_first_antibacterial():
    chart = (vitals(at=ago(hours=2), temp=38.6), lab("anc", 300), antibacterial("cefepime", 1.5))
    text = open_prompts(*chart)["febrile_neutropenia"].text
    assert "cefepime charted at 06:30, 30 min after the fever" in text


# icans_management: the floor of section 10, under every protocol.
@pytest.mark.parametrize("protocol", ["A", "B"])
@pytest.mark.parametrize(
    "entry, severity, words, dose",
    [
        pytest.param(
            neuro(9),
            "high",
            "supportive care",
            "consider dexamethasone 10 mg IV once",
            id="icans-1",
        ),
        pytest.param(
            neuro(5),
            "high",
            "EEG and brain MRI (CT if MRI is not feasible)",
            "dexamethasone 10 mg IV, repeat every 6-12 h if not improving",
            id="icans-2",
        ),
        pytest.param(
            neuro(2),
            "critical",
            "repeat brain imaging every 2-3 days",
            "dexamethasone 10 mg IV every 6 h or methylprednisolone 80 mg IV every 12 h"
            " (1 mg/kg for 80 kg)",
            id="icans-3",
        ),
        pytest.param(
            neuro(None, consciousness="unarousable"),
            "critical",
            "treat status epilepticus",
            "methylprednisolone 1000 mg IV daily for 3 days, then 250 mg every 12 h x2 days,"
            " 125 mg every 12 h x2 days, 60 mg every 12 h x2 days",
            id="icans-4",
        ),
    ],
)
def test_icans_management_by_grade(protocol, entry, severity, words, dose):
    found = open_prompts(entry, protocol=protocol)["icans_management"]
    assert found.severity == severity
    assert words in found.text
    assert "neurology consult at the first sign" in found.text
    assert found.dose_text == dose
    assert f"steroid: {dose}" in found.text
    assert "ASCO 2021 (Santomasso et al.)" in found.source


def test_no_icans_management_at_icans_0():
    assert "icans_management" not in open_prompts(neuro(10))


@pytest.mark.parametrize(
    "weight, dose",
    [
        pytest.param(
            63.5, "methylprednisolone 64 mg IV every 12 h (1 mg/kg for 63.5 kg)", id="half-up"
        ),
        pytest.param(
            None,
            "methylprednisolone 1 mg/kg IV every 12 h (no weight from the last 7 days:"
            " weigh the patient)",
            id="no-weight",
        ),
    ],
)
def test_methylprednisolone_per_kg_uses_the_weight(weight, dose):
    found = open_prompts(neuro(2), weight=weight)["icans_management"]
    assert dose in found.dose_text


@pytest.mark.parametrize(
    "grade_entry", [neuro(9), neuro(5), neuro(2), neuro(None, consciousness="unarousable")]
)
@pytest.mark.parametrize("age", [4, 17.9])
def test_a_child_never_sees_an_adult_icans_steroid_dose(grade_entry, age):
    found = open_prompts(grade_entry, age=age, weight=20)["icans_management"]
    assert NO_PAEDIATRIC_DOSE in found.dose_text
    assert " mg" not in found.text and "mg/kg" not in found.text


def test_icans_management_with_crs_says_tocilizumab_follows_the_crs():
    text = open_prompts(GRADE_2, neuro(8))["icans_management"].text
    assert "with CRS grade 2, tocilizumab follows the CRS prompts (it does not treat ICANS)" in text


# seizure_prophylaxis_consider (ASCO 2021).
@pytest.mark.parametrize(
    "entries, raised",
    [
        pytest.param((neuro(9),), True, id="icans-1-none-charted"),
        pytest.param((neuro(10),), False, id="icans-0"),
        pytest.param((neuro(9), drug("levetiracetam", 30, 500)), False, id="levetiracetam"),
        pytest.param((neuro(9), drug("levetiracetam", 60, 500)), False, id="started-at-infusion"),
    ],
)
def test_seizure_prophylaxis_consider(entries, raised):
    assert ("seizure_prophylaxis_consider" in open_prompts(*entries)) is raised


# icans_risk_high (seed 001; 13.5): (infusion, infusion + 36 h], open to day 7.
INFUSED_40H = ago(hours=40)


def after_infusion(hours: float, **fields):
    return vitals(at=INFUSED_40H + timedelta(hours=hours), **fields)


@pytest.mark.parametrize(
    "entries, raised",
    [
        pytest.param((after_infusion(20, temp=38.9, sbp=85, dbp=50),), True, id="38.9-sbp-85"),
        pytest.param((after_infusion(20, temp=38.8, sbp=85, dbp=50),), False, id="38.8-sbp-85"),
        pytest.param((after_infusion(20, temp=39.5, sbp=95, dbp=60),), False, id="no-hypotension"),
        pytest.param(
            (after_infusion(20, temp=39.0, sbp=100, dbp=60, pressors=("norepinephrine",)),),
            True,
            id="vasopressor",
        ),
        pytest.param((after_infusion(36, temp=38.9, sbp=85, dbp=50),), True, id="at-36h"),
        pytest.param(
            (after_infusion(36 + 1 / 60, temp=38.9, sbp=85, dbp=50),), False, id="36h-1min"
        ),
        pytest.param((after_infusion(0, temp=38.9, sbp=85, dbp=50),), False, id="at-infusion"),
        pytest.param(
            (
                after_infusion(10, temp=39.2, sbp=110, dbp=70),
                after_infusion(30, temp=37.5, sbp=82, dbp=45),
            ),
            True,
            id="fever-then-hypotension",
        ),
        pytest.param(
            (after_infusion(10, temp=39.2, sbp=110, dbp=70), after_infusion(37, sbp=82, dbp=45)),
            False,
            id="hypotension-after-36h",
        ),
    ],
)
def test_icans_risk_high_within_36h_of_infusion(entries, raised):
    found = open_prompts(*entries, vitals(temp=37.0), infusion=INFUSED_40H)
    assert ("icans_risk_high" in found) is raised
    if raised:
        assert "neuro checks (ICE/CAPD) every 4 h" in found["icans_risk_high"].text


@pytest.mark.parametrize(
    "days_since_infusion, raised",
    [
        pytest.param(3, True, id="day-3"),
        pytest.param(7 - 1 / (24 * 60), True, id="7d-less-1min"),
        pytest.param(7, False, id="day-7"),
    ],
)
def test_icans_risk_high_stays_open_until_day_7(days_since_infusion, raised):
    infusion = T - timedelta(days=days_since_infusion)
    early = vitals(at=infusion + timedelta(hours=12), temp=39.0, sbp=80, dbp=45)
    found = open_prompts(early, vitals(temp=37.0, sbp=120, dbp=70), infusion=infusion)
    assert ("icans_risk_high" in found) is raised


# telemetry (CRS >= 2) and echocardiogram_consider (CRS >= 3; 13.4).
@pytest.mark.parametrize(
    "entry, telemetry, echocardiogram",
    [
        pytest.param(GRADE_1, False, False, id="grade-1"),
        pytest.param(GRADE_2, True, False, id="grade-2"),
        pytest.param(GRADE_3, True, True, id="grade-3"),
        pytest.param(GRADE_4, True, True, id="grade-4"),
    ],
)
def test_telemetry_and_echocardiogram_by_grade(entry, telemetry, echocardiogram):
    found = open_prompts(entry)
    assert ("telemetry" in found) is telemetry
    assert ("echocardiogram_consider" in found) is echocardiogram


@pytest.mark.parametrize(
    "echo_hours_ago, raised",
    [
        pytest.param(None, True, id="none"),
        pytest.param(5, False, id="after-onset"),
        pytest.param(10, False, id="at-onset"),
        pytest.param(11, True, id="before-onset"),
    ],
)
def test_an_echocardiogram_after_the_onset_closes_the_prompt(echo_hours_ago, raised):
    chart = [vitals(at=ago(hours=10), temp=38.4), GRADE_3]
    if echo_hours_ago is not None:
        chart.append(event("echocardiogram", echo_hours_ago))
    assert ("echocardiogram_consider" in open_prompts(*chart)) is raised


# iec_hs_consider: ferritin > 10 000 with one of the other findings.
@pytest.mark.parametrize(
    "labs, raised",
    [
        pytest.param((lab("ferritin", 15_000), lab("fibrinogen", 120)), True, id="15000-fib-120"),
        pytest.param((lab("ferritin", 10_000), lab("fibrinogen", 120)), False, id="ferritin-10000"),
        pytest.param((lab("ferritin", 10_001), lab("fibrinogen", 120)), True, id="ferritin-10001"),
        pytest.param((lab("ferritin", 15_000), lab("fibrinogen", 150)), False, id="fibrinogen-150"),
        pytest.param((lab("ferritin", 15_000), lab("fibrinogen", 149)), True, id="fibrinogen-149"),
        pytest.param((lab("ferritin", 15_000), lab("platelets", 49_999)), True, id="platelets"),
        pytest.param((lab("ferritin", 15_000), lab("platelets", 50_000)), False, id="plt-50000"),
        pytest.param((lab("ferritin", 15_000), lab("alt", 200, uln=40)), True, id="alt-5x"),
        pytest.param((lab("ferritin", 15_000), lab("ast", 199, uln=40)), False, id="ast-under-5x"),
        pytest.param((lab("ferritin", 15_000),), False, id="ferritin-alone"),
    ],
)
def test_iec_hs_consider(labs, raised):
    found = open_prompts(*labs).get("iec_hs_consider")
    assert (found is not None) is raised
    if found:
        assert found.severity == "high"
        assert "a consideration, not a diagnosis" in found.text


# infection_workup (r2): a checklist per CRS onset (13.4).
FEVER_10H = vitals(at=ago(hours=10), temp=38.6)


@pytest.mark.parametrize(
    "entries, raised, words",
    [
        pytest.param((), True, "still to chart: a blood culture and an antibacterial", id="none"),
        pytest.param(
            (event("blood_culture", 9),),
            True,
            "still to chart: an antibacterial",
            id="culture-only",
        ),
        pytest.param(
            (antibacterial("meropenem", 9),), True, "still to chart: a blood culture", id="abx-only"
        ),
        pytest.param(
            (event("blood_culture", 9), antibacterial("meropenem", 8)), False, None, id="both"
        ),
        pytest.param(
            (event("blood_culture", 34), antibacterial("meropenem", 34)),
            False,
            None,
            id="exactly-24h-before-onset",
        ),
        pytest.param(
            (
                event(
                    "blood_culture",
                    34,
                ),
                antibacterial("meropenem", 34 + 1 / 60),
            ),
            True,
            "still to chart: an antibacterial",
            id="24h-1min-before-onset",
        ),
        pytest.param(
            (event("blood_culture", 9), antibacterial("cefiderocol", 8, "antibacterial")),
            False,
            None,
            id="unknown-drug-with-class",
        ),
        pytest.param(
            (event("blood_culture", 9), antibacterial("posaconazole", 8, "antifungal")),
            True,
            "still to chart: an antibacterial",
            id="antifungal-does-not-count",
        ),
        pytest.param(
            (event("urine_culture", 9), antibacterial("meropenem", 8)),
            True,
            "still to chart: a blood culture",
            id="urine-culture-is-not-blood",
        ),
    ],
)
def test_the_infection_workup_closes_with_a_blood_culture_and_an_antibacterial(
    entries, raised, words
):
    found = open_prompts(FEVER_10H, vitals(temp=37.2), *entries).get("infection_workup")
    assert (found is not None) is raised
    if found:
        assert words in found.text
        assert "CRS onset at 1 Mar 22:00 (fever 38.6 °C)" in found.text


def test_the_infection_workup_stays_open_after_the_fever_passes():
    chart = (vitals(at=ago(hours=30), temp=39.0), vitals(temp=37.0))
    assert "infection_workup" in open_prompts(*chart, infusion=LONG_AGO)


# evaluate_other_causes (r2): critical with a vasopressor or positive pressure.
@pytest.mark.parametrize(
    "entry, severity",
    [
        pytest.param(vitals(temp=37.2, sbp=80, dbp=50), "high", id="hypotension"),
        pytest.param(vitals(temp=37.2, device="nasal_cannula", flow=3), "high", id="low-flow"),
        pytest.param(
            vitals(temp=37.2, device="non_rebreather_mask", flow=15), "high", id="high-flow"
        ),
        pytest.param(
            vitals(temp=37.2, sbp=100, dbp=60, pressors=("norepinephrine",)),
            "critical",
            id="vasopressor",
        ),
        pytest.param(vitals(temp=37.2, device="cpap"), "critical", id="cpap"),
        pytest.param(vitals(temp=37.2, device="mechanical_ventilation"), "critical", id="vent"),
    ],
)
def test_evaluate_other_causes_severity(entry, severity):
    assert open_prompts(entry)["evaluate_other_causes"].severity == severity


# icu_transfer (13.4): closes when an ICU transfer is charted.
@pytest.mark.parametrize(
    "transfer_hours_ago, raised",
    [
        pytest.param(None, True, id="none"),
        pytest.param(2, False, id="after-onset"),
        pytest.param(11, True, id="before-onset"),
    ],
)
def test_an_icu_transfer_closes_the_prompt(transfer_hours_ago, raised):
    chart = [vitals(at=ago(hours=10), temp=38.4), GRADE_3]
    if transfer_hours_ago is not None:
        chart.append(event("icu_transfer", transfer_hours_ago))
    assert ("icu_transfer" in open_prompts(*chart)) is raised


# The repeat dose (section 4 r2; 13.6) and tocilizumab_repeat_on_hold.
CULTURE = event("blood_culture", 11)


def given_at_grade(entry_hours_ago: float, **fields):
    """Vitals at the moment of a tocilizumab dose, and the dose."""
    return (vitals(at=ago(hours=entry_hours_ago), **fields), *toci(entry_hours_ago))


AT_GRADE_3 = {"temp": 38.5, "sbp": 120, "dbp": 70, "device": "high_flow_nasal_cannula", "flow": 40}


@pytest.mark.parametrize("protocol", ["A", "B"])
@pytest.mark.parametrize(
    "now, indicated",
    [
        pytest.param(GRADE_2, False, id="improved-to-2"),
        pytest.param(GRADE_3, True, id="still-3"),
        pytest.param(GRADE_4, True, id="worse-4"),
    ],
)
def test_a_repeat_needs_no_improvement(protocol, now, indicated):
    chart = (*given_at_grade(10, **AT_GRADE_3), now, CULTURE)
    found = open_prompts(*chart, protocol=protocol)
    assert ("tocilizumab_indicated" in found) is indicated
    assert ("tocilizumab_repeat_on_hold" in found) is not indicated
    if not indicated:
        assert (
            "improving: CRS grade 2 now, grade 3 when the last dose was given at 1 Mar 22:00"
            in (found["tocilizumab_repeat_on_hold"].text)
        )


@pytest.mark.parametrize(
    "dose_hours_ago, protocol, indicated, words",
    [
        pytest.param(71.9, "B", True, None, id="B-71.9h"),
        pytest.param(72, "B", False, "beyond the protocol's 72 h repeat window", id="B-72h"),
        pytest.param(80, "B", False, "beyond the protocol's 72 h repeat window", id="B-80h"),
        pytest.param(80, "A", True, None, id="A-no-window"),
        pytest.param(8, "B", True, None, id="B-exactly-8h"),
    ],
)
def test_protocol_b_repeat_window(dose_hours_ago, protocol, indicated, words):
    chart = (GRADE_2, *toci(dose_hours_ago), CULTURE)
    found = open_prompts(*chart, protocol=protocol, infusion=LONG_AGO)
    assert ("tocilizumab_indicated" in found) is indicated
    held = found.get("tocilizumab_repeat_on_hold")
    assert (held is not None) is (not indicated)
    if held:
        assert words in held.text


def test_within_8h_the_limit_speaks_not_the_hold():
    found = open_prompts(GRADE_2, *toci(8 - 1 / 60), protocol="B")
    assert "tocilizumab_limit_reached" in found
    assert "tocilizumab_repeat_on_hold" not in found


@pytest.mark.parametrize(
    "culture_hours_ago, indicated",
    [
        pytest.param(None, False, id="no-culture"),
        pytest.param(0.1, True, id="after-onset"),
        pytest.param(24.25, True, id="24h-before-onset"),
        pytest.param(24.5, False, id="more-than-24h-before-onset"),
    ],
)
def test_protocol_b_repeat_needs_a_blood_culture(culture_hours_ago, indicated):
    chart = [GRADE_2, *toci(10)]  # the onset is GRADE_2's fever, 15 min ago
    if culture_hours_ago is not None:
        chart.append(event("blood_culture", culture_hours_ago))
    found = open_prompts(*chart, protocol="B")
    assert ("tocilizumab_indicated" in found) is indicated
    if not indicated:
        assert "no blood culture charted since the fever began: infection not excluded" in (
            found["tocilizumab_repeat_on_hold"].text
        )


def test_a_repeat_on_hold_leaves_may_give_now_to_the_limits():
    result = evaluate(snapshot(GRADE_3, *toci(10), neuro(8), protocol="B"))
    assert result.tocilizumab.may_give_now is True
    held = next(p for p in result.prompts if p.code == "tocilizumab_repeat_on_hold")
    assert held.severity == "info" and result.prompts[-1] is held
    assert "ICANS grade 1 present" in held.text
    assert "no blood culture charted" in held.text


def test_no_hold_for_a_first_dose():
    found = open_prompts(GRADE_3, neuro(8), protocol="B")
    assert "tocilizumab_indicated" in found and "tocilizumab_repeat_on_hold" not in found


def test_a_repeat_with_icans_carries_the_asco_caution():
    found = open_prompts(GRADE_3, *toci(10), neuro(8))["tocilizumab_indicated"]
    assert "consider adding corticosteroids past the first dose" in found.text
    assert "ASCO 2021 (Santomasso et al.)" in found.source


def test_the_limit_prompt_needs_an_actual_block():
    for chart in [(GRADE_3, *toci(10), neuro(8)), (GRADE_2, *toci(80))]:
        result = evaluate(snapshot(*chart, protocol="B", infusion=LONG_AGO))
        codes = {p.code for p in result.prompts}
        assert result.tocilizumab.blocked_because == ()
        assert "tocilizumab_limit_reached" not in codes


# hemoperfusion_consider (r2): multiple vasopressors or multi-organ dysfunction.
ONE_PRESSOR_BIPAP = every(40, temp=38.5, device="bipap", pressors=("norepinephrine",))
TREATED = (*toci(30), drug("methylprednisolone", 25, 500))


@pytest.mark.parametrize(
    "labs, raised",
    [
        pytest.param((), False, id="positive-pressure-alone"),
        pytest.param((lab("platelets", 40_000),), True, id="with-platelets"),
        pytest.param((lab("platelets", 50_000),), False, id="platelets-50000"),
        pytest.param((lab("alt", 250, uln=40),), True, id="with-alt"),
        pytest.param(
            (lab("creatinine", 0.8, hours_ago=60), lab("creatinine", 1.6)), True, id="creat-2x"
        ),
        pytest.param(
            (lab("creatinine", 0.8, hours_ago=60), lab("creatinine", 1.5)),
            False,
            id="creat-under-2x",
        ),
        pytest.param((lab("creatinine", 3.0),), False, id="creatinine-without-baseline"),
    ],
)
def test_hemoperfusion_with_multi_organ_dysfunction(labs, raised):
    found = open_prompts(*ONE_PRESSOR_BIPAP, *TREATED, *labs).get("hemoperfusion_consider")
    assert (found is not None) is raised
    if found:
        assert found.severity == "high"
        assert "with multi-organ dysfunction (" in found.text


def test_alt_and_ast_together_are_one_sign_of_organ_dysfunction():
    chart = snapshot(*ONE_PRESSOR_BIPAP, lab("alt", 250, uln=40), lab("ast", 300, uln=40))
    situation = Situation(chart, grade_crs(chart), grade_icans(chart), tocilizumab_status(chart))
    signs = organ_dysfunction(situation)
    assert len(signs) == 2
    assert signs[0].startswith("ALT 250 U/L") and " and AST 300 U/L" in signs[0]
    assert signs[1] == "on BiPAP"


# Others of r2: steroids by class, GM-CSF only for sargramostim, dexamethasone B grade 4.
def test_a_steroid_known_only_by_its_class_asks_for_antifungal_prophylaxis():
    prednisone = MedicationEntry(at=ago(hours=2), drug="prednisone", drug_class="steroid")
    assert "antifungal_prophylaxis" in open_prompts(prednisone)


@pytest.mark.parametrize(
    "name, raised",
    [
        pytest.param("sargramostim", True, id="gm-csf"),
        pytest.param("filgrastim", False, id="g-csf"),
    ],
)
def test_gm_csf_is_sargramostim_only(name, raised):
    assert ("gm_csf_contraindicated" in open_prompts(drug(name, 1, 0.3))) is raised


def test_protocol_b_grade_4_is_dexamethasone_20_mg_every_6_h():
    found = open_prompts(GRADE_4, protocol="B")["dexamethasone"]
    assert found.dose_text == "dexamethasone 20 mg IV every 6 h for 3 days"


# Section 12: sources a clinician can look up, never a file or a web site.
NOT_SHOWN = ("seed 0", "seed_0", ".txt", "oracle", "http", "www.", "clinical-rules.md")

RICH_CHART = (
    *every(
        40, temp=38.9, sbp=80, dbp=40, device="bipap", pressors=("norepinephrine", "epinephrine")
    ),
    neuro(2),
    *toci(30),
    drug("methylprednisolone", 25, 500),
    drug("sargramostim", 1, 0.25),
    lab("anc", 400),
    lab("ferritin", 15_000),
    lab("fibrinogen", 120),
    lab("platelets", 30_000),
)


@pytest.mark.parametrize("protocol", ["A", "B"])
def test_every_prompt_names_its_sources_as_section_12_does(protocol):
    found = evaluate(snapshot(*RICH_CHART, protocol=protocol, infusion=ago(hours=41))).prompts
    assert len(found) >= 12
    for prompt in found:
        for words in (prompt.text, prompt.source, prompt.dose_text or ""):
            assert not any(bad in words.lower() for bad in NOT_SHOWN), (prompt.code, words)
        # The chart stores the source and the dose in 200 characters.
        assert len(prompt.source) <= 200 and len(prompt.dose_text or "") <= 200, prompt.code
        assert prompt.text.endswith(f"{prompt.source}.")


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, tuple | list):
        for item in value:
            yield from _strings(item)
    elif hasattr(value, "values") and callable(value.values):
        for item in value.values():
            yield from _strings(item)
    elif hasattr(value, "__dataclass_fields__"):
        for name in value.__dataclass_fields__:
            yield from _strings(getattr(value, name))


@pytest.mark.parametrize("code", sorted(PROTOCOLS))
def test_protocol_records_name_their_source_in_words(code):
    protocol = PROTOCOLS[code]
    assert protocol.source.startswith(f"Protocol {code} source: guideline summary")
    for words in _strings(protocol):
        assert not any(bad in words.lower() for bad in NOT_SHOWN), words
