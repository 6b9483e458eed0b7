"""Who may do what, enforced by the server: every URL, every role, GET and POST.

"see" means the page answers (not 302 to sign in, 403 or 404); "deny" means
403 for someone who may see the patient but not do this, and "hide" means 404
for someone who may not see the patient at all. A POST that is allowed may
still be refused for its content (an empty form): that is not a permission.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from grading import dose_services
from grading.models import BlockedDose, Prompt
from patients import services as chart
from patients.models import Ward

from .conftest import _person

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "stranger", "other_ward_nurse", "nurse", "physician", "pharmacist"]
SEE, DENY, HIDE, LOGIN, NOT_ALLOWED = "see", "deny", "hide", "login", "405"

# Expected answer per role, in the order of ROLES (anonymous always signs in).
READ_PATIENT = [LOGIN, HIDE, HIDE, SEE, SEE, SEE]
CHART_WRITE = [LOGIN, HIDE, HIDE, SEE, SEE, DENY]
DOSE_WRITE = [LOGIN, HIDE, HIDE, SEE, SEE, SEE]
PHARMACY_WRITE = [LOGIN, HIDE, HIDE, DENY, DENY, SEE]
PHYSICIAN_WRITE = [LOGIN, HIDE, HIDE, DENY, SEE, DENY]
CLINICIAN_READ = [LOGIN, HIDE, HIDE, DENY, SEE, SEE]
EVERYONE = [LOGIN, SEE, SEE, SEE, SEE, SEE]
GET_ONLY = [LOGIN, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED]

# (url name, kwargs key, GET expectations, POST expectations)
MATRIX = [
    ("home", None, EVERYONE, GET_ONLY),
    ("board", None, EVERYONE, GET_ONLY),
    ("ward_patients", "ward", READ_PATIENT, GET_ONLY),
    ("ward_downtime", "ward", READ_PATIENT, GET_ONLY),
    ("ward_protocol", "ward", READ_PATIENT, PHYSICIAN_WRITE),
    ("ward_protocol_apply", "ward", [LOGIN, *GET_ONLY[1:]], PHYSICIAN_WRITE),
    ("pharmacy_queue", None, [LOGIN, DENY, DENY, DENY, SEE, SEE], GET_ONLY),
    ("patient_detail", "patient", READ_PATIENT, GET_ONLY),
    ("patient_history", "patient", CLINICIAN_READ, GET_ONLY),
    ("episode_protocol", "patient", READ_PATIENT, PHYSICIAN_WRITE),
    ("episode_news2_scale", "patient", READ_PATIENT, PHYSICIAN_WRITE),
    ("trajectory", "patient", READ_PATIENT, GET_ONLY),
    ("patient_downtime", "patient", READ_PATIENT, GET_ONLY),
    ("grade_panel", "patient", READ_PATIENT, GET_ONLY),
    ("bedside_prompts", "patient", READ_PATIENT, GET_ONLY),
    ("record_dose", "patient", DOSE_WRITE, DOSE_WRITE),
    ("record_stock", "patient", [LOGIN, *GET_ONLY[1:]], PHARMACY_WRITE),
    ("verify_dose", "medication", [LOGIN, *GET_ONLY[1:]], PHARMACY_WRITE),
    ("review_blocked_dose", "blocked", [LOGIN, *GET_ONLY[1:]], PHARMACY_WRITE),
    ("respond_to_prompt", "prompt", [LOGIN, *GET_ONLY[1:]], PHYSICIAN_WRITE),
    ("bedside", "patient", READ_PATIENT, GET_ONLY),
    ("vitals_entry", "patient", CHART_WRITE, CHART_WRITE),
    ("neuro_entry", "patient", CHART_WRITE, CHART_WRITE),
    ("lab_entry", "patient", CHART_WRITE, CHART_WRITE),
    ("drug_entry", "patient", CHART_WRITE, CHART_WRITE),
    ("weight_entry", "patient", CHART_WRITE, CHART_WRITE),
    ("workup_entry", "patient", CHART_WRITE, CHART_WRITE),
    ("entered_in_error", "entry", CHART_WRITE, CHART_WRITE),
]


@pytest.fixture
def people(nurse, physician, pharmacist, stranger, ward):
    elsewhere = Ward.objects.create(name="Another ward")
    return {
        "anonymous": None,
        "stranger": stranger,
        "other_ward_nurse": _person("olga.otherward", "nurse", elsewhere),
        "nurse": nurse,
        "physician": physician,
        "pharmacist": pharmacist,
    }


@pytest.fixture
def objects(episode, nurse, committed):
    """A patient on the ward with a charted fever, a dose and an open prompt."""
    with committed():
        chart.weight_record(
            episode=episode,
            observed_at=timezone.now() - timedelta(hours=3),
            by=nurse,
            weight_kg=Decimal("80"),
        )
        vitals = chart.vitals_record(
            episode=episode,
            observed_at=timezone.now() - timedelta(hours=2),
            by=nurse,
            temperature_c=Decimal("38.9"),
            oxygen_device="nasal_cannula",
            oxygen_flow_l_min=3,
        )
        medication = dose_services.dose_record(
            episode=episode,
            drug="dexamethasone",
            dose_mg=Decimal("10"),
            observed_at=timezone.now() - timedelta(hours=1),
            by=nurse,
            confirmed=["steroid_below_grade_3"],
            confirm_reason="Refractory to tocilizumab elsewhere",
        )
    blocked = BlockedDose.objects.create(
        episode=episode,
        drug="dexamethasone",
        dose_mg=Decimal("100"),
        given_at=timezone.now() - timedelta(hours=1),
        blocked_because=["over_max_dose"],
        by=nurse,
    )
    return {
        "ward": {"ward_id": episode.patient.ward_id},
        "patient": {"patient_id": episode.patient_id},
        "medication": {"medication_id": medication.pk},
        "blocked": {"blocked_id": blocked.pk},
        "prompt": {"prompt_id": Prompt.objects.filter(episode=episode).first().pk},
        "entry": {"patient_id": episode.patient_id, "kind": "vitals", "entry_id": vitals.pk},
    }


def _check(response, expected: str, label: str) -> None:
    status = response.status_code
    if expected == LOGIN:
        assert status == 302 and "/login/" in response["Location"], label
    elif expected == DENY:
        assert status == 403, f"{label}: {status}"
    elif expected == HIDE:
        assert status == 404, f"{label}: {status}"
    elif expected == NOT_ALLOWED:
        assert status == 405, f"{label}: {status}"
    else:
        assert status < 400 or status in (409, 422), f"{label}: {status}"
        if status == 302:
            assert "/login/" not in response["Location"], label


@pytest.mark.parametrize("name, key, on_get, on_post", MATRIX, ids=[row[0] for row in MATRIX])
def test_the_permission_matrix(client, people, objects, name, key, on_get, on_post):
    url = reverse(name, kwargs=objects[key] if key else None)
    for role, get_expected, post_expected in zip(ROLES, on_get, on_post, strict=True):
        client.logout()
        if people[role]:
            client.force_login(people[role])
        _check(client.get(url), get_expected, f"GET {name} as {role}")
        _check(client.post(url, {}), post_expected, f"POST {name} as {role}")


def test_every_url_is_in_the_matrix():
    from django.urls import get_resolver

    named = {
        pattern.name
        for resolver in get_resolver().url_patterns
        if hasattr(resolver, "url_patterns") and "admin" not in str(resolver.pattern)
        for pattern in resolver.url_patterns
    }
    assert named == {row[0] for row in MATRIX}
