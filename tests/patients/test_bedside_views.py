"""The bedside page and its HTMX entry views, as a nurse uses them."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from grading.models import Assessment
from grading.rules.wording import clock
from patients import services
from patients.models import (
    LabResult,
    MedicationAdministration,
    NeuroAssessment,
    VitalsSet,
    WeightMeasurement,
)
from patients.templatetags.bedside import url_if_defined

from . import entries
from .entries import htmx, is_checked, typed_value, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, nurse):
    client.force_login(nurse)
    return client


def _ago(**delta):
    return timezone.now() - timedelta(**delta)


# --- The page -----------------------------------------------------------------


def test_the_ward_list_has_a_chart_button_to_the_bedside_page(signed_in, episode):
    response = signed_in.get(reverse("ward_patients", args=[episode.patient.ward_id]))
    assert f'href="{url("bedside", episode)}"' in response.content.decode()


def test_the_bedside_page_shows_last_vitals_with_their_age_and_the_entry_buttons(
    signed_in, episode, nurse
):
    services.vitals_record(
        episode=episode, observed_at=_ago(minutes=50), by=nurse, temperature_c=Decimal("38.6")
    )
    page = signed_in.get(url("bedside", episode)).content.decode()
    assert "38.6 <small>°C</small>" in page and "101.5 °F" in page
    assert "50 min ago" in page
    for button in ("Vitals", "Neuro check", "Labs", "Drug given", "Weight"):
        assert f">{button}</a>" in page
    assert reverse("grade_panel", args=[episode.patient_id]) in page


def test_the_bedside_page_lists_the_open_prompts_under_the_grade(
    signed_in, episode, nurse, committed
):
    with committed():
        services.vitals_record(
            episode=episode,
            observed_at=_ago(minutes=10),
            by=nurse,
            temperature_c=Decimal("39.2"),
            systolic=82,
            diastolic=46,
            vasopressors=["norepinephrine"],
        )
    page = signed_in.get(url("bedside", episode)).content.decode()
    prompts_url = reverse("bedside_prompts", args=[episode.patient_id])
    assert f'hx-get="{prompts_url}" hx-trigger="load"' in page
    assert page.index(reverse("grade_panel", args=[episode.patient_id])) < page.index(prompts_url)
    part = signed_in.get(prompts_url, headers={"HX-Request": "true"}).content.decode()
    assert 'id="bedside-prompts"' in part and "chartChanged from:body" in part
    assert "Call the physician now</strong> about icu transfer" in part
    assert part.index("icu transfer") < part.index("infection workup")  # critical first


def _panel(client, episode) -> str:
    # The due times live with the grade: they follow it (clinical-rules section 7 r2).
    return client.get(reverse("grade_panel", args=[episode.patient_id])).content.decode()


def test_vitals_are_due_after_the_wards_interval_and_neuro_after_12_hours(
    signed_in, episode, nurse, ward
):
    services.vitals_record(episode=episode, observed_at=_ago(hours=3, minutes=50), by=nurse)
    services.neuro_record(
        episode=episode, observed_at=_ago(hours=12, minutes=5), by=nurse, tool="CAPD", capd_score=0
    )
    panel = _panel(signed_in, episode)
    assert "Vitals next due" in panel
    assert "Neuro check overdue by 5 min" in panel

    ward.vitals_interval_hours = 2
    ward.save()
    panel = _panel(signed_in, episode)
    assert "Vitals overdue by 1 h 50 min" in panel


def test_nothing_charted_yet_is_due_now(signed_in, episode):
    panel = _panel(signed_in, episode)
    assert "Vitals due now</strong>: none charted yet" in panel
    assert "Neuro check due now</strong>: none charted yet" in panel


def test_htmx_reloads_only_the_part_it_targets(signed_in, episode):
    summary = signed_in.get(
        url("bedside", episode), headers={"HX-Request": "true", "HX-Target": "bedside-summary"}
    ).content.decode()
    assert summary.lstrip().startswith('<section id="bedside-summary"')
    history = signed_in.get(
        url("bedside", episode), headers={"HX-Request": "true", "HX-Target": "bedside-history"}
    ).content.decode()
    assert history.lstrip().startswith('<section id="bedside-history"')


def test_a_patient_without_an_active_episode_has_nothing_to_chart(signed_in, episode):
    episode.discharged_at = timezone.now()
    episode.save()
    page = signed_in.get(url("bedside", episode)).content.decode()
    assert "nothing to chart" in page
    assert signed_in.get(url("vitals_entry", episode)).status_code == 404


def test_a_pharmacist_reads_the_bedside_page_but_cannot_chart(client, pharmacist, episode):
    client.force_login(pharmacist)
    page = client.get(url("bedside", episode)).content.decode()
    assert url("vitals_entry", episode) not in page
    response = client.post(url("vitals_entry", episode), entries.vitals(episode))
    assert response.status_code == 403
    assert not VitalsSet.objects.exists()


def test_a_stranger_is_asked_to_sign_in(client, episode):
    response = client.get(url("bedside", episode))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


# --- Vitals -------------------------------------------------------------------


def test_saving_vitals_answers_with_the_saved_row_and_tells_the_page_to_reload(
    signed_in, episode, nurse
):
    data = entries.vitals(episode, temperature="101.3", temperature_unit="F")
    response = htmx(signed_in, url("vitals_entry", episode), data)
    assert response.status_code == 200
    assert response["HX-Trigger"] == '{"chartChanged": {}}'
    vitals = VitalsSet.objects.get()
    assert vitals.temperature_c == Decimal("38.5")
    assert vitals.recorded_by == nurse
    saved = response.content.decode()
    assert "Saved: vitals" in saved and "38.5 °C" in saved and "101.3 °F" in saved


def test_saving_vitals_with_nasal_cannula_regrades_to_crs_2(signed_in, episode, committed):
    data = entries.vitals(
        episode, temperature="38.6", oxygen_device="nasal_cannula", oxygen_flow_l_min="4"
    )
    with committed():
        htmx(signed_in, url("vitals_entry", episode), data)
    assert Assessment.objects.get(episode=episode).crs_grade == 2
    panel = signed_in.get(reverse("grade_panel", args=[episode.patient_id])).content.decode()
    assert "nasal cannula" in panel.lower()


def test_vasopressors_are_saved_as_toggled(signed_in, episode):
    data = entries.vitals(episode, systolic="84", diastolic="50")
    data["vasopressors"] = ["norepinephrine", "vasopressin"]
    htmx(signed_in, url("vitals_entry", episode), data)
    vitals = VitalsSet.objects.get()
    assert sorted(p.drug for p in vitals.vasopressors.all()) == ["norepinephrine", "vasopressin"]


def test_the_form_asks_about_the_carried_support_without_preselecting_it(signed_in, episode, nurse):
    support_at = _ago(hours=2)  # once: the minute shown is the minute charted
    with timezone.override(episode.patient.ward.tzinfo):
        charted = clock(support_at, timezone.localtime())
    services.vitals_record(
        episode=episode,
        observed_at=support_at,
        by=nurse,
        oxygen_device="nasal_cannula",
        oxygen_flow_l_min=Decimal("4"),
        vasopressors=["norepinephrine"],
    )
    form = htmx(signed_in, url("vitals_entry", episode)).content.decode()
    assert f"Norepinephrine, charted {charted}: still running?" in form
    assert f"Nasal cannula 4 L/min, charted {charted}: still the same?" in form
    assert is_checked(form, "oxygen_device", "") and is_checked(form, "vasopressor_action", "")
    assert not is_checked(form, "vasopressors", "norepinephrine")
    assert not typed_value(form, "oxygen_flow_l_min")
    assert 'inputmode="numeric"' in form and 'inputmode="decimal"' in form


def test_a_temperature_only_set_keeps_norepinephrine_running_and_grade_3(
    signed_in, episode, nurse, committed
):
    with committed():
        services.vitals_record(
            episode=episode,
            observed_at=_ago(hours=2),
            by=nurse,
            temperature_c=Decimal("38.2"),
            systolic=92,
            diastolic=54,
            vasopressors=["norepinephrine"],
        )
    blank = {
        name: "" for name in ("heart_rate", "systolic", "diastolic", "respiratory_rate", "spo2")
    }
    data = entries.vitals(episode, temperature="38.7", oxygen_device=None, **blank)
    with committed():
        response = htmx(signed_in, url("vitals_entry", episode), data)
    assert "Saved: vitals" in response.content.decode()
    latest = VitalsSet.objects.latest("observed_at")
    assert latest.vasopressors_recorded is False and latest.oxygen_device == ""
    assert Assessment.objects.latest_first().first().crs_grade == 3
    page = signed_in.get(url("bedside", episode)).content.decode()
    summary = page[page.index('id="bedside-summary"') : page.index('id="bedside-history"')]
    assert "Norepinephrine running" in summary and "charted" in summary
    assert "vasopressors not recorded: carried over" in page


def test_the_temperature_unit_last_used_is_offered_next_time(signed_in, episode):
    htmx(
        signed_in,
        url("vitals_entry", episode),
        entries.vitals(episode, temperature_unit="F", temperature="99.1"),
    )
    form = htmx(signed_in, url("vitals_entry", episode)).content.decode()
    assert is_checked(form, "temperature_unit", "F")


@pytest.mark.parametrize(
    "field, typed, message",
    [
        ("temperature", "45.1", "Temperature must be between 25 and 45 °C (77-113 °F)."),
        ("temperature", "24.9", "Temperature must be between 25 and 45 °C (77-113 °F)."),
        ("heart_rate", "301", "Heart rate must be between 20 and 300 /min."),
        ("heart_rate", "19", "Heart rate must be between 20 and 300 /min."),
        ("systolic", "301", "Systolic BP must be between 30 and 300 mmHg."),
        ("systolic", "29", "Systolic BP must be between 30 and 300 mmHg."),
        ("diastolic", "201", "Diastolic BP must be between 10 and 200 mmHg."),
        ("diastolic", "9", "Diastolic BP must be between 10 and 200 mmHg."),
        ("mean_arterial", "301", "Mean arterial pressure must be between 10 and 300 mmHg."),
        ("respiratory_rate", "81", "Respiratory rate must be between 2 and 80 /min."),
        ("respiratory_rate", "1", "Respiratory rate must be between 2 and 80 /min."),
        ("spo2", "101", "SpO2 must be between 40 and 100 %."),
        ("spo2", "39", "SpO2 must be between 40 and 100 %."),
    ],
)
def test_an_out_of_range_vital_is_refused_naming_it_and_keeping_everything_typed(
    signed_in, episode, field, typed, message
):
    typed_elsewhere = {
        "heart_rate": "131",
        "respiratory_rate": "22",
        "oxygen_device": "nasal_cannula",
        "oxygen_flow_l_min": "4",
    }
    data = entries.vitals(episode, **{**typed_elsewhere, field: typed})
    data["vasopressors"] = ["norepinephrine"]
    if field in ("systolic", "diastolic"):
        data.pop("diastolic" if field == "systolic" else "systolic")
    response = htmx(signed_in, url("vitals_entry", episode), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert message in page
    assert "Not saved." in page
    for name in ("heart_rate", "respiratory_rate", "oxygen_flow_l_min", field):
        assert typed_value(page, name) == data[name]
    assert is_checked(page, "oxygen_device", "nasal_cannula")
    assert is_checked(page, "vasopressors", "norepinephrine")
    assert f'value="{data["idempotency_key"]}"' in page
    assert not VitalsSet.objects.exists()


def test_out_of_range_oxygen_flow_and_weight_are_refused_on_the_page(signed_in, episode):
    data = entries.vitals(episode, oxygen_device="nasal_cannula", oxygen_flow_l_min="81")
    page = htmx(signed_in, url("vitals_entry", episode), data).content.decode()
    assert "Oxygen flow must be between 0 and 80 L/min." in page
    page = htmx(
        signed_in, url("weight_entry", episode), entries.weight(episode, weight_kg="0.4")
    ).content.decode()
    assert "Weight must be between 0.5 and 350 kg." in page and 'value="0.4"' in page
    assert not VitalsSet.objects.exists() and not WeightMeasurement.objects.exists()


def test_a_future_time_is_refused_on_the_page(signed_in, episode):
    later = entries.ward_time(episode, timezone.now() + timedelta(minutes=30))
    page = htmx(
        signed_in, url("vitals_entry", episode), entries.vitals(episode, observed_at=later)
    ).content.decode()
    assert "Observation time is in the future: enter when it was observed." in page
    assert f'value="{later}"' in page
    assert not VitalsSet.objects.exists()


def test_a_late_entry_is_saved_at_its_clinical_time_and_shown_as_late(signed_in, episode):
    earlier = timezone.now() - timedelta(hours=2)
    htmx(
        signed_in,
        url("vitals_entry", episode),
        entries.vitals(episode, observed_at=entries.ward_time(episode, earlier)),
    )
    vitals = VitalsSet.objects.get()
    assert abs(vitals.observed_at - earlier) < timedelta(minutes=1)
    assert vitals.entered_late
    assert "late entry" in signed_in.get(url("bedside", episode)).content.decode()


def test_the_time_is_read_in_the_wards_clock(signed_in, episode, ward):
    ward.time_zone = "America/New_York"
    ward.save()
    moment = timezone.now() - timedelta(minutes=30)
    htmx(
        signed_in,
        url("vitals_entry", episode),
        entries.vitals(episode, observed_at=entries.ward_time(episode, moment)),
    )
    assert abs(VitalsSet.objects.get().observed_at - moment) < timedelta(minutes=1)


def test_an_unusual_value_asks_for_confirmation_then_saves(signed_in, episode):
    data = entries.vitals(episode, spo2="78")
    page = htmx(signed_in, url("vitals_entry", episode), data).content.decode()
    assert "SpO2 78 % is below 80 %" in page
    assert 'name="confirm_unusual"' in page
    assert not VitalsSet.objects.exists()
    data["confirm_unusual"] = "SpO2 78 % is below 80 %"
    response = htmx(signed_in, url("vitals_entry", episode), data)
    assert "Saved: vitals" in response.content.decode()
    assert VitalsSet.objects.get().spo2 == 78


def test_without_htmx_a_save_goes_back_to_the_bedside_page(signed_in, episode):
    response = signed_in.post(url("vitals_entry", episode), entries.vitals(episode))
    assert response.status_code == 302 and response["Location"] == url("bedside", episode)
    page = signed_in.get(response["Location"]).content.decode()
    assert "Saved: vitals." in page


def test_without_htmx_an_error_shows_the_whole_page_with_the_form(signed_in, episode):
    page = signed_in.post(
        url("vitals_entry", episode), entries.vitals(episode, heart_rate="999")
    ).content.decode()
    assert "<h1>" in page and "Heart rate must be between 20 and 300 /min." in page


# --- Never doubled ------------------------------------------------------------


def test_a_form_sent_twice_saves_once_and_answers_with_the_same_row(signed_in, episode):
    data = entries.vitals(episode, temperature="38.9")
    first = htmx(signed_in, url("vitals_entry", episode), data)
    second = htmx(signed_in, url("vitals_entry", episode), data)
    assert VitalsSet.objects.count() == 1
    assert first.status_code == second.status_code == 200
    assert "Saved: vitals" in second.content.decode()
    assert str(VitalsSet.objects.get().idempotency_key) == data["idempotency_key"]


@pytest.mark.parametrize(
    "entry, model, data",
    [
        ("neuro_entry", NeuroAssessment, entries.ice),
        ("drug_entry", MedicationAdministration, entries.drug),
        ("weight_entry", WeightMeasurement, entries.weight),
        ("lab_entry", LabResult, lambda e: entries.labs(e, crp="80", ferritin="900")),
    ],
)
def test_every_entry_form_saves_once_when_sent_twice(signed_in, episode, entry, model, data):
    sent = data(episode)
    htmx(signed_in, url(entry, episode), sent)
    count = model.objects.count()
    assert count >= 1
    htmx(signed_in, url(entry, episode), sent)
    assert model.objects.count() == count


def test_each_new_form_carries_a_new_key(signed_in, episode):
    first = htmx(signed_in, url("vitals_entry", episode)).content.decode()
    second = htmx(signed_in, url("vitals_entry", episode)).content.decode()
    key = 'name="idempotency_key" value="'
    assert first.split(key)[1][:36] != second.split(key)[1][:36]


def test_a_key_used_for_another_patient_is_refused(signed_in, episode, make_episode):
    data = entries.vitals(episode)
    htmx(signed_in, url("vitals_entry", episode), data)
    other = make_episode()
    page = htmx(signed_in, url("vitals_entry", other), data).content.decode()
    assert "already used for another patient" in page
    assert VitalsSet.objects.count() == 1


# --- Neuro ----------------------------------------------------------------------


def test_the_ice_score_is_computed_from_the_items(signed_in, episode):
    htmx(signed_in, url("neuro_entry", episode), entries.ice(episode, score=7))
    neuro = NeuroAssessment.objects.get()
    assert (neuro.tool, neuro.score) == ("ICE", 7)


def test_a_childs_capd_total_is_computed_with_the_reversed_items(signed_in, make_episode):
    child = make_episode(born=date.today() - timedelta(days=365 * 5))
    data = {
        "idempotency_key": "c6b1f1a6-3a47-4a0e-9d8e-5a0c6f3c1a01",
        "observed_at": entries.ward_time(child),
        "consciousness": "alert",
        "seizure": "none",
        "cerebral_edema": "none",
        # Awareness items "always" (0 points each), delirium items "sometimes" (2 each).
        "capd_eye_contact": "4",
        "capd_purposeful": "4",
        "capd_aware": "4",
        "capd_communicates": "4",
        "capd_restless": "2",
        "capd_inconsolable": "2",
        "capd_underactive": "2",
        "capd_slow_response": "2",
    }
    response = htmx(signed_in, url("neuro_entry", child), data)
    assert "Saved: neuro check" in response.content.decode()
    neuro = NeuroAssessment.objects.get()
    assert (neuro.tool, neuro.capd_score) == ("CAPD", 8)


def test_a_finding_attributed_to_another_cause_needs_a_note_and_is_kept(signed_in, episode):
    data = entries.ice(episode, consciousness="awakens_to_voice", excluded_domains="consciousness")
    page = htmx(signed_in, url("neuro_entry", episode), data).content.decode()
    assert "Say what the finding is attributed to." in page
    data["other_cause_note"] = "Lorazepam 1 mg at 02:00"
    htmx(signed_in, url("neuro_entry", episode), data)
    neuro = NeuroAssessment.objects.get()
    assert neuro.excluded_domains == ["consciousness"]
    assert neuro.other_cause_note == "Lorazepam 1 mg at 02:00"


def test_only_a_present_finding_can_be_attributed_to_another_cause(signed_in, episode):
    data = entries.ice(episode, excluded_domains="seizure", other_cause_note="sedation")
    page = htmx(signed_in, url("neuro_entry", episode), data).content.decode()
    assert "Seizure: only a finding that is present can be attributed" in page
    assert not NeuroAssessment.objects.exists()


def test_a_modified_assessment_says_how(signed_in, episode):
    data = entries.ice(episode, score=9, modified_for="language")
    page = htmx(signed_in, url("neuro_entry", episode), data).content.decode()
    assert "Say how the assessment was modified." in page
    data["modified_note"] = "Interpreter (Polish) by phone"
    htmx(signed_in, url("neuro_entry", episode), data)
    neuro = NeuroAssessment.objects.get()
    assert (neuro.modified_for, neuro.modified_note) == (
        "language",
        "Interpreter (Polish) by phone",
    )
    assert "Modified (language" in signed_in.get(url("bedside", episode)).content.decode()


def test_the_baseline_is_shown_beside_each_later_assessment(signed_in, episode):
    before = episode.infusion_at - timedelta(hours=3)
    baseline = entries.ice(
        episode, score=9, observed_at=entries.ward_time(episode, before), baseline="True"
    )
    response = htmx(signed_in, url("neuro_entry", episode) + "?baseline=1", baseline)
    assert "Saved: baseline neuro check" in response.content.decode()
    htmx(signed_in, url("neuro_entry", episode), entries.ice(episode, score=6))
    page = signed_in.get(url("bedside", episode) + "?history=all").content.decode()
    assert "Baseline ICE" in page
    assert '6/10 <span class="alt">(baseline 9/10)</span>' in page
    form = htmx(signed_in, url("neuro_entry", episode)).content.decode()
    assert "Baseline before infusion: <strong>ICE 9/10</strong>" in form


def test_the_baseline_form_refuses_a_time_after_the_infusion(signed_in, episode):
    data = entries.ice(episode, baseline="True")
    page = htmx(signed_in, url("neuro_entry", episode) + "?baseline=1", data).content.decode()
    assert "A baseline is taken before the infusion" in page
    assert not NeuroAssessment.objects.exists()


# --- Labs, drugs and weight -----------------------------------------------------


def test_a_lab_panel_saves_each_filled_result_at_the_sample_time(signed_in, episode, nurse):
    response = htmx(
        signed_in, url("lab_entry", episode), entries.labs(episode, crp="120", ferritin="2400")
    )
    assert response["HX-Trigger"] == '{"chartChanged": {}}'
    results = {r.test.code: r.value for r in LabResult.objects.select_related("test")}
    assert results == {"crp": 120.0, "ferritin": 2400.0}
    assert "above 5" in signed_in.get(url("bedside", episode)).content.decode()


def test_a_drug_given_is_recorded_with_who_gave_it(signed_in, episode, nurse):
    typed = entries.drug(episode, drug="dexamethasone", dose_mg="10", route="iv")
    # No CRS yet: a steroid asks for a confirmation with a reason first.
    asked = htmx(signed_in, url("drug_entry", episode), typed).content.decode()
    assert "Not saved yet: confirm before saving" in asked
    assert not MedicationAdministration.objects.exists()
    htmx(
        signed_in,
        url("drug_entry", episode),
        {**typed, "confirmed": "steroid_below_grade_3", "confirm_reason": "ICANS expected"},
    )
    dose = MedicationAdministration.objects.get()
    assert (dose.drug, dose.dose_mg, dose.given_by, dose.recorded_by) == (
        "dexamethasone",
        Decimal("10"),
        nurse,
        nurse,
    )


def test_tocilizumab_cannot_be_recorded_on_the_drug_form(signed_in, episode):
    form = htmx(signed_in, url("drug_entry", episode)).content.decode()
    assert 'value="tocilizumab"' not in form
    response = htmx(
        signed_in, url("drug_entry", episode), entries.drug(episode, drug="tocilizumab")
    )
    assert "Drug: choose one of the buttons." in response.content.decode()
    assert not MedicationAdministration.objects.exists()


def test_the_tocilizumab_dose_button_links_to_the_dose_page_when_it_exists(signed_in, episode):
    dose_url = url_if_defined("record_dose", episode.patient_id)
    form = htmx(signed_in, url("drug_entry", episode)).content.decode()
    page = signed_in.get(url("bedside", episode)).content.decode()
    if dose_url:
        assert f'href="{dose_url}">Tocilizumab dose…</a>' in form
        assert f'href="{dose_url}">Tocilizumab dose…</a>' in page
    else:
        assert "Tocilizumab dose…" not in form + page


@override_settings(ROOT_URLCONF="tests.patients.urls_without_dose_page")
def test_without_a_dose_page_the_tocilizumab_button_is_left_out(signed_in, episode):
    assert url_if_defined("record_dose", episode.patient_id) == ""
    form = htmx(signed_in, url("drug_entry", episode)).content.decode()
    page = signed_in.get(url("bedside", episode)).content.decode()
    assert "Tocilizumab dose…" not in form + page
    assert "Tocilizumab is not charted here" in form


# --- Entered in error -----------------------------------------------------------


def test_a_mistaken_entry_is_struck_through_with_a_reason_and_kept(signed_in, episode, nurse):
    vitals = services.vitals_record(
        episode=episode, observed_at=_ago(minutes=20), by=nurse, temperature_c=Decimal("39.4")
    )
    strike = url("entered_in_error", episode, "vitals", vitals.pk)
    form = htmx(signed_in, strike).content.decode()
    assert "Why is this entry wrong?" in form

    refused = htmx(signed_in, strike, {"reason": "Other", "detail": ""}).content.decode()
    assert "Say why this entry is wrong." in refused
    vitals.refresh_from_db()
    assert not vitals.is_entered_in_error

    response = htmx(signed_in, strike, {"reason": "Wrong patient", "detail": "bed 4's probe"})
    assert response["HX-Trigger"] == '{"chartChanged": {}}'
    vitals.refresh_from_db()
    assert vitals.entered_in_error_reason == "Wrong patient: bed 4's probe"
    assert vitals.entered_in_error_by == nurse
    assert VitalsSet.objects.count() == 1

    page = signed_in.get(url("bedside", episode)).content.decode()
    assert '<li class="chart-row struck"' in page
    assert '<del class="entry">' in page and "39.4 °C" in page
    assert "Entered in error</strong> by" in page and "bed 4&#x27;s probe" in page


def test_striking_an_entry_twice_keeps_the_first_reason(signed_in, episode, nurse):
    dose = services.medication_record(
        episode=episode, observed_at=_ago(minutes=5), by=nurse, drug="ibuprofen", dose_mg=400
    )
    strike = url("entered_in_error", episode, "drug", dose.pk)
    htmx(signed_in, strike, {"reason": "Duplicate entry"})
    second = htmx(signed_in, strike, {"reason": "Wrong value typed"})
    assert second.status_code == 200
    dose.refresh_from_db()
    assert dose.entered_in_error_reason == "Duplicate entry"


def test_a_struck_entry_stops_counting_for_the_grade(signed_in, episode, nurse, committed):
    with committed():
        vitals = services.vitals_record(
            episode=episode, observed_at=_ago(minutes=20), by=nurse, temperature_c=Decimal("39.0")
        )
    assert Assessment.objects.latest_first().first().crs_grade == 1
    with committed():
        htmx(
            signed_in,
            url("entered_in_error", episode, "vitals", vitals.pk),
            {"reason": "Wrong value typed"},
        )
    assert Assessment.objects.latest_first().first().crs_grade == 0


def test_only_this_patients_rows_can_be_struck(signed_in, episode, make_episode, nurse):
    other = make_episode()
    vitals = services.vitals_record(episode=other, observed_at=_ago(minutes=5), by=nurse)
    response = htmx(
        signed_in,
        url("entered_in_error", episode, "vitals", vitals.pk),
        {"reason": "Wrong patient"},
    )
    assert response.status_code == 404
    assert htmx(signed_in, url("entered_in_error", episode, "nonsense", 1)).status_code == 404


def test_the_history_keeps_entries_of_every_kind_newest_first(signed_in, episode, nurse):
    services.weight_record(episode=episode, observed_at=_ago(hours=3), by=nurse, weight_kg=70)
    services.vitals_record(episode=episode, observed_at=_ago(hours=2), by=nurse, heart_rate=90)
    services.lab_record(episode=episode, observed_at=_ago(hours=1), by=nurse, test="crp", value=9)
    page = signed_in.get(url("bedside", episode)).content.decode()
    history = page[page.index('id="bedside-history"') :]
    assert history.index("C-reactive protein 9") < history.index("HR 90") < history.index("70.0 kg")


def test_without_htmx_marking_in_error_is_a_page_of_its_own(signed_in, episode, nurse):
    weight = services.weight_record(
        episode=episode, observed_at=_ago(hours=1), by=nurse, weight_kg=7
    )
    strike = url("entered_in_error", episode, "weight", weight.pk)
    page = signed_in.get(strike).content.decode()
    assert "Mark an entry entered in error" in page and "7.0 kg" in page
    response = signed_in.post(strike, {"reason": "Wrong value typed", "detail": "70 kg"})
    assert response.status_code == 302 and response["Location"] == url("bedside", episode)
    weight.refresh_from_db()
    assert weight.entered_in_error_reason == "Wrong value typed: 70 kg"


def test_the_bedside_page_reads_the_chart_in_a_fixed_number_of_queries(
    signed_in, episode, nurse, django_assert_max_num_queries
):
    def chart(hours_ago):
        moment = _ago(hours=hours_ago)
        services.vitals_record(
            episode=episode, observed_at=moment, by=nurse, vasopressors=["norepinephrine"]
        )
        services.neuro_record(episode=episode, observed_at=moment, by=nurse, tool="ICE")
        services.lab_record(episode=episode, observed_at=moment, by=nurse, test="crp", value=5)
        services.medication_record(
            episode=episode, observed_at=moment, by=nurse, drug="ibuprofen", dose_mg=400
        )

    chart(1)
    signed_in.get(url("bedside", episode))  # warm the session and the user's roles
    # The chart, the grade panel, the alert badge and who is on call.
    with django_assert_max_num_queries(34) as few:
        signed_in.get(url("bedside", episode))
    for hours_ago in range(2, 12):
        chart(hours_ago)
    with django_assert_max_num_queries(len(few.captured_queries)):
        signed_in.get(url("bedside", episode))


def test_a_form_without_its_key_asks_to_be_opened_again(signed_in, episode):
    data = entries.vitals(episode)
    data.pop("idempotency_key")
    page = htmx(signed_in, url("vitals_entry", episode), data).content.decode()
    assert "This form is out of date: tap Cancel and open it again." in page
    assert not VitalsSet.objects.exists()
