"""Whatever comes back in a form's hidden fields or text boxes, the answer is a
page with a message naming the field, never a server error."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from grading import dose_services
from grading.models import (
    DoseOverride,
    DoseVerification,
    Prompt,
    PromptResponse,
    TocilizumabStock,
)
from patients import services as chart
from patients.models import MedicationAdministration

pytestmark = pytest.mark.django_db

NOT_OURS = [
    "foo",  # redirect() would try it as a URL name
    "home",  # a URL name: still not a path
    "https://evil.example/",
    "//evil.example/",
    "/\\evil.example/",
    "javascript:alert(1)",
    "",
]


def _ago(minutes: float):
    return timezone.now() - timedelta(minutes=minutes)


@pytest.fixture
def grade_2(episode, nurse, committed):
    """Febrile on nasal cannula 3 L/min, weighed: tocilizumab is indicated."""
    with committed():
        chart.weight_record(episode=episode, observed_at=_ago(600), by=nurse, weight_kg=80)
        chart.vitals_record(
            episode=episode,
            observed_at=_ago(5),
            by=nurse,
            temperature_c=Decimal("38.9"),
            oxygen_device="nasal_cannula",
            oxygen_flow_l_min=3,
        )
    return episode


@pytest.fixture
def prompt(grade_2):
    return Prompt.objects.filter(episode=grade_2, code="tocilizumab_indicated").live().get()


@pytest.fixture
def dose(grade_2, nurse):
    return dose_services.dose_record(
        episode=grade_2,
        drug="tocilizumab",
        dose_mg=Decimal("640"),
        observed_at=_ago(60),
        by=nurse,
    )


def _said(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# --- next= ---------------------------------------------------------------------


@pytest.mark.parametrize("target", NOT_OURS)
def test_verifying_a_dose_with_a_foreign_next_goes_to_the_queue(client, pharmacist, dose, target):
    client.force_login(pharmacist)
    response = client.post(reverse("verify_dose", args=[dose.pk]), {"next": target})
    assert response.status_code == 302
    assert response["Location"] == reverse("pharmacy_queue")
    assert DoseVerification.objects.filter(medication=dose).count() == 1


@pytest.mark.parametrize("target", NOT_OURS)
def test_answering_a_prompt_with_a_foreign_next_goes_home(client, physician, prompt, target):
    client.force_login(physician)
    response = client.post(
        reverse("respond_to_prompt", args=[prompt.pk]), {"response": "done", "next": target}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert PromptResponse.objects.filter(prompt=prompt).count() == 1


@pytest.mark.parametrize("target", NOT_OURS)
def test_counting_stock_with_a_foreign_next_goes_to_the_queue(client, pharmacist, grade_2, target):
    client.force_login(pharmacist)
    response = client.post(
        reverse("record_stock", args=[grade_2.patient_id]), {"doses_on_site": 2, "next": target}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("pharmacy_queue")
    assert TocilizumabStock.objects.get().doses_on_site == 2


def test_a_path_of_ours_with_its_query_is_where_the_form_returns(client, pharmacist, dose):
    client.force_login(pharmacist)
    page = reverse("patient_detail", args=[dose.episode.patient_id]) + "?tab=doses"
    response = client.post(reverse("verify_dose", args=[dose.pk]), {"next": page})
    assert response["Location"] == page


# --- Prompt answers ------------------------------------------------------------


def test_not_indicated_without_a_reason_is_asked_for_the_reason(client, physician, prompt):
    client.force_login(physician)
    response = client.post(
        reverse("respond_to_prompt", args=[prompt.pk]),
        {"response": "not_indicated", "reason": "   "},
    )
    assert response.status_code == 302
    assert _said(response) == ["Reason: Say why it is not indicated."]
    assert not PromptResponse.objects.exists()


@pytest.mark.parametrize("response_code", ["", "maybe", "x" * 5000])
def test_an_answer_off_the_list_is_refused_by_name(client, physician, prompt, response_code):
    client.force_login(physician)
    response = client.post(
        reverse("respond_to_prompt", args=[prompt.pk]), {"response": response_code}
    )
    assert response.status_code == 302
    assert _said(response)[0].startswith("Response: Choose")
    assert not PromptResponse.objects.exists()


def test_a_reason_over_500_characters_is_refused_by_name(client, physician, prompt):
    client.force_login(physician)
    response = client.post(
        reverse("respond_to_prompt", args=[prompt.pk]),
        {"response": "not_indicated", "reason": "x" * 501},
    )
    assert _said(response) == ["Reason: Keep the reason to 500 characters."]
    assert not PromptResponse.objects.exists()
    client.post(
        reverse("respond_to_prompt", args=[prompt.pk]),
        {"response": "not_indicated", "reason": "x" * 500},
    )
    assert len(PromptResponse.objects.get().reason) == 500


# --- Dose override -------------------------------------------------------------


def test_an_override_reason_over_500_characters_is_refused_by_name(client, physician, dose):
    # A second dose within 8 hours is blocked; the physician may override with a reason.
    client.force_login(physician)
    data = {
        "drug": "tocilizumab",
        "dose_mg": "640",
        "route": "iv",
        "observed_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "override_reason": "y" * 20_000,
        "confirm_reason": "z" * 501,
        "idempotency_key": str(uuid.uuid4()),
    }
    response = client.post(reverse("record_dose", args=[dose.episode.patient_id]), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Keep the override reason to 500 characters." in page
    assert "Keep why it is given to 500 characters." in page
    assert MedicationAdministration.objects.count() == 1
    assert not DoseOverride.objects.exists()


# --- Query strings and headers ---------------------------------------------------


@pytest.mark.parametrize("held", ["²:abc", "1" * 5000 + ":abc", "-1:abc", ":", "x"])
def test_the_board_poll_ignores_a_card_list_it_cannot_read(client, nurse, ward, grade_2, held):
    client.force_login(nurse)
    response = client.get(
        reverse("ward_patients", args=[ward.pk]),
        {"have": held, "version": "stale"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200


@pytest.mark.parametrize("current", ["http://[not-a-host", "%ZZ", "javascript:alert(1)"])
def test_an_htmx_request_signed_out_goes_to_sign_in_whatever_its_current_url(client, ward, current):
    response = client.get(
        reverse("ward_patients", args=[ward.pk]),
        headers={"HX-Request": "true", "HX-Current-URL": current},
    )
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith(reverse("login"))
