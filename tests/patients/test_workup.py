"""Work-up events (clinical-rules section 9): a chart row like every other,
charted from the bedside panel in two taps."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from grading.audit import patient_audit
from grading.snapshot import episode_snapshot
from patients import services
from patients.forms import WorkupForm
from patients.models import WorkupEvent

from . import entries
from .entries import htmx, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, nurse):
    client.force_login(nurse)
    return client


def _ago(**delta):
    return timezone.now() - timedelta(**delta)


# --- The chart row ----------------------------------------------------------------


def test_an_event_is_recorded_with_its_author_and_announced(episode, nurse, committed):
    before = episode.chart_changed_at
    with committed():
        event = services.workup_record(
            episode=episode, observed_at=_ago(minutes=10), by=nurse, event="blood_culture"
        )
    assert (event.event, event.recorded_by, event.note) == ("blood_culture", nurse, "")
    episode.refresh_from_db()
    assert episode.chart_changed_at > before
    assert event.ref == f"workupevent:{event.pk}"


def test_an_unknown_kind_a_long_note_and_a_future_time_are_refused(episode, nurse):
    with pytest.raises(ValidationError) as error:
        services.workup_record(episode=episode, observed_at=_ago(minutes=1), by=nurse, event="mri")
    assert "event" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.workup_record(
            episode=episode, observed_at=_ago(minutes=1), by=nurse, event="eeg", note="x" * 501
        )
    assert "note" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.workup_record(
            episode=episode, observed_at=_ago(minutes=-30), by=nurse, event="eeg"
        )
    assert "observed_at" in error.value.message_dict
    assert not WorkupEvent.objects.exists()


def test_the_same_key_saves_one_event(episode, nurse):
    data = {"episode": episode, "observed_at": _ago(minutes=3), "by": nurse, "event": "eeg"}
    key = entries.uuid.uuid4()
    first = services.workup_record(**data, idempotency_key=key)
    again = services.workup_record(**data, idempotency_key=key)
    assert first.pk == again.pk and WorkupEvent.objects.count() == 1


def test_an_event_entered_in_error_stays_but_leaves_the_snapshot(episode, nurse):
    event = services.workup_record(
        episode=episode, observed_at=_ago(minutes=20), by=nurse, event="urine_culture"
    )
    kept = services.workup_record(
        episode=episode, observed_at=_ago(minutes=10), by=nurse, event="chest_xray"
    )
    snapshot = episode_snapshot(episode, timezone.now())
    assert [e.kind for e in snapshot.events] == ["urine_culture", "chest_xray"]
    services.enter_in_error(event, by=nurse, reason="Wrong patient")
    snapshot = episode_snapshot(episode, timezone.now())
    assert [(e.kind, e.ref) for e in snapshot.events] == [("chest_xray", kept.ref)]
    assert WorkupEvent.objects.count() == 2
    with pytest.raises(ValidationError, match="never deleted"):
        kept.delete()


def test_postgresql_refuses_a_raw_delete_of_events(on_postgresql, episode, nurse):
    services.workup_record(episode=episode, observed_at=_ago(minutes=5), by=nurse, event="eeg")
    with pytest.raises(Exception, match="never deleted"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM patients_workupevent")
    assert WorkupEvent.objects.count() == 1


def test_the_audit_trail_records_an_event_with_its_author(on_postgresql, signed_in, episode, nurse):
    path = url("workup_entry", episode)
    htmx(signed_in, path, entries.workup(episode, event="lumbar_puncture"))
    created = [e for e in patient_audit(episode.patient) if e.what == "work-up event"]
    assert len(created) == 1
    assert (created[0].action, created[0].user, created[0].url) == ("created", nurse, path)
    assert created[0].snapshot["event"] == "lumbar_puncture"


# --- The form ----------------------------------------------------------------------


def test_the_form_names_a_missing_kind_and_keeps_the_note(episode):
    form = WorkupForm(entries.workup(episode, event="", note="left arm"), episode=episode)
    assert form.errors["event"] == ["What was done: tap one of the buttons."]
    assert form["note"].value() == "left arm"
    form = WorkupForm(entries.workup(episode, note="x" * 501), episode=episode)
    assert form.errors["note"] == ["Note (optional) takes at most 500 characters."]


def test_the_tapped_kind_shows_when_the_form_comes_back(episode):
    form = WorkupForm(entries.workup(episode, event="eeg", observed_at="soon"), episode=episode)
    assert not form.is_valid()
    assert "Done at must be a date and time" in form.errors["observed_at"][0]
    tapped = [code for code, _, pressed in form.kind_buttons() if pressed]
    assert tapped == ["eeg"]


# --- The bedside panel ----------------------------------------------------------------


def test_the_bedside_page_has_a_work_up_button(signed_in, episode):
    page = signed_in.get(url("bedside", episode)).content.decode()
    assert f'href="{url("workup_entry", episode)}"' in page and ">Work-up</a>" in page


def test_the_panel_has_one_big_button_per_kind(signed_in, episode):
    panel = htmx(signed_in, url("workup_entry", episode)).content.decode()
    for code, words in [("blood_culture", "Blood culture"), ("icu_transfer", "ICU transfer")]:
        assert f'name="event" value="{code}">{words}</button>' in panel
    assert panel.count('class="btn workup-btn') == 10
    assert 'type="datetime-local"' in panel


def test_one_tap_saves_the_event_and_lists_it_with_a_fresh_form(signed_in, episode, nurse):
    sent = entries.workup(episode, event="blood_culture", note="peripheral and line")
    response = htmx(signed_in, url("workup_entry", episode), sent)
    assert response["HX-Trigger"] == '{"chartChanged": {}}'
    panel = response.content.decode()
    event = WorkupEvent.objects.get()
    assert (event.event, event.recorded_by, event.note) == (
        "blood_culture",
        nurse,
        "peripheral and line",
    )
    assert "Saved: Blood culture" in panel
    assert "Entered in error…" in panel and "peripheral and line" in panel
    assert sent["idempotency_key"] not in panel  # the next tap is a new event


def test_a_double_tap_saves_one_event(signed_in, episode):
    sent = entries.workup(episode, event="chest_xray")
    htmx(signed_in, url("workup_entry", episode), sent)
    htmx(signed_in, url("workup_entry", episode), sent)
    assert WorkupEvent.objects.count() == 1


def test_a_refused_event_names_the_field_and_keeps_what_was_typed(signed_in, episode):
    future = entries.ward_time(episode, timezone.now() + timedelta(hours=2))
    sent = entries.workup(episode, event="eeg", observed_at=future, note="routine")
    panel = htmx(signed_in, url("workup_entry", episode), sent).content.decode()
    assert "Observation time is in the future" in panel
    assert 'href="#f-observed_at">Done at</a>' in panel
    assert f'value="{future}"' in panel and 'value="routine"' in panel
    assert 'value="eeg" aria-pressed="true"' in panel
    assert not WorkupEvent.objects.exists()


def test_without_htmx_a_tap_saves_and_goes_back_to_the_bedside(signed_in, episode):
    response = signed_in.post(url("workup_entry", episode), entries.workup(episode, event="eeg"))
    assert response.status_code == 302 and response["Location"] == url("bedside", episode)
    assert WorkupEvent.objects.get().event == "eeg"


def test_an_event_is_struck_through_from_the_history(signed_in, episode, nurse):
    event = services.workup_record(
        episode=episode, observed_at=_ago(minutes=5), by=nurse, event="echocardiogram"
    )
    page = signed_in.get(url("bedside", episode)).content.decode()
    assert "Work-up</span>" in page and "Echocardiogram" in page
    strike = url("entered_in_error", episode, "event", event.pk)
    response = htmx(signed_in, strike, {"reason": "Wrong patient"})
    assert response["HX-Trigger"] == '{"chartChanged": {}}'
    event.refresh_from_db()
    assert event.is_entered_in_error and event.entered_in_error_by == nurse
    panel = htmx(signed_in, url("workup_entry", episode)).content.decode()
    assert '<li class="chart-row struck"' in panel


def test_a_pharmacist_cannot_chart_work_up(client, pharmacist, episode):
    client.force_login(pharmacist)
    response = htmx(client, url("workup_entry", episode), entries.workup(episode))
    assert response.status_code == 403
    assert not WorkupEvent.objects.exists()


# --- Vitals that did not record the support ----------------------------------------


def test_a_flow_without_its_device_is_refused_by_the_service(episode, nurse):
    from patients.models import VitalsSet

    with pytest.raises(ValidationError) as error:
        services.vitals_record(
            episode=episode,
            observed_at=_ago(minutes=2),
            by=nurse,
            temperature_c=38,
            oxygen_device="",
            oxygen_flow_l_min=3,
        )
    assert error.value.message_dict["oxygen_flow_l_min"] == [
        "An oxygen flow needs the oxygen device it runs through."
    ]
    assert not VitalsSet.objects.exists()


def test_not_recorded_and_none_running_are_told_apart_in_the_history(signed_in, episode, nurse):
    services.vitals_record(
        episode=episode, observed_at=_ago(minutes=30), by=nurse, heart_rate=91, vasopressors=[]
    )
    services.vitals_record(
        episode=episode,
        observed_at=_ago(minutes=10),
        by=nurse,
        heart_rate=97,
        oxygen_device="",
        vasopressors=None,
    )
    page = signed_in.get(url("bedside", episode)).content.decode()
    history = page[page.index('id="bedside-history"') :]
    assert history.count("not recorded: carried over") == 1
    assert (
        history.index("HR 97")
        < history.index("not recorded: carried over")
        < history.index("HR 91")
    )
