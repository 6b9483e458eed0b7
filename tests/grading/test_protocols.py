"""A protocol per episode (clinical-rules section 4, r2): the episode keeps the
protocol it started under; a ward's change applies to new episodes, and to the
active ones only through a separate, confirmed step; every change says why."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from grading import dose_services, protocol_services, selectors
from grading.audit import patient_audit
from grading.models import Assessment, EpisodeProtocolChange, ProtocolChange
from grading.snapshot import dose_snapshots, episode_snapshot
from patients import services as chart
from patients.models import Episode, Ward

pytestmark = pytest.mark.django_db


def _ago(hours: float):
    return timezone.now() - timedelta(hours=hours)


@pytest.fixture
def ward_b(ward):
    ward.protocol = "B"  # tocilizumab: at most 2 doses in the episode
    ward.save()
    return ward


def _weighed(episode, nurse):
    chart.weight_record(episode=episode, observed_at=_ago(45), by=nurse, weight_kg=Decimal("80"))
    return episode


def _toci(episode, by, hours_ago: float):
    return dose_services.dose_record(
        episode=episode,
        drug="tocilizumab",
        dose_mg=Decimal("640"),
        observed_at=_ago(hours_ago),
        by=by,
    )


def _two_doses_under_b(make_episode, nurse, **patient_fields):
    episode = _weighed(make_episode(**patient_fields), nurse)
    _toci(episode, nurse, hours_ago=40)
    _toci(episode, nurse, hours_ago=20)
    return episode


def _switch_ward(ward, physician, protocol="A"):
    return protocol_services.ward_protocol_set(
        ward, protocol=protocol, reason="Unit policy 2026-11", by=physician
    )


# The table of the issue: what a third dose meets under each episode protocol,
# the ward having switched from B to A after the first two.
@pytest.mark.parametrize(
    "apply_to_active, protocol, blocked, remaining_total",
    [
        (False, "B", ("max_total",), 0),  # started under B: B's 2 per episode still holds
        (True, "A", (), 2),  # moved to A by the confirmed step: A's 4 per episode
    ],
)
def test_the_limits_follow_the_episodes_protocol_across_a_ward_change(
    make_episode, ward_b, nurse, physician, apply_to_active, protocol, blocked, remaining_total
):
    episode = _two_doses_under_b(make_episode, nurse)
    _switch_ward(ward_b, physician)
    if apply_to_active:
        protocol_services.ward_protocol_apply_to_active(
            ward_b, protocol="A", episode_ids=[episode.pk], reason="Whole ward on A", by=physician
        )
    episode.refresh_from_db()
    assert episode.protocol == protocol
    assert episode_snapshot(episode, timezone.now()).protocol == protocol
    assert dose_snapshots([episode], timezone.now())[episode.pk].protocol == protocol
    summary, _ = selectors.dose_summary(episode)
    assert summary.tocilizumab.doses_total == 2
    assert summary.tocilizumab.remaining_total == remaining_total
    assert tuple(summary.tocilizumab.blocked_because) == blocked


def test_a_third_dose_for_a_patient_started_under_b_is_blocked_after_the_ward_moves_to_a(
    make_episode, ward_b, nurse, physician
):
    episode = _two_doses_under_b(make_episode, nurse)
    _switch_ward(ward_b, physician)
    with pytest.raises(dose_services.DoseBlocked) as blocked:
        _toci(episode, nurse, hours_ago=0.1)
    assert blocked.value.codes == ["max_total"]


def test_an_episode_takes_the_wards_protocol_when_it_starts(make_episode, ward_b, physician):
    before = make_episode()
    assert before.protocol == "B"
    _switch_ward(ward_b, physician)
    after = make_episode()
    before.refresh_from_db()
    assert (before.protocol, after.protocol) == ("B", "A")
    assert list(protocol_services.episodes_on_another_protocol(ward_b)) == [before]


def test_a_ward_change_moves_no_active_episode_by_itself(make_episode, ward_b, physician):
    episode = make_episode()
    change = _switch_ward(ward_b, physician)
    episode.refresh_from_db()
    assert (change.previous, change.protocol, change.reason) == ("B", "A", "Unit policy 2026-11")
    assert episode.protocol == "B"
    assert not EpisodeProtocolChange.objects.exists()


def test_the_apply_step_changes_only_the_episodes_listed_and_records_each(
    make_episode, ward_b, nurse, physician
):
    listed, other = make_episode(), make_episode()
    discharged = make_episode()
    Episode.objects.filter(pk=discharged.pk).update(discharged_at=timezone.now())
    elsewhere = make_episode(ward=Ward.objects.create(name="Another ward", protocol="B"))
    ward_change = _switch_ward(ward_b, physician)
    changes = protocol_services.ward_protocol_apply_to_active(
        ward_b,
        protocol="A",
        episode_ids=[listed.pk, discharged.pk, elsewhere.pk],
        reason="Whole ward on A",
        by=physician,
    )
    assert [c.episode for c in changes] == [listed]
    change = changes[0]
    assert (change.previous, change.protocol, change.reason, change.by, change.ward_change) == (
        "B",
        "A",
        "Whole ward on A",
        physician,
        ward_change,
    )
    protocols = dict(Episode.objects.values_list("pk", "protocol"))
    assert protocols == {listed.pk: "A", other.pk: "B", discharged.pk: "B", elsewhere.pk: "B"}


def test_the_apply_step_moves_nothing_if_the_ward_changed_again_since_the_list_was_shown(
    make_episode, ward_b, physician
):
    episode = make_episode()
    _switch_ward(ward_b, physician, protocol="A")
    _switch_ward(ward_b, physician, protocol="B")  # someone else, meanwhile
    with pytest.raises(ValidationError) as refused:
        protocol_services.ward_protocol_apply_to_active(
            ward_b, protocol="A", episode_ids=[episode.pk], reason="Whole ward on A", by=physician
        )
    assert "changed to protocol B since the list was shown" in refused.value.messages[0]
    assert not EpisodeProtocolChange.objects.exists()


def test_the_apply_step_with_nothing_left_to_change_is_refused(make_episode, ward_b, physician):
    episode = make_episode()
    with pytest.raises(ValidationError) as refused:
        protocol_services.ward_protocol_apply_to_active(
            ward_b, protocol="B", episode_ids=[episode.pk], reason="Tidy up", by=physician
        )
    assert "episodes" in refused.value.message_dict


@pytest.mark.parametrize(
    "reason, message",
    [("", "Say why"), ("   ", "Say why"), ("x" * 501, "500 characters")],
)
def test_a_protocol_change_without_a_usable_reason_is_refused(
    make_episode, ward, physician, reason, message
):
    episode = make_episode()
    for change in (
        lambda: protocol_services.ward_protocol_set(
            ward, protocol="B", reason=reason, by=physician
        ),
        lambda: protocol_services.episode_protocol_set(
            episode, protocol="B", reason=reason, by=physician
        ),
    ):
        with pytest.raises(ValidationError) as refused:
            change()
        assert message in refused.value.message_dict["reason"][0]
    ward.refresh_from_db()
    episode.refresh_from_db()
    assert (ward.protocol, episode.protocol) == ("A", "A")
    assert not ProtocolChange.objects.exists() and not EpisodeProtocolChange.objects.exists()


def test_a_reason_of_500_characters_is_accepted(episode, physician):
    change = protocol_services.episode_protocol_set(
        episode, protocol="B", reason="x" * 500, by=physician
    )
    assert len(change.reason) == 500


@pytest.mark.parametrize("role", ["nurse", "pharmacist"])
def test_only_a_physician_changes_a_protocol(request, episode, ward, role):
    person = request.getfixturevalue(role)
    with pytest.raises(PermissionDenied):
        protocol_services.ward_protocol_set(ward, protocol="B", reason="Policy", by=person)
    with pytest.raises(PermissionDenied):
        protocol_services.episode_protocol_set(episode, protocol="B", reason="Policy", by=person)
    with pytest.raises(PermissionDenied):
        protocol_services.ward_protocol_apply_to_active(
            ward, protocol="B", episode_ids=[episode.pk], reason="Policy", by=person
        )


def test_a_physician_moves_one_episode_and_it_is_regraded_under_the_new_protocol(
    episode, nurse, physician, committed
):
    with committed():
        chart.vitals_record(
            episode=episode, observed_at=_ago(1), by=nurse, temperature_c=Decimal("38.6")
        )
    assert Assessment.objects.latest_first().first().protocol == "A"
    with committed():
        change = protocol_services.episode_protocol_set(
            episode, protocol="B", reason="Enrolled in the B-arm study", by=physician
        )
    assert (change.previous, change.protocol, change.ward_change) == ("A", "B", None)
    latest = Assessment.objects.latest_first().first()
    assert (latest.protocol, latest.trigger) == ("B", "protocol")
    episode.patient.ward.refresh_from_db()
    assert episode.patient.ward.protocol == "A"


def test_an_ended_episode_keeps_its_protocol(episode, physician):
    Episode.objects.filter(pk=episode.pk).update(discharged_at=timezone.now())
    with pytest.raises(ValidationError) as refused:
        protocol_services.episode_protocol_set(
            episode, protocol="B", reason="Retrospective", by=physician
        )
    assert "protocol" in refused.value.message_dict


def test_an_episode_protocol_change_is_in_the_patients_audit_trail(
    client, on_postgresql, episode, physician
):
    client.force_login(physician)
    url = reverse("episode_protocol", args=[episode.patient_id])
    client.post(url, {"protocol": "B", "reason": "Enrolled in the B-arm study"})
    trail = patient_audit(episode.patient)
    recorded = [e for e in trail if e.what == "episode protocol change"]
    assert len(recorded) == 1 and recorded[0].user == physician and recorded[0].url == url
    assert recorded[0].snapshot["reason"] == "Enrolled in the B-arm study"
    changed = [e for e in trail if e.what == "episode" and e.action == "changed"]
    assert ("protocol", "A", "B") in changed[0].changes


# The pages.


def _ward_url(ward):
    return reverse("ward_protocol", args=[ward.pk])


def test_a_ward_change_without_a_reason_is_refused_with_the_field_named(client, ward, physician):
    client.force_login(physician)
    response = client.post(_ward_url(ward), {"protocol": "B", "reason": "", "confirm": "on"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Reason: Say why the protocol changes" in page
    ward.refresh_from_db()
    assert ward.protocol == "A" and not ProtocolChange.objects.exists()


def test_a_ward_change_with_a_reason_too_long_is_refused_and_keeps_the_text(
    client, ward, physician
):
    client.force_login(physician)
    response = client.post(_ward_url(ward), {"protocol": "B", "reason": "y" * 501, "confirm": "on"})
    assert response.status_code == 200
    assert "Reason: Keep the reason to 500 characters." in response.content.decode()
    assert response.context["form"]["reason"].value() == "y" * 501
    assert not ProtocolChange.objects.exists()


def test_a_ward_change_without_the_confirmation_is_refused_and_keeps_the_reason(
    client, ward, physician
):
    client.force_login(physician)
    response = client.post(_ward_url(ward), {"protocol": "B", "reason": "Unit policy"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Confirmation: Tick to confirm the change." in page
    assert "Unit policy" in page
    ward.refresh_from_db()
    assert ward.protocol == "A"


def test_a_ward_change_to_the_same_protocol_names_the_protocol(client, ward, physician):
    client.force_login(physician)
    response = client.post(_ward_url(ward), {"protocol": "A", "reason": "x", "confirm": "on"})
    assert response.status_code == 200
    assert "Protocol: Test CAR-T ward already follows protocol A." in response.content.decode()


def test_a_nurse_cannot_change_the_wards_protocol_but_sees_the_page(client, ward, nurse):
    client.force_login(nurse)
    assert client.get(_ward_url(ward)).status_code == 200
    data = {"protocol": "B", "reason": "Policy", "confirm": "on"}
    assert client.post(_ward_url(ward), data).status_code == 403
    apply_url = reverse("ward_protocol_apply", args=[ward.pk])
    assert client.post(apply_url, data).status_code == 403
    ward.refresh_from_db()
    assert ward.protocol == "A"


def test_a_physician_changes_the_ward_then_applies_it_to_the_patients_listed(
    client, make_episode, ward, physician
):
    first = make_episode(family_name="Okafor", mrn="M0001")
    second = make_episode(family_name="Lindqvist", mrn="M0002")
    client.force_login(physician)
    response = client.post(
        _ward_url(ward), {"protocol": "B", "reason": "Unit policy", "confirm": "on"}
    )
    assert response.status_code == 302
    page = client.get(_ward_url(ward)).content.decode()
    assert "2 patients on the ward still follow another protocol" in page
    assert "OKAFOR, Test · MRN M0001" in page and "LINDQVIST, Test · MRN M0002" in page
    apply_url = reverse("ward_protocol_apply", args=[ward.pk])
    data = {"protocol": "B", "episodes": [first.pk, second.pk], "reason": "Whole ward on B"}
    unconfirmed = client.post(apply_url, data)
    assert unconfirmed.status_code == 200
    assert "Confirmation: Tick to confirm the change." in unconfirmed.content.decode()
    assert set(Episode.objects.values_list("protocol", flat=True)) == {"A"}
    board = client.get(reverse("ward_patients", args=[ward.pk])).content.decode()
    assert board.count("protocol A</strong>") == 2  # each card says it is not on the ward's B
    assert client.post(apply_url, {**data, "confirm": "on"}).status_code == 302
    board = client.get(reverse("ward_patients", args=[ward.pk])).content.decode()
    assert "protocol A</strong>" not in board and "protocol B</strong>" not in board
    assert set(Episode.objects.values_list("protocol", flat=True)) == {"B"}
    assert EpisodeProtocolChange.objects.filter(reason="Whole ward on B").count() == 2
    assert "still follow another protocol" not in client.get(_ward_url(ward)).content.decode()


def test_the_apply_step_refuses_a_patient_no_longer_listed(client, make_episode, ward, physician):
    episode = make_episode()
    _switch_ward(ward, physician, protocol="B")
    Episode.objects.filter(pk=episode.pk).update(discharged_at=timezone.now())
    client.force_login(physician)
    response = client.post(
        reverse("ward_protocol_apply", args=[ward.pk]),
        {"protocol": "B", "episodes": [episode.pk], "reason": "Whole ward on B", "confirm": "on"},
    )
    assert response.status_code == 200
    assert "Patients: The list changed since it was shown" in response.content.decode()


def test_the_patient_page_shows_the_episodes_protocol_and_when_it_differs(
    client, episode, nurse, physician
):
    client.force_login(nurse)
    page = client.get(reverse("patient_detail", args=[episode.patient_id])).content.decode()
    assert "Protocol <strong>A</strong>" in page and "differs from the ward" not in page
    url = reverse("episode_protocol", args=[episode.patient_id])
    assert client.post(url, {"protocol": "B", "reason": "Study arm"}).status_code == 403
    client.force_login(physician)
    refused = client.post(url, {"protocol": "B", "reason": ""})
    assert refused.status_code == 200
    assert "Reason: Say why the protocol changes" in refused.content.decode()
    assert client.post(url, {"protocol": "B", "reason": "Study arm"}).status_code == 302
    page = client.get(reverse("patient_detail", args=[episode.patient_id])).content.decode()
    assert "Protocol <strong>B</strong>" in page
    assert "differs from the ward's protocol (A)" in page
    history = client.get(url).content.decode()
    assert "protocol A → B by paul.physician (“Study arm”)" in history
