"""The bedside forms against clinical-rules section 1: ranges, °F, time, unusual values."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from grading.rules.wording import clock
from patients import selectors
from patients.forms import DrugForm, LabPanelForm, NeuroForm, VitalsForm, WeightForm, to_celsius
from patients.models import LabTest

from . import entries

pytestmark = pytest.mark.django_db


def _vitals_form(episode, **changes) -> VitalsForm:
    return VitalsForm(entries.vitals(episode, **changes), episode=episode)


# field, the lowest and highest value allowed, one step beyond, and the words of the limit.
VITALS_RANGES = [
    ("temperature", "25.0", "45.0", "0.1", "between 25 and 45 °C (77-113 °F)"),
    ("heart_rate", "20", "300", "1", "Heart rate must be between 20 and 300 /min"),
    ("systolic", "30", "300", "1", "Systolic BP must be between 30 and 300 mmHg"),
    ("diastolic", "10", "200", "1", "Diastolic BP must be between 10 and 200 mmHg"),
    ("mean_arterial", "10", "300", "1", "Mean arterial pressure must be between 10 and 300 mmHg"),
    ("respiratory_rate", "2", "80", "1", "Respiratory rate must be between 2 and 80 /min"),
    ("spo2", "40", "100", "1", "SpO2 must be between 40 and 100 %"),
]


def _other_side(field):
    # Leave the other half of the pressure out, so only the field under test is at its limit.
    return {"systolic": {"diastolic": ""}, "diastolic": {"systolic": ""}}.get(field, {})


@pytest.mark.parametrize("field, low, high, step, words", VITALS_RANGES, ids=lambda v: str(v))
def test_each_vital_accepts_both_ends_of_its_range(episode, field, low, high, step, words):
    for value in (low, high):
        changes = {field: value, **_other_side(field)}
        form = _vitals_form(episode, **changes)
        if not form.is_valid() and form.needs_confirmation:
            form = _vitals_form(episode, **changes, confirm_unusual=form.unusual_fingerprint)
        assert form.is_valid(), (value, form.errors)


@pytest.mark.parametrize("field, low, high, step, words", VITALS_RANGES, ids=lambda v: str(v))
def test_each_vital_refuses_just_outside_its_range_naming_the_field(
    episode, field, low, high, step, words
):
    for value in (Decimal(low) - Decimal(step), Decimal(high) + Decimal(step)):
        form = _vitals_form(episode, **{field: str(value)}, **_other_side(field))
        assert not form.is_valid()
        assert words in " ".join(form.errors[field]), form.errors


def test_the_temperature_range_holds_in_fahrenheit_too(episode):
    # 113.0 °F is exactly 45.0 °C: allowed, but unusual (> 41 °C).
    form = _vitals_form(episode, temperature="113.0", temperature_unit="F")
    assert "temperature" not in form.errors
    assert form.needs_confirmation
    form = _vitals_form(episode, temperature="113.2", temperature_unit="F")
    assert form.errors["temperature"] == ["Temperature must be between 25 and 45 °C (77-113 °F)."]
    form = _vitals_form(episode, temperature="76.8", temperature_unit="F")
    assert "temperature" in form.errors


@pytest.mark.parametrize(
    "typed, unit, celsius",
    [
        ("101.3", "F", "38.5"),
        ("100.4", "F", "38.0"),
        ("100.2", "F", "37.9"),
        ("98.6", "F", "37.0"),
        ("38.0", "C", "38.0"),
        ("37.95", "C", None),  # one decimal place only
    ],
)
def test_fahrenheit_is_converted_to_celsius_to_one_decimal(episode, typed, unit, celsius):
    form = _vitals_form(episode, temperature=typed, temperature_unit=unit)
    if celsius is None:
        assert "one decimal place" in form.errors["temperature"][0]
        return
    assert form.is_valid(), form.errors
    assert form.chart_values()["temperature_c"] == Decimal(celsius)


def test_fever_threshold_survives_the_conversion():
    # 100.4 °F is the conventional fever line: it must land on 38.0 °C, not 37.9.
    assert to_celsius(Decimal("100.4"), "F") == Decimal("38.0")


def test_oxygen_flow_range_and_room_air_rule(episode):
    assert _vitals_form(episode, oxygen_device="nasal_cannula", oxygen_flow_l_min="4").is_valid()
    form = _vitals_form(episode, oxygen_device="nasal_cannula", oxygen_flow_l_min="80.5")
    assert "Oxygen flow must be between 0 and 80 L/min" in form.errors["oxygen_flow_l_min"][0]
    form = _vitals_form(episode, oxygen_device="nasal_cannula", oxygen_flow_l_min="")
    assert form.errors["oxygen_flow_l_min"] == [
        "Oxygen flow is required for a nasal cannula, above 0 L/min: it decides the grade."
    ]
    form = _vitals_form(episode, oxygen_device="room_air", oxygen_flow_l_min="37")
    assert form.errors["oxygen_flow_l_min"] == [
        "Room air has no oxygen flow: leave the flow empty, or choose the oxygen device in use."
    ]
    # clinical-rules section 1 (r2): the flow is optional for every other device.
    assert _vitals_form(episode, oxygen_device="simple_face_mask", oxygen_flow_l_min="").is_valid()


def test_systolic_must_be_above_diastolic_on_the_form(episode):
    form = _vitals_form(episode, systolic="80", diastolic="85")
    assert form.errors["systolic"] == ["Systolic BP must be higher than diastolic BP."]


def test_a_vitals_set_needs_at_least_one_measurement(episode):
    blank = {name: "" for name in VitalsForm.MEASUREMENTS}
    form = _vitals_form(episode, **blank)
    assert form.non_field_errors() == ["Enter at least one measurement."]


@pytest.mark.parametrize(
    "typed, message",
    [
        ("eighty", "Heart rate must be a whole number, e.g. 88."),
        ("88.5", "Heart rate must be a whole number, e.g. 88."),
        ("1e9", "Heart rate must be a whole number, e.g. 88."),
        ("-5", "Heart rate must be between 20 and 300 /min."),
    ],
)
def test_a_value_that_is_not_a_number_is_named_and_explained(episode, typed, message):
    form = _vitals_form(episode, heart_rate=typed)
    assert form.errors["heart_rate"] == [message]


def test_a_future_observation_time_is_refused(episode):
    with time_machine.travel(timezone.now(), tick=False):
        later = timezone.now() + timedelta(minutes=6)
        form = _vitals_form(episode, observed_at=entries.ward_time(episode, later))
        assert form.errors["observed_at"] == [
            "Observation time is in the future: enter when it was observed."
        ]
        soon = timezone.now() + timedelta(minutes=4)
        assert _vitals_form(episode, observed_at=entries.ward_time(episode, soon)).is_valid()


def test_an_observation_before_admission_is_refused(episode):
    before = episode.admitted_at - timedelta(minutes=1)
    form = _vitals_form(episode, observed_at=entries.ward_time(episode, before))
    assert "before this patient's admission" in form.errors["observed_at"][0]


@pytest.mark.parametrize("typed", ["yesterday", "2026-02-30T10:00", "", "0001-01-01T00:00"])
def test_a_time_that_is_not_a_time_is_refused(episode, typed):
    form = _vitals_form(episode, observed_at=typed)
    assert "observed_at" in form.errors


@pytest.mark.parametrize(
    "changes, unusual",
    [
        ({"temperature": "41.1"}, "Temperature 41.1 °C (106.0 °F) is above 41 °C"),
        ({"systolic": "59", "diastolic": "40"}, "Systolic BP 59 mmHg is below 60"),
        ({"spo2": "79"}, "SpO2 79 % is below 80 %"),
    ],
)
def test_an_unusual_value_is_saved_only_once_confirmed(episode, changes, unusual):
    form = _vitals_form(episode, **changes)
    assert not form.is_valid()
    assert form.needs_confirmation
    assert form.unusual == [unusual]
    confirmed = _vitals_form(episode, **changes, confirm_unusual=form.unusual_fingerprint)
    assert confirmed.is_valid(), confirmed.errors


@pytest.mark.parametrize(
    "changes", [{"temperature": "41.0"}, {"systolic": "60", "diastolic": "40"}, {"spo2": "80"}]
)
def test_the_unusual_thresholds_themselves_need_no_confirmation(episode, changes):
    assert _vitals_form(episode, **changes).is_valid()


def test_a_changed_unusual_value_asks_again(episode):
    first = _vitals_form(episode, temperature="41.5")
    first.is_valid()
    second = _vitals_form(episode, temperature="42.5", confirm_unusual=first.unusual_fingerprint)
    assert not second.is_valid()
    assert second.needs_confirmation


def _on_norepinephrine(episode, nurse, hours_ago=1):
    from patients import services

    return services.vitals_record(
        episode=episode,
        observed_at=timezone.now() - timedelta(hours=hours_ago),
        by=nurse,
        temperature_c=Decimal("38.9"),
        systolic=96,
        diastolic=58,
        oxygen_device="nasal_cannula",
        oxygen_flow_l_min=Decimal("3"),
        vasopressors=["norepinephrine"],
    )


def _support_form(episode, data=None) -> VitalsForm:
    return VitalsForm(data, episode=episode, support=selectors.carried_support(episode))


def test_the_carried_support_is_asked_about_and_kept_unless_changed(episode, nurse):
    last = _on_norepinephrine(episode, nurse)
    with timezone.override(episode.patient.ward.tzinfo):
        form = _support_form(episode)
        charted = clock(last.observed_at, timezone.localtime())
        assert form.pressor_question == f"Norepinephrine, charted {charted}: still running?"
        assert form.oxygen_question == f"Nasal cannula 3 L/min, charted {charted}: still the same?"
    # Nothing is pre-ticked: untouched, the set does not record the support.
    assert form["oxygen_device"].value() == ""
    assert form["vasopressor_action"].value() == ""
    assert not form["vasopressors"].value()
    actions = dict(form.fields["vasopressor_action"].choices)
    assert actions["running"] == "Still running: checked now"
    assert actions["none"] == "Stopped: none running now"
    assert form["idempotency_key"].value()


def test_a_temperature_only_set_records_no_support_and_keeps_the_vasopressor(episode, nurse):
    from grading import rules
    from grading.snapshot import episode_snapshot

    _on_norepinephrine(episode, nurse, hours_ago=2)
    data = entries.vitals(
        episode,
        temperature="38.4",
        heart_rate="",
        systolic="",
        diastolic="",
        respiratory_rate="",
        spo2="",
        oxygen_device=None,
    )
    form = _support_form(episode, data)
    assert form.is_valid(), form.errors
    values = form.chart_values()
    assert values["vasopressors"] is None and values["oxygen_device"] == ""
    from patients import services

    saved = services.vitals_record(episode=episode, by=nurse, **values)
    assert saved.vasopressors_recorded is False and saved.oxygen_device == ""
    assert not saved.vasopressors.exists()
    snapshot = episode_snapshot(episode, timezone.now())
    assert snapshot.vitals[-1].vasopressors is None and snapshot.vitals[-1].oxygen is None
    grade = rules.grade_crs(snapshot)
    assert grade.grade == 3, grade.reasons
    assert any("norepinephrine" in reason.lower() for reason in grade.reasons)


@pytest.mark.parametrize(
    "action, ticked, stored",
    [
        ("running", [], ["norepinephrine"]),
        ("none", [], []),
        ("change", ["norepinephrine", "vasopressin"], ["norepinephrine", "vasopressin"]),
        # Ticking is itself an answer, whatever the choice above was left at.
        ("", ["epinephrine"], ["epinephrine"]),
    ],
)
def test_each_vasopressor_answer_is_stored_as_given(episode, nurse, action, ticked, stored):
    _on_norepinephrine(episode, nurse)
    data = entries.vitals(episode, vasopressor_action=action, vasopressors=ticked)
    form = _support_form(episode, data)
    assert form.is_valid(), form.errors
    assert form.chart_values()["vasopressors"] == stored


def test_a_stop_is_an_explicit_choice_and_stores_none_running(episode, nurse):
    from patients import services

    _on_norepinephrine(episode, nurse, hours_ago=2)
    form = _support_form(episode, entries.vitals(episode, vasopressor_action="none"))
    assert form.is_valid(), form.errors
    saved = services.vitals_record(episode=episode, by=nurse, **form.chart_values())
    assert saved.vasopressors_recorded is True and not saved.vasopressors.exists()
    assert selectors.carried_support(episode).vasopressors == []


@pytest.mark.parametrize(
    "action, ticked, field, message",
    [
        ("change", [], "vasopressors", "tick what runs now, or choose “Stopped”"),
        ("none", ["norepinephrine"], "vasopressors", "you chose none running but ticked"),
        ("stop", [], "vasopressor_action", "Vasopressors: choose one of the buttons."),
    ],
)
def test_a_contradictory_vasopressor_answer_is_refused_naming_the_field(
    episode, nurse, action, ticked, field, message
):
    _on_norepinephrine(episode, nurse)
    form = _support_form(
        episode, entries.vitals(episode, vasopressor_action=action, vasopressors=ticked)
    )
    assert not form.is_valid()
    assert message in " ".join(form.errors[field]), form.errors


def test_oxygen_still_the_same_stores_the_carried_device_and_flow(episode, nurse):
    _on_norepinephrine(episode, nurse)
    form = _support_form(episode, entries.vitals(episode, oxygen_device="same"))
    assert form.is_valid(), form.errors
    values = form.chart_values()
    assert (values["oxygen_device"], values["oxygen_flow_l_min"]) == ("nasal_cannula", Decimal("3"))
    form = _support_form(
        episode, entries.vitals(episode, oxygen_device="same", oxygen_flow_l_min="5")
    )
    assert form.is_valid(), form.errors
    assert form.chart_values()["oxygen_flow_l_min"] == Decimal("5")


def test_a_flow_without_a_device_is_refused(episode, nurse):
    _on_norepinephrine(episode, nurse)
    form = _support_form(episode, entries.vitals(episode, oxygen_device="", oxygen_flow_l_min="4"))
    assert "Choose the oxygen device for this flow" in form.errors["oxygen_flow_l_min"][0]


def test_the_first_set_of_an_episode_offers_not_recorded_and_each_device(episode):
    form = _support_form(episode)
    assert form.fields["oxygen_device"].choices[0] == ("", "Not recorded")
    assert ("room_air", "Room air") in form.fields["oxygen_device"].choices
    assert form.pressor_question == "" and form.oxygen_question == ""


def test_weight_range(episode):
    for typed, ok in [("0.5", True), ("350", True), ("0.4", False), ("350.1", False)]:
        form = WeightForm(entries.weight(episode, weight_kg=typed), episode=episode)
        assert form.is_valid() is ok, (typed, form.errors)
    form = WeightForm(entries.weight(episode, weight_kg="351"), episode=episode)
    assert form.errors["weight_kg"] == ["Weight must be between 0.5 and 350 kg."]


def test_a_lab_value_cannot_be_negative(episode):
    form = LabPanelForm(entries.labs(episode, crp="-1"), episode=episode)
    assert form.errors["lab_crp"] == ["C-reactive protein cannot be negative."]


def test_a_lab_panel_needs_one_result_and_skips_the_empty_ones(episode):
    form = LabPanelForm(entries.labs(episode), episode=episode)
    assert form.non_field_errors() == ["Enter at least one result."]
    form = LabPanelForm(entries.labs(episode, crp="120", ferritin="", alt="0"), episode=episode)
    assert form.is_valid(), form.errors
    assert {test.code: value for test, value in form.results().items()} == {"crp": 120, "alt": 0}


def test_the_lab_catalogue_gives_every_test_a_box_with_its_unit(episode):
    form = LabPanelForm(episode=episode)
    shown = {field.label: unit for field, unit in form.lab_fields()}
    assert len(shown) == LabTest.objects.count() == 24
    assert shown["Platelets"] == "/µL"
    assert shown["Creatinine"] == "mg/dL"
    assert shown["INR"] == "ratio"


def test_tocilizumab_is_not_on_the_quick_drug_form(episode):
    form = DrugForm(episode=episode)
    assert "tocilizumab" not in [code for code, _ in form.fields["drug"].choices]
    form = DrugForm(entries.drug(episode, drug="tocilizumab", dose_mg="560"), episode=episode)
    assert form.errors["drug"] == ["Drug: choose one of the buttons."]


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"dose_mg": "0"}, "dose_mg", "Dose must be more than 0 mg."),
        ({"dose_mg": "12.345"}, "dose_mg", "Dose (mg) takes two decimal places at most."),
        ({"dose_mg": "1000000"}, "dose_mg", "Dose (mg) has too many digits."),
        ({"drug": "other", "drug_other": ""}, "drug_other", "Name the drug given."),
    ],
)
def test_drug_doses_and_names_are_checked(episode, changes, field, message):
    form = DrugForm(entries.drug(episode, **changes), episode=episode)
    assert form.errors[field] == [message]


def test_an_adult_gets_the_ice_items_and_a_child_the_capd(episode, make_episode):
    adult = NeuroForm(episode=episode)
    assert adult.tool == "ICE" and "orient_year" in adult.fields
    assert "capd_restless" not in adult.fields
    child = NeuroForm(episode=make_episode(born=date.today() - timedelta(days=365 * 6)))
    assert child.tool == "CAPD" and "capd_restless" in child.fields
    assert "orient_year" not in child.fields


def test_the_capd_age_cut_is_the_wards(episode, ward):
    ward.capd_below_age_years = 21
    ward.save()
    episode.patient.date_of_birth = date.today() - timedelta(days=365 * 19)
    assert NeuroForm(episode=episode).tool == "CAPD"


def test_every_ice_item_must_be_answered_unless_the_patient_cannot_do_it(episode):
    data = entries.ice(episode)
    del data["counts_back"]
    form = NeuroForm(data, episode=episode)
    assert "Answer this item" in form.errors["counts_back"][0]
    data["unable_to_perform"] = "on"
    form = NeuroForm(data, episode=episode)
    assert form.is_valid(), form.errors
    assert form.chart_values()["orient_year"] is None


def test_a_baseline_must_be_before_the_infusion(episode):
    data = entries.ice(episode, baseline="True")
    form = NeuroForm(data, episode=episode, baseline=True)
    assert "A baseline is taken before the infusion" in form.errors["observed_at"][0]
    before = episode.infusion_at - timedelta(hours=2)
    data["observed_at"] = entries.ward_time(episode, before)
    assert NeuroForm(data, episode=episode, baseline=True).is_valid()


def test_a_baseline_after_the_infusion_asks_when_it_was_done(episode):
    assert NeuroForm(episode=episode, baseline=True).initial["observed_at"] is None
