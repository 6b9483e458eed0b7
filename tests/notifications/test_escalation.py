"""From a charted vitals set to the right person, and up the rota when nobody
answers; the clock frozen with time_machine."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from grading import prompt_services
from grading.models import Prompt
from notifications import services
from notifications.models import Alert, Delivery, Notification, WardNotifySettings

from .conftest import AFEBRILE_SHOCK, NORMAL, chart_vitals

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock():
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


def _shock(episode, nurse, committed):
    with committed():
        chart_vitals(episode, nurse, minutes_ago=60, **NORMAL)
    with committed():
        chart_vitals(episode, nurse, minutes_ago=1, **AFEBRILE_SHOCK)


def _told(person) -> list[tuple[str, str]]:
    return sorted(
        Notification.objects.filter(recipient=person).values_list("alert__cause", "reason")
    )


def test_afebrile_shock_tells_first_call_once_per_cause(clock, episode, nurse, rota, committed):
    _shock(episode, nurse, committed)
    causes = set(Alert.objects.open().values_list("cause", flat=True))
    assert "acuity" in causes and "evaluate_other_causes" in causes
    told = _told(rota["first_call"])
    assert ("acuity", "raised") in told
    assert ("evaluate_other_causes", "raised") in told
    assert len(told) == len(set(told)), "one notification per cause"
    assert _told(rota["second_call"]) == [] and _told(rota["unit_lead"]) == []
    # The inbox is written as it is told; no other channel is configured here.
    assert set(Delivery.objects.values_list("channel", "status")) == {("inbox", "sent")}


def test_the_same_shock_charted_again_tells_nobody_again(clock, episode, nurse, rota, committed):
    _shock(episode, nurse, committed)
    before = Notification.objects.count()
    clock.shift(timedelta(minutes=5))
    with committed():
        chart_vitals(episode, nurse, minutes_ago=0, **{**AFEBRILE_SHOCK, "heart_rate": 131})
    assert Notification.objects.count() == before


def test_unanswered_it_climbs_to_second_call_then_the_unit_lead(
    clock, episode, nurse, rota, committed
):
    _shock(episode, nurse, committed)
    alert = Alert.objects.get(cause="acuity")
    clock.shift(timedelta(minutes=14, seconds=59))
    services.escalate_due()
    assert _told(rota["second_call"]) == []
    clock.shift(timedelta(seconds=1))  # 15 minutes: the critical default
    services.escalate_due()
    assert ("acuity", "escalated") in _told(rota["second_call"])
    services.escalate_due()  # a second worker, the same minute: nobody told twice
    assert _told(rota["second_call"]).count(("acuity", "escalated")) == 1
    clock.shift(timedelta(minutes=15))
    services.escalate_due()
    assert ("acuity", "escalated") in _told(rota["unit_lead"])
    clock.shift(timedelta(minutes=60))  # the unit lead again, each re-notify interval
    services.escalate_due()
    assert ("acuity", "renotified") in _told(rota["unit_lead"])
    alert.refresh_from_db()
    assert (alert.level, alert.escalations, alert.state) == ("unit_lead", 2, "open")


def test_acknowledged_in_the_inbox_it_stops(clock, episode, nurse, rota, committed):
    _shock(episode, nurse, committed)
    alert = Alert.objects.get(cause="acuity")
    clock.shift(timedelta(minutes=3))
    services.acknowledge(alert, by=rota["first_call"])
    clock.shift(timedelta(hours=2))
    services.escalate_due()
    assert ("acuity", "escalated") not in _told(rota["second_call"])
    alert.refresh_from_db()
    assert (alert.state, alert.acknowledged_by, alert.due_at) == (
        "acknowledged",
        rota["first_call"],
        None,
    )


def test_answering_the_prompt_on_the_patient_page_stops_its_alert(
    clock, episode, nurse, rota, committed
):
    _shock(episode, nurse, committed)
    prompt = Prompt.objects.get(episode=episode, code="evaluate_other_causes", state="open")
    clock.shift(timedelta(minutes=4))
    with committed():
        prompt_services.prompt_respond(prompt, by=rota["second_call"], response="done")
    alert = Alert.objects.get(cause="evaluate_other_causes")
    assert (alert.state, alert.acknowledged_by, alert.acknowledged_how) == (
        "acknowledged",
        rota["second_call"],
        "prompt answered",
    )
    clock.shift(timedelta(minutes=20))
    services.escalate_due()
    assert ("evaluate_other_causes", "escalated") not in _told(rota["second_call"])


def test_a_lost_answer_signal_still_stops_the_timer(clock, episode, nurse, rota, committed):
    _shock(episode, nurse, committed)
    prompt = Prompt.objects.get(episode=episode, code="evaluate_other_causes", state="open")
    # Answered without the on-commit announcement (as if the process died).
    prompt_services.prompt_respond(prompt, by=rota["first_call"], response="done")
    clock.shift(timedelta(minutes=16))
    services.escalate_due()
    assert Alert.objects.get(cause="evaluate_other_causes").state == "acknowledged"


def test_a_nurse_cannot_acknowledge_for_the_physician(clock, episode, nurse, rota, committed):
    _shock(episode, nurse, committed)
    with pytest.raises(PermissionDenied):
        services.acknowledge(Alert.objects.get(cause="acuity"), by=nurse)


def test_outside_the_rota_the_wards_physicians_are_told(
    clock, episode, nurse, physician, committed
):
    _shock(episode, nurse, committed)
    assert ("acuity", "raised") in _told(physician)


def test_recovery_closes_the_acuity_alert_and_a_quick_relapse_stays_quiet(
    clock, episode, nurse, rota, committed
):
    _shock(episode, nurse, committed)
    clock.shift(timedelta(minutes=10))
    with committed():
        chart_vitals(episode, nurse, minutes_ago=0, **NORMAL)
    acuity = Alert.objects.get(cause="acuity")
    assert acuity.state == "closed" and "acuity fell" in acuity.closed_because
    clock.shift(timedelta(minutes=10))
    with committed():
        chart_vitals(episode, nurse, minutes_ago=0, **AFEBRILE_SHOCK)
    assert Alert.objects.filter(cause="acuity").count() == 1  # quiet for 60 min
    clock.shift(timedelta(minutes=61))
    with committed():
        chart_vitals(episode, nurse, minutes_ago=0, **NORMAL)
    with committed():
        chart_vitals(episode, nurse, minutes_ago=0, **AFEBRILE_SHOCK)
    assert Alert.objects.filter(cause="acuity").count() == 2


def test_a_ward_sets_its_own_escalation_time(clock, episode, nurse, rota, committed, ward):
    WardNotifySettings.objects.create(ward=ward, escalate_critical_after=timedelta(minutes=5))
    _shock(episode, nurse, committed)
    clock.shift(timedelta(minutes=5))
    services.escalate_due()
    assert ("acuity", "escalated") in _told(rota["second_call"])


def test_a_high_prompt_waits_on_the_board_then_goes_to_second_call(
    clock, episode, nurse, rota, committed
):
    from decimal import Decimal

    with committed():
        chart_vitals(episode, nurse, minutes_ago=1, temperature_c=Decimal("38.9"), heart_rate=104)
    waiting = Alert.objects.get(cause="infection_workup")
    assert waiting.severity == "high" and not waiting.notifications.exists()
    clock.shift(timedelta(minutes=30))
    services.escalate_due()
    assert ("infection_workup", "escalated") in _told(rota["second_call"])
    assert ("infection_workup", "raised") not in _told(rota["first_call"])


def test_a_prompt_that_clears_closes_its_alert(clock, episode, nurse, rota, committed):
    _shock(episode, nurse, committed)
    clock.shift(timedelta(minutes=5))
    with committed():
        chart_vitals(episode, nurse, minutes_ago=0, **NORMAL)
    alert = Alert.objects.get(cause="evaluate_other_causes")
    assert (alert.state, alert.due_at) == ("closed", None)
    assert "condition cleared" in alert.closed_because
