"""Whatever a physician or pharmacist sends to the grading forms (doses,
prompt answers, stock, protocols, the NEWS2 scale), the answer is never a server error."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from clinical.vocabulary import ROUTES
from grading import dose_services
from grading.forms import PROTOCOL_DRUGS
from grading.models import Prompt, PromptResponse
from grading.rules import PROTOCOLS
from patients import services as chart
from tests.patients.test_no_error_page import EXAMPLES, codes, typed

pytestmark = pytest.mark.django_db

HERE = ["/", "/board/", "foo", "//evil.example/", "/\\evil"]


@pytest.fixture
def grade_2(episode, nurse, committed):
    """Febrile on nasal cannula, weighed, one tocilizumab dose: prompts are open."""
    with committed():
        chart.weight_record(
            episode=episode,
            observed_at=timezone.now() - timedelta(hours=10),
            by=nurse,
            weight_kg=Decimal("80"),
        )
        chart.vitals_record(
            episode=episode,
            observed_at=timezone.now() - timedelta(minutes=5),
            by=nurse,
            temperature_c=Decimal("38.9"),
            oxygen_device="nasal_cannula",
            oxygen_flow_l_min=3,
        )
        episode.dose = dose_services.dose_record(
            episode=episode,
            drug="tocilizumab",
            dose_mg=Decimal("640"),
            observed_at=timezone.now() - timedelta(hours=1),
            by=nurse,
        )
    return episode


def _no_server_error(client, path: str, data: dict) -> None:
    response = client.post(path, data)
    assert response.status_code < 500, (response.status_code, data)


def _draw(data, fields: dict) -> dict:
    return {name: data.draw(value, label=name) for name, value in fields.items()}


def _now() -> str:
    return timezone.localtime().strftime("%Y-%m-%dT%H:%M")


@EXAMPLES
@given(data=st.data())
def test_the_dose_form_never_fails(client, physician, grade_2, data):
    client.force_login(physician)
    sent = _draw(
        data,
        {
            "drug": typed(*codes(PROTOCOL_DRUGS)),
            "dose_mg": typed("640", "10", "0.01", "99999.99"),
            "route": typed(*codes(ROUTES)),
            "observed_at": typed(_now()),
            "override_reason": typed("Discussed with the consultant"),
        },
    )
    _no_server_error(client, reverse("record_dose", args=[grade_2.patient_id]), sent)


@EXAMPLES
@given(data=st.data())
def test_answering_a_prompt_never_fails(client, physician, grade_2, data):
    client.force_login(physician)
    prompt = Prompt.objects.filter(episode=grade_2).live().first()
    sent = _draw(
        data,
        {
            "response": typed(*codes(PromptResponse.RESPONSES)),
            "reason": typed("Already given"),
            "next": typed(*HERE),
        },
    )
    _no_server_error(client, reverse("respond_to_prompt", args=[prompt.pk]), sent)


@EXAMPLES
@given(data=st.data())
def test_the_pharmacists_forms_never_fail(client, pharmacist, grade_2, data):
    client.force_login(pharmacist)
    stock = _draw(data, {"doses_on_site": typed("0", "2", "20", "21"), "next": typed(*HERE)})
    _no_server_error(client, reverse("record_stock", args=[grade_2.patient_id]), stock)
    verify = _draw(data, {"next": typed(*HERE)})
    _no_server_error(client, reverse("verify_dose", args=[grade_2.dose.pk]), verify)


@EXAMPLES
@given(data=st.data())
def test_the_protocol_forms_never_fail(client, physician, grade_2, data):
    client.force_login(physician)
    ward = grade_2.patient.ward
    protocol = typed(*sorted(PROTOCOLS))
    reason = typed("Unit policy 2026-07")
    change = _draw(data, {"protocol": protocol, "reason": reason, "confirm": typed("on")})
    _no_server_error(client, reverse("ward_protocol", args=[ward.pk]), change)
    apply = _draw(
        data,
        {
            "protocol": protocol,
            "episodes": typed(str(grade_2.pk), "0", "-1"),
            "reason": reason,
            "confirm": typed("on"),
        },
    )
    _no_server_error(client, reverse("ward_protocol_apply", args=[ward.pk]), apply)
    one = _draw(data, {"protocol": protocol, "reason": reason})
    _no_server_error(client, reverse("episode_protocol", args=[grade_2.patient_id]), one)
    scale = _draw(data, {"scale": typed("1", "2", "3", "0"), "reason": reason})
    _no_server_error(client, reverse("episode_news2_scale", args=[grade_2.patient_id]), scale)
