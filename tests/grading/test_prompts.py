from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from grading import prompt_services, services, tasks
from grading.models import Prompt, ProtocolChange
from patients import services as chart

pytestmark = pytest.mark.django_db


def _ago(minutes: float):
    return timezone.now() - timedelta(minutes=minutes)


@pytest.fixture
def grade_2(episode, nurse, committed):
    """Febrile on nasal cannula 3 L/min, weighed: tocilizumab is indicated."""
    with committed():
        chart.weight_record(episode=episode, observed_at=_ago(600), by=nurse, weight_kg=80)
        vitals = chart.vitals_record(
            episode=episode,
            observed_at=_ago(5),
            by=nurse,
            temperature_c=Decimal("38.9"),
            oxygen_device="nasal_cannula",
            oxygen_flow_l_min=3,
        )
    episode.vitals = vitals
    return episode


def _live(episode, code):
    return Prompt.objects.filter(episode=episode, code=code).live()


def test_a_regrade_raises_the_prompt_with_its_dose_and_source(grade_2):
    prompt = _live(grade_2, "tocilizumab_indicated").get()
    assert prompt.state == "open"
    assert "640 mg" in prompt.text and prompt.text.endswith(f"{prompt.source}.")
    assert prompt.source


def test_a_prompt_is_not_raised_twice_while_open(grade_2):
    services.regrade(grade_2, trigger="schedule")
    services.regrade(grade_2, trigger="schedule")
    assert Prompt.objects.filter(episode=grade_2, code="tocilizumab_indicated").count() == 1


def test_a_physician_acknowledges_and_the_prompt_stays_until_its_condition_clears(
    grade_2, physician, nurse, committed
):
    prompt = _live(grade_2, "tocilizumab_indicated").get()
    prompt_services.prompt_respond(prompt, by=physician, response="done")
    prompt.refresh_from_db()
    assert prompt.state == "acknowledged"

    services.regrade(grade_2, trigger="schedule")
    assert _live(grade_2, "tocilizumab_indicated").get().pk == prompt.pk

    with committed():
        chart.enter_in_error(grade_2.vitals, by=nurse, reason="Wrong patient")
    prompt.refresh_from_db()
    assert prompt.state == "resolved" and prompt.resolved_at is not None
    assert prompt.responses.get().by == physician  # history kept


def test_not_indicated_needs_a_reason(grade_2, physician):
    prompt = _live(grade_2, "tocilizumab_indicated").get()
    with pytest.raises(ValidationError):
        prompt_services.prompt_respond(prompt, by=physician, response="not_indicated")
    prompt_services.prompt_respond(
        prompt, by=physician, response="not_indicated", reason="Infection likely, cultures sent"
    )


def test_a_deferred_prompt_stays_open(grade_2, physician):
    prompt = _live(grade_2, "tocilizumab_indicated").get()
    prompt_services.prompt_respond(prompt, by=physician, response="deferred", reason="Review 1h")
    prompt.refresh_from_db()
    assert prompt.state == "open"


def test_only_a_physician_answers_a_prompt(client, grade_2, nurse, pharmacist, physician):
    prompt = _live(grade_2, "tocilizumab_indicated").get()
    with pytest.raises(PermissionDenied):
        prompt_services.prompt_respond(prompt, by=pharmacist, response="done")
    url = reverse("respond_to_prompt", args=[prompt.pk])
    client.force_login(nurse)
    assert client.post(url, {"response": "done"}).status_code == 403
    client.force_login(physician)
    assert client.post(url, {"response": "done"}).status_code == 302
    page = client.get(reverse("patient_detail", args=[grade_2.patient_id])).content.decode()
    assert "Done" in page and "acknowledged" in page


def test_a_resolved_prompt_is_raised_anew_when_its_condition_returns(grade_2, nurse, committed):
    with committed():
        chart.enter_in_error(grade_2.vitals, by=nurse, reason="Wrong patient")
    with committed():
        chart.vitals_record(
            episode=grade_2,
            observed_at=_ago(1),
            by=nurse,
            temperature_c=Decimal("39.0"),
            oxygen_device="nasal_cannula",
            oxygen_flow_l_min=2,
        )
    prompts = Prompt.objects.filter(episode=grade_2, code="tocilizumab_indicated")
    assert sorted(prompts.values_list("state", flat=True)) == ["open", "resolved"]


def test_the_clock_raises_overdue_prompts(grade_2):
    assert not _live(grade_2, "grading_overdue").exists()
    with time_machine.travel(timezone.now() + timedelta(hours=13)):
        tasks.regrade_active_episodes()
    assert _live(grade_2, "grading_overdue").exists()
    assert _live(grade_2, "neuro_overdue").exists()


def test_a_physician_changes_the_wards_protocol_and_it_is_recorded(
    client, grade_2, physician, nurse
):
    ward = grade_2.patient.ward
    url = reverse("ward_protocol", args=[ward.pk])
    client.force_login(nurse)
    assert client.post(url, {"protocol": "B"}).status_code == 403
    ward.refresh_from_db()
    assert ward.protocol == "A"
    client.force_login(physician)
    response = client.post(url, {"protocol": "B", "reason": "Unit policy 2026-11", "confirm": "on"})
    assert response.status_code == 302
    ward.refresh_from_db()
    change = ProtocolChange.objects.get()
    assert (ward.protocol, change.previous, change.protocol, change.by) == (
        "B",
        "A",
        "B",
        physician,
    )
    assert "Unit policy 2026-11" in client.get(url).content.decode()


def test_every_severity_the_rules_raise_is_stored_and_ranked_in_their_order():
    from grading.rules.situation import SEVERITY_ORDER

    assert [code for code, _ in Prompt.SEVERITIES] == list(SEVERITY_ORDER)
    info = Prompt(severity="info")
    assert info.get_severity_display() == "Info"
    assert info.severity_rank == len(SEVERITY_ORDER) - 1
