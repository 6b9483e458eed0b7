"""Junk is refused with the field named: free text bounded to 500 characters,
oxygen flow as clinical-rules section 1 (r2) and 13.7 say, long usernames."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from patients import services
from patients.models import (
    FLOW_ABOVE_ZERO,
    NASAL_CANNULA_NEEDS_FLOW,
    ROOM_AIR_HAS_NO_FLOW,
    MedicationAdministration,
    NeuroAssessment,
    VitalsSet,
)

from . import entries
from .entries import htmx, url

pytestmark = pytest.mark.django_db


def _now():
    return timezone.now() - timedelta(minutes=1)


@pytest.fixture
def signed_in(client, nurse):
    client.force_login(nurse)
    return client


# --- Oxygen flow (section 1 r2, 13.7) ------------------------------------------


@pytest.mark.parametrize(
    "device, flow, message",
    [
        ("room_air", Decimal("37"), ROOM_AIR_HAS_NO_FLOW),
        ("room_air", Decimal("0.5"), ROOM_AIR_HAS_NO_FLOW),
        ("nasal_cannula", None, NASAL_CANNULA_NEEDS_FLOW),
        ("nasal_cannula", Decimal("0"), NASAL_CANNULA_NEEDS_FLOW),
        ("simple_face_mask", Decimal("0"), FLOW_ABOVE_ZERO),
    ],
)
def test_the_chart_refuses_a_flow_that_does_not_fit_the_device(
    episode, nurse, device, flow, message
):
    with pytest.raises(ValidationError) as refused:
        services.vitals_record(
            episode=episode,
            observed_at=_now(),
            by=nurse,
            oxygen_device=device,
            oxygen_flow_l_min=flow,
        )
    assert refused.value.message_dict == {"oxygen_flow_l_min": [message]}
    assert not VitalsSet.objects.exists()


@pytest.mark.parametrize(
    "device, flow",
    [
        ("room_air", None),
        ("room_air", Decimal("0")),
        ("nasal_cannula", Decimal("2")),
        ("simple_face_mask", None),
        ("non_rebreather_mask", None),
        ("high_flow_nasal_cannula", Decimal("40")),
    ],
)
def test_the_chart_accepts_a_flow_that_fits_the_device(episode, nurse, device, flow):
    vitals = services.vitals_record(
        episode=episode, observed_at=_now(), by=nurse, oxygen_device=device, oxygen_flow_l_min=flow
    )
    vitals.refresh_from_db()
    assert (vitals.oxygen_device, vitals.oxygen_flow_l_min) == (device, flow)


@pytest.mark.parametrize(
    "device, flow",
    [("room_air", Decimal("37")), ("nasal_cannula", None), ("bipap", Decimal("0"))],
)
def test_the_database_itself_refuses_a_flow_that_does_not_fit(episode, nurse, device, flow):
    # Bypasses the service: the constraints are the last guard.
    with pytest.raises(IntegrityError), transaction.atomic():
        VitalsSet.objects.create(
            episode=episode,
            observed_at=_now(),
            recorded_by=nurse,
            oxygen_device=device,
            oxygen_flow_l_min=flow,
        )


def test_the_vitals_form_names_the_flow_on_room_air(signed_in, episode):
    data = entries.vitals(episode, oxygen_device="room_air", oxygen_flow_l_min="37")
    response = htmx(signed_in, url("vitals_entry", episode), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Room air has no oxygen flow" in page
    assert 'value="37"' in page  # what was typed is kept
    assert not VitalsSet.objects.exists()


# --- Free text -----------------------------------------------------------------


def test_a_neuro_note_over_500_characters_is_refused_by_name(signed_in, episode):
    data = entries.ice(episode, consciousness="awakens_to_voice", excluded_domains="consciousness")
    data["other_cause_note"] = "n" * 20_000
    response = htmx(signed_in, url("neuro_entry", episode), data)
    assert response.status_code == 200
    assert "Attributed to takes at most 500 characters (it has 20000)." in response.content.decode()
    assert not NeuroAssessment.objects.exists()

    data["other_cause_note"] = "n" * 500
    htmx(signed_in, url("neuro_entry", episode), data)
    assert len(NeuroAssessment.objects.get().other_cause_note) == 500


def test_the_modification_note_is_bounded_too(episode, nurse):
    with pytest.raises(ValidationError) as refused:
        services.neuro_record(
            episode=episode,
            observed_at=_now(),
            by=nurse,
            tool="CAPD",
            capd_score=3,
            modified_for="language",
            modified_note="m" * 501,
        )
    assert list(refused.value.message_dict) == ["modified_note"]


def test_an_other_drug_name_is_bounded_and_named(signed_in, episode):
    data = entries.drug(episode, drug="other", drug_other="d" * 5000)
    response = htmx(signed_in, url("drug_entry", episode), data)
    assert response.status_code == 200
    assert "Name of the other drug takes at most" in response.content.decode()
    assert not MedicationAdministration.objects.exists()


def test_the_entered_in_error_details_are_bounded_with_the_reason_in_front(
    signed_in, episode, nurse
):
    vitals = services.vitals_record(episode=episode, observed_at=_now(), by=nurse)
    strike = url("entered_in_error", episode, "vitals", vitals.pk)

    refused = htmx(signed_in, strike, {"reason": "Other", "detail": "w" * 501})
    assert "Keep the details to 500 characters." in refused.content.decode()
    # "Wrong value typed: " goes in front of the details, within the same 500.
    refused = htmx(signed_in, strike, {"reason": "Wrong value typed", "detail": "w" * 490})
    assert "Keep the details to 481 characters." in refused.content.decode()
    vitals.refresh_from_db()
    assert not vitals.is_entered_in_error

    htmx(signed_in, strike, {"reason": "Wrong value typed", "detail": "w" * 481})
    vitals.refresh_from_db()
    assert len(vitals.entered_in_error_reason) == 500


def test_the_service_refuses_an_entered_in_error_reason_over_500(episode, nurse):
    vitals = services.vitals_record(episode=episode, observed_at=_now(), by=nurse)
    with pytest.raises(ValidationError) as refused:
        services.enter_in_error(vitals, by=nurse, reason="r" * 501)
    assert list(refused.value.message_dict) == ["entered_in_error_reason"]


# --- Sign-in -------------------------------------------------------------------


@pytest.mark.parametrize("length", [151, 256, 5000])
def test_a_username_too_long_for_any_account_gets_the_ordinary_answer(client, nurse, length):
    response = client.post(reverse("login"), {"username": "u" * length, "password": "guess"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    "username, password, message",
    [
        ("nu\x00rse", "guess", "Username: Null characters are not allowed."),
        ("", "guess", "Username: This field is required."),
        ("nurse", "", "Password: This field is required."),
    ],
)
def test_a_sign_in_the_form_refuses_says_which_field(client, username, password, message):
    response = client.post(reverse("login"), {"username": username, "password": password})
    assert response.status_code == 200
    assert message in response.content.decode()
