"""A prompt follows its condition (clinical-rules.md section 6, r2): one instance
while the recommendation stays the same, a new one when it escalates."""

import threading
from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from grading import prompt_services, rules, services, tasks
from grading.models import Prompt
from patients import services as chart
from patients.models import Episode

pytestmark = pytest.mark.django_db


def _ago(minutes: float):
    return timezone.now() - timedelta(minutes=minutes)


def _live(episode, code) -> Prompt:
    return Prompt.objects.filter(episode=episode, code=code).live().get()


def _shocked(episode, nurse, minutes_ago: float, *pressors: str):
    """Febrile and hypotensive on the given vasopressors: CRS 3 on one, 4 on two."""
    return chart.vitals_record(
        episode=episode,
        observed_at=_ago(minutes_ago),
        by=nurse,
        temperature_c=Decimal("39.1"),
        systolic=84,
        diastolic=48,
        vasopressors=pressors,
    )


@pytest.fixture
def weighed(episode, nurse, committed):
    with committed():
        chart.weight_record(episode=episode, observed_at=_ago(600), by=nurse, weight_kg=80)
    return episode


@pytest.fixture
def protocol():
    return "A"


@pytest.fixture
def grade_3(weighed, nurse, committed, protocol):
    ward = weighed.patient.ward
    ward.protocol = protocol
    ward.save()
    # The episode keeps the protocol it started under (clinical-rules section 4 r2).
    Episode.objects.filter(pk=weighed.pk).update(protocol=protocol)
    weighed.refresh_from_db()
    with committed():
        _shocked(weighed, nurse, 30, "norepinephrine")
    assert weighed.assessments.latest_first().first().crs_grade == 3
    return weighed


def _to_grade_4(episode, nurse, committed):
    with committed():
        _shocked(episode, nurse, 5, "norepinephrine", "epinephrine")
    assert episode.assessments.latest_first().first().crs_grade == 4


def test_a_new_prompt_records_the_grade_that_raised_it(grade_3):
    icu = _live(grade_3, "icu_transfer")
    assert (icu.grade_scale, icu.grade, icu.supersedes) == ("CRS", 3, None)
    infection = _live(grade_3, "infection_workup")
    assert (infection.grade_scale, infection.grade) == ("", None)


@pytest.mark.parametrize("protocol", ["B"])
def test_dexamethasone_10_to_20_mg_supersedes_the_acknowledged_instance(
    grade_3, nurse, physician, committed
):
    before = _live(grade_3, "dexamethasone")
    assert "10 mg" in before.dose_text
    prompt_services.prompt_respond(before, by=physician, response="done")

    _to_grade_4(grade_3, nurse, committed)

    before.refresh_from_db()
    after = _live(grade_3, "dexamethasone")
    assert before.state == "superseded" and before.resolved_at is not None
    assert before.responses.get().response == "done"  # the earlier answer is kept
    assert after.pk != before.pk and after.state == "open"
    assert after.supersedes == before
    assert after.dose_text == "dexamethasone 20 mg IV every 6 h for 3 days"
    assert "CRS grade 3 → 4" in after.raised_again_because
    assert f"dose was: {before.dose_text}" in after.raised_again_because
    assert after.earlier_answer().by == physician
    assert Prompt.objects.filter(episode=grade_3, code="dexamethasone").count() == 2


def test_icu_transfer_not_indicated_at_grade_3_is_asked_again_at_grade_4(
    grade_3, nurse, physician, committed
):
    icu = _live(grade_3, "icu_transfer")
    answer = prompt_services.prompt_respond(
        icu, by=physician, response="not_indicated", reason="Goals of care: ward-based"
    )
    assert answer.grade == 3
    services.regrade(grade_3, trigger="schedule")  # still grade 3: the answer stands
    assert _live(grade_3, "icu_transfer").pk == icu.pk

    _to_grade_4(grade_3, nurse, committed)

    again = _live(grade_3, "icu_transfer")
    assert again.pk != icu.pk and again.state == "open" and again.grade == 4
    earlier = again.earlier_answer()
    assert (earlier.response, earlier.grade, earlier.reason) == (
        "not_indicated",
        3,
        "Goals of care: ward-based",
    )
    with pytest.raises(ValidationError, match="answer the new one"):
        prompt_services.prompt_respond(icu, by=physician, response="done")


def test_the_same_recommendation_keeps_its_instance_and_answer(grade_3, nurse, physician):
    icu = _live(grade_3, "icu_transfer")
    prompt_services.prompt_respond(icu, by=physician, response="done")
    for _ in range(3):
        services.regrade(grade_3, trigger="schedule")
    assert list(Prompt.objects.filter(episode=grade_3, code="icu_transfer")) == [icu]
    icu.refresh_from_db()
    assert icu.state == "acknowledged"


def test_a_falling_grade_keeps_the_instance_and_a_new_rise_asks_again(
    grade_3, nurse, physician, committed
):
    _to_grade_4(grade_3, nurse, committed)
    icu = _live(grade_3, "icu_transfer")
    prompt_services.prompt_respond(icu, by=physician, response="done")
    with committed():
        _shocked(grade_3, nurse, 2, "norepinephrine")
    icu.refresh_from_db()
    assert (icu.state, icu.grade) == ("acknowledged", 3)
    with committed():
        _shocked(grade_3, nurse, 1, "norepinephrine", "vasopressin", "epinephrine")
    icu.refresh_from_db()
    assert icu.state == "superseded"
    assert _live(grade_3, "icu_transfer").earlier_answer().grade == 4


def test_a_severity_rise_supersedes_and_a_fall_does_not(grade_3):
    icu = _live(grade_3, "icu_transfer")
    quieter = rules.Prompt("icu_transfer", "low", icu.text, icu.source)
    prompt_services.sync_prompts(grade_3, (quieter,), timezone.now(), {"CRS": 3, "ICANS": 0})
    icu.refresh_from_db()
    assert (icu.state, icu.severity) == ("open", "low")
    louder = rules.Prompt("icu_transfer", "critical", icu.text, icu.source)
    prompt_services.sync_prompts(grade_3, (louder,), timezone.now(), {"CRS": 3, "ICANS": 0})
    icu.refresh_from_db()
    assert icu.state == "superseded"
    assert _live(grade_3, "icu_transfer").raised_again_because == "severity low → critical"


def test_a_superseded_prompt_resolves_no_further_and_the_new_one_resolves_when_cleared(
    grade_3, nurse, committed
):
    _to_grade_4(grade_3, nurse, committed)
    with time_machine.travel(timezone.now() + timedelta(hours=200)):
        tasks.regrade_active_episodes()
    states = dict(
        Prompt.objects.filter(episode=grade_3, code="icu_transfer").values_list("grade", "state")
    )
    assert states == {3: "superseded", 4: "resolved"}


def test_the_database_refuses_two_live_instances_of_one_code(grade_3):
    icu = _live(grade_3, "icu_transfer")
    with pytest.raises(IntegrityError), transaction.atomic():
        Prompt.objects.create(
            episode=grade_3,
            code="icu_transfer",
            severity="critical",
            text=icu.text,
            source=icu.source,
            raised_at=timezone.now(),
        )


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_regrades_keep_one_live_instance(on_postgresql, episode, nurse, physician):
    with mock.patch.object(tasks.regrade_patient, "apply_async"):
        chart.weight_record(episode=episode, observed_at=_ago(600), by=nurse, weight_kg=80)
        _shocked(episode, nurse, 30, "norepinephrine")
    services.regrade(episode, trigger="new_data")
    icu = _live(episode, "icu_transfer")
    prompt_services.prompt_respond(icu, by=physician, response="not_indicated", reason="Ward")
    with mock.patch.object(tasks.regrade_patient, "apply_async"):
        _shocked(episode, nurse, 5, "norepinephrine", "epinephrine")
    barrier = threading.Barrier(2)
    errors = []

    def regrade():
        try:
            barrier.wait()
            services.regrade(episode, trigger="new_data")
        except Exception as error:  # surfaced below; a thread must not swallow it
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=regrade) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    rows = Prompt.objects.filter(episode=episode, code="icu_transfer").order_by("pk")
    assert [(p.state, p.grade) for p in rows] == [("superseded", 3), ("open", 4)]


# --- What the pages show ------------------------------------------------------


def test_a_superseded_prompt_reopens_on_the_patient_page_beside_the_earlier_answer(
    client, grade_3, nurse, physician, committed
):
    physician.first_name, physician.last_name = "Paul", "Okoye"
    physician.save()
    icu = _live(grade_3, "icu_transfer")
    client.force_login(physician)
    page = reverse("patient_detail", args=[grade_3.patient_id])
    client.post(
        reverse("respond_to_prompt", args=[icu.pk]),
        {"response": "not_indicated", "reason": "Goals of care: ward-based", "next": page},
    )

    _to_grade_4(grade_3, nurse, committed)

    again = _live(grade_3, "icu_transfer")
    html = client.get(page).content.decode()
    assert "Raised again</strong>: CRS grade 3 → 4" in html
    assert "Earlier: not indicated at CRS grade 3 by Paul Okoye" in html
    assert "Goals of care: ward-based" in html
    assert "It does not stand for the new question" in html
    assert reverse("respond_to_prompt", args=[again.pk]) in html
    assert reverse("respond_to_prompt", args=[icu.pk]) not in html  # only the new one is asked

    stale = client.post(
        reverse("respond_to_prompt", args=[icu.pk]), {"response": "done", "next": page}, follow=True
    )
    assert "answer the new one" in stale.content.decode()
    assert icu.responses.count() == 1


def test_the_board_marks_a_prompt_raised_again(client, grade_3, nurse, physician, committed):
    icu = _live(grade_3, "icu_transfer")
    prompt_services.prompt_respond(icu, by=physician, response="not_indicated", reason="Ward")
    _to_grade_4(grade_3, nurse, committed)
    client.force_login(nurse)
    html = client.get(reverse("ward_patients", args=[grade_3.patient.ward_id])).content.decode()
    assert "raised again: CRS grade 3 → 4; earlier not indicated at grade 3" in html


def test_the_bedside_prompts_say_what_the_nurse_does_now_most_severe_first(
    client, grade_3, nurse, committed
):
    with committed():
        chart.medication_record(
            episode=grade_3, observed_at=_ago(20), by=nurse, drug="dexamethasone", dose_mg=10
        )
    client.force_login(nurse)
    html = client.get(reverse("bedside_prompts", args=[grade_3.patient_id])).content.decode()
    assert "Call the physician now</strong> about" in html
    critical = html.index('class="prompt prompt-critical"')
    low = html.index('class="prompt prompt-low"')
    assert critical < low
    assert html.count("Call the physician now") == 1 + sum(
        p.call_now for p in Prompt.objects.filter(episode=grade_3).live()
    )
    assert "Tell the physician at the next review" in html[low:]  # antifungal prophylaxis
    assert "A physician answers these prompts" in html
    assert "respond_to_prompt" not in html and 'name="response"' not in html


def test_a_physician_answers_on_the_bedside_and_returns_to_it(client, grade_3, physician):
    client.force_login(physician)
    bedside = reverse("bedside", args=[grade_3.patient_id])
    html = client.get(reverse("bedside_prompts", args=[grade_3.patient_id])).content.decode()
    assert f'name="next" value="{bedside}"' in html
    # The physician is the one to call: they are asked to answer.
    assert "Answer now</strong> about" in html and "Call the physician" not in html
    icu = _live(grade_3, "icu_transfer")
    response = client.post(
        reverse("respond_to_prompt", args=[icu.pk]), {"response": "done", "next": bedside}
    )
    assert response["Location"] == bedside
    html = client.get(reverse("bedside_prompts", args=[grade_3.patient_id])).content.decode()
    assert "Answered, still in force (1)" in html
    assert "icu transfer</strong>: done" in html


def test_while_a_regrade_is_pending_the_bedside_never_says_no_prompt(client, episode, nurse):
    with mock.patch.object(tasks.regrade_patient, "apply_async"):
        _shocked(episode, nurse, 5, "norepinephrine")
    client.force_login(nurse)
    html = client.get(reverse("bedside_prompts", args=[episode.patient_id])).content.decode()
    assert "Updating with the latest entry" in html and "every 2s" in html
    assert "No open prompt" not in html


def test_a_dose_that_appears_asks_again_and_one_that_goes_does_not(grade_3):
    consider = rules.Prompt("tocilizumab_consider", "medium", "Consider tocilizumab", "seed 000")
    with_dose = rules.Prompt(
        "tocilizumab_consider", "medium", "Consider tocilizumab", "seed 000", "tocilizumab 640 mg"
    )
    grades = {"CRS": 1, "ICANS": 0}
    prompt_services.sync_prompts(grade_3, (with_dose,), timezone.now(), grades)
    first = _live(grade_3, "tocilizumab_consider")
    prompt_services.sync_prompts(grade_3, (consider,), timezone.now(), grades)
    assert _live(grade_3, "tocilizumab_consider").pk == first.pk
    prompt_services.sync_prompts(grade_3, (with_dose,), timezone.now(), grades)
    again = _live(grade_3, "tocilizumab_consider")
    assert again.supersedes == first and again.raised_again_because == "a dose is now recommended"


def test_a_code_this_build_does_not_know_follows_the_grade_its_name_says(grade_3):
    assert prompt_services.raised_by("icans_something_new") == "ICANS"
    assert prompt_services.raised_by("seizure_watch") == "ICANS"
    assert prompt_services.raised_by("steroid_taper") == "CRS"
    assert prompt_services.raised_by("icans_risk_high") is None  # fever-raised, not graded
    note = rules.Prompt("steroid_taper", "info", "Taper", "seed 001")
    prompt_services.sync_prompts(grade_3, (note,), timezone.now(), {"CRS": 3, "ICANS": 1})
    prompt_services.sync_prompts(grade_3, (note,), timezone.now(), {"CRS": 4, "ICANS": 1})
    rows = Prompt.objects.filter(episode=grade_3, code="steroid_taper").order_by("pk")
    assert [(p.state, p.severity, p.grade) for p in rows] == [
        ("superseded", "info", 3),
        ("open", "info", 4),
    ]
