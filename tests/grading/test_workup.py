"""The infection work-up checklist of the patient page (clinical-rules section
9 and 13.4), from the chart through the snapshot."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from grading.rules import EventEntry, MedicationEntry, Snapshot, VitalsEntry
from grading.workup import crs_onsets, workup_checklists
from patients import services as chart

INFUSED = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def _at(hours: float) -> datetime:
    return INFUSED + timedelta(hours=hours)


def _snapshot(at_hours=40, vitals=(), medications=(), events=()) -> Snapshot:
    return Snapshot(
        at=_at(at_hours),
        age_years=55,
        infusion_at=INFUSED,
        vitals=tuple(vitals),
        medications=tuple(medications),
        events=tuple(events),
    )


def _fever(hours, temperature=38.6):
    return VitalsEntry(at=_at(hours), temperature_c=temperature)


def test_no_fever_no_onset_no_checklist():
    snapshot = _snapshot(vitals=[_fever(10, 37.4)], events=[EventEntry(_at(11), "blood_culture")])
    assert crs_onsets(snapshot) == ()
    assert workup_checklists(snapshot) == []


def test_a_fever_before_the_infusion_is_no_onset():
    assert crs_onsets(_snapshot(vitals=[_fever(-3)])) == ()


def test_cultures_first_antibiotic_and_time_from_fever():
    snapshot = _snapshot(
        vitals=[_fever(20, 37.2), _fever(24, 38.6), _fever(26, 39.1)],
        events=[
            EventEntry(_at(24.25), "blood_culture"),
            EventEntry(_at(24.5), "urine_culture"),
            EventEntry(_at(25), "chest_xray"),
        ],
        medications=[
            MedicationEntry(_at(24.1), "acetaminophen", 1000),  # not an antibiotic
            MedicationEntry(_at(25.25), "Cefepime", 2000),
            MedicationEntry(_at(27), "vancomycin", 1500),
        ],
    )
    (checklist,) = workup_checklists(snapshot)
    assert checklist.onset == _at(24) and checklist.fever_c == 38.6
    assert [e.at for e in checklist.blood_cultures] == [_at(24.25)]
    assert [e.at for e in checklist.urine_cultures] == [_at(24.5)]
    assert checklist.first_antibiotic.drug == "cefepime"
    assert checklist.antibiotic_words == "Cefepime"
    assert checklist.fever_to_antibiotic == timedelta(hours=1, minutes=15)
    assert checklist.antibiotic_late  # more than 1 hour
    assert [e.kind for e in checklist.other_events] == ["chest_xray"]


@pytest.mark.parametrize(
    "culture_hours, counted",
    [(0.5, True), (0.0, True), (-0.01, False)],  # hours after (onset - 24 h)
)
def test_work_up_counts_from_24_hours_before_the_onset(culture_hours, counted):
    snapshot = _snapshot(
        vitals=[_fever(30)],
        events=[EventEntry(_at(6 + culture_hours), "blood_culture")],
        medications=[MedicationEntry(_at(6 + culture_hours), "meropenem", 1000)],
    )
    (checklist,) = workup_checklists(snapshot)
    assert bool(checklist.blood_cultures) is counted
    assert (checklist.first_antibiotic is not None) is counted
    if counted:
        assert checklist.antibiotic_before_fever
        assert checklist.fever_to_antibiotic == timedelta(0)
        assert not checklist.antibiotic_late


def test_no_antibiotic_yet_says_how_long_since_the_fever():
    snapshot = _snapshot(at_hours=26.5, vitals=[_fever(24)])
    (checklist,) = workup_checklists(snapshot)
    assert checklist.first_antibiotic is None
    assert checklist.waiting_for_antibiotic == timedelta(hours=2, minutes=30)
    assert checklist.antibiotic_late


def test_an_antibiotic_within_the_hour_is_not_late():
    snapshot = _snapshot(
        vitals=[_fever(24)], medications=[MedicationEntry(_at(25), "piperacillin_tazobactam", 4500)]
    )
    (checklist,) = workup_checklists(snapshot)
    assert checklist.fever_to_antibiotic == timedelta(hours=1)
    assert not checklist.antibiotic_late  # "within 1 hour": exactly 1 h is in time


def test_a_charted_class_makes_an_other_drug_an_antibiotic():
    snapshot = _snapshot(
        vitals=[_fever(24)],
        medications=[
            MedicationEntry(_at(24.5), "aztreonam", 2000),
            MedicationEntry(_at(24.7), "aztreonam", 2000, drug_class="antibacterial"),
        ],
    )
    (checklist,) = workup_checklists(snapshot)
    assert checklist.first_antibiotic.at == _at(24.7)


# --- The patient page ---------------------------------------------------------------


@pytest.mark.django_db
def test_the_patient_page_shows_the_checklist_with_time_to_antibiotic(
    client, episode, nurse, committed
):
    fever_at = timezone.now() - timedelta(hours=3)
    with committed():
        chart.vitals_record(
            episode=episode, observed_at=fever_at, by=nurse, temperature_c=Decimal("38.8")
        )
        chart.workup_record(
            episode=episode,
            observed_at=fever_at + timedelta(minutes=10),
            by=nurse,
            event="blood_culture",
        )
        wrong = chart.workup_record(
            episode=episode,
            observed_at=fever_at + timedelta(minutes=15),
            by=nurse,
            event="urine_culture",
        )
        chart.enter_in_error(wrong, by=nurse, reason="Wrong patient")
        chart.medication_record(
            episode=episode,
            observed_at=fever_at + timedelta(minutes=40),
            by=nurse,
            drug="cefepime",
            dose_mg=2000,
        )
    client.force_login(nurse)
    page = client.get(reverse("patient_detail", args=[episode.patient_id])).content.decode()
    section = page[page.index('id="workup"') :]
    section = section[: section.index("</section>")]
    local = timezone.localtime(fever_at + timedelta(minutes=10), episode.patient.ward.tzinfo)
    assert "From CRS onset" in section and "(fever 38.8 °C)" in section
    assert f"<strong>{local:%-d %b %H:%M}</strong>" in section
    assert 'Urine culture</th>\n          <td><strong class="warn">not charted' in section
    assert "<strong>Cefepime</strong>" in section
    assert "<strong>40 min</strong>" in section and "more than 1 h" not in section


@pytest.mark.django_db
def test_a_patient_without_fever_has_no_checklist(client, episode, nurse):
    client.force_login(nurse)
    page = client.get(reverse("patient_detail", args=[episode.patient_id])).content.decode()
    assert 'id="workup"' not in page


@pytest.mark.django_db
def test_the_demo_seed_charts_cultures_and_antibiotics_for_febrile_patients():
    from django.core.management import call_command

    from grading.snapshot import episode_snapshot
    from patients.models import Episode, WorkupEvent

    call_command("seed_demo", allow_demo_accounts=True, verbosity=0)
    episode = Episode.objects.get(patient__mrn="DEMO-1006")
    (checklist,) = workup_checklists(episode_snapshot(episode, timezone.now()))
    assert checklist.blood_cultures and checklist.urine_cultures
    assert checklist.first_antibiotic.drug == "cefepime"
    assert timedelta(0) < checklist.fever_to_antibiotic < timedelta(hours=3)
    assert WorkupEvent.objects.filter(episode__patient__mrn="DEMO-1007").count() == 3
