"""Who may do what, enforced by the server: every URL, every role, GET and POST.

"see" means the page answers (not 302 to sign in, 403 or 404); "deny" means
403 for someone who may see the patient but not do this, and "hide" means 404
for someone who may not see the patient at all. A POST that is allowed may
still be refused for its content (an empty form): that is not a permission.
"""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.template import RequestContext, Template
from django.urls import URLResolver, get_resolver, path, reverse
from django.utils import timezone

from crsmonitor.policy import POLICY, who_may
from crsmonitor.roles import NURSE, PHARMACIST, PHYSICIAN
from grading import dose_services
from grading.models import BlockedDose, Prompt
from interop import hl7_inbound
from interop.models import DeviceVitalsSet
from notifications.models import Alert, OnCallShift
from patients import services as chart
from patients.models import Ward

from .conftest import _person

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "stranger", "other_ward_nurse", "nurse", "physician", "pharmacist"]
# The clinical role each test user holds (the stranger holds none).
ROLE_OF = {"stranger": None, "other_ward_nurse": NURSE, "nurse": NURSE}
ROLE_OF |= {"physician": PHYSICIAN, "pharmacist": PHARMACIST}
SEE, DENY, HIDE, LOGIN, NOT_ALLOWED = "see", "deny", "hide", "login", "405"


def on_patient(action: str) -> list[str]:
    """A patient's page: hidden from those off the ward, then as the policy says."""
    return [LOGIN, HIDE, HIDE, *(_allowed(ROLE_OF[role], action) for role in ROLES[3:])]


def anywhere(action: str) -> list[str]:
    """A page of no one patient: the policy alone decides, for every user."""
    return [LOGIN, *(_allowed(ROLE_OF[role], action) for role in ROLES[1:])]


def _allowed(role: str | None, action: str) -> str:
    return SEE if role in who_may(action) else DENY


# Expected answer per role, in the order of ROLES (anonymous always signs in).
READ_PATIENT = [LOGIN, HIDE, HIDE, SEE, SEE, SEE]
EVERYONE = [LOGIN, SEE, SEE, SEE, SEE, SEE]
GET_ONLY = [LOGIN, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED]
POST_ONLY = GET_ONLY

# (url name, kwargs key, GET expectations, POST expectations)
MATRIX = [
    ("home", None, EVERYONE, GET_ONLY),
    ("board", None, EVERYONE, GET_ONLY),
    ("ward_patients", "ward", READ_PATIENT, GET_ONLY),
    ("ward_downtime", "ward", READ_PATIENT, GET_ONLY),
    ("ward_protocol", "ward", READ_PATIENT, on_patient("change_protocol")),
    ("ward_protocol_apply", "ward", POST_ONLY, on_patient("change_protocol")),
    ("pharmacy_queue", None, anywhere("see_dose_checks"), GET_ONLY),
    ("patient_detail", "patient", READ_PATIENT, GET_ONLY),
    ("patient_history", "patient", on_patient("see_dose_checks"), GET_ONLY),
    ("episode_protocol", "patient", READ_PATIENT, on_patient("change_protocol")),
    ("episode_news2_scale", "patient", READ_PATIENT, on_patient("change_news2_scale")),
    ("trajectory", "patient", READ_PATIENT, GET_ONLY),
    ("patient_downtime", "patient", READ_PATIENT, GET_ONLY),
    ("grade_panel", "patient", READ_PATIENT, GET_ONLY),
    ("bedside_prompts", "patient", READ_PATIENT, GET_ONLY),
    ("record_dose", "patient", on_patient("record_dose"), on_patient("record_dose")),
    ("record_stock", "patient", POST_ONLY, on_patient("record_stock")),
    ("verify_dose", "medication", POST_ONLY, on_patient("verify_dose")),
    ("review_blocked_dose", "blocked", POST_ONLY, on_patient("review_blocked_dose")),
    ("respond_to_prompt", "prompt", POST_ONLY, on_patient("answer_prompts")),
    ("bedside", "patient", READ_PATIENT, GET_ONLY),
    ("vitals_entry", "patient", on_patient("chart"), on_patient("chart")),
    ("neuro_entry", "patient", on_patient("chart"), on_patient("chart")),
    ("lab_entry", "patient", on_patient("chart"), on_patient("chart")),
    ("drug_entry", "patient", on_patient("chart"), on_patient("chart")),
    ("weight_entry", "patient", on_patient("chart"), on_patient("chart")),
    ("workup_entry", "patient", on_patient("chart"), on_patient("chart")),
    ("entered_in_error", "entry", on_patient("chart"), on_patient("chart")),
    ("device_vitals", "patient", READ_PATIENT, GET_ONLY),
    ("device_vitals_confirm", "device_set", on_patient("chart"), on_patient("chart")),
    ("device_vitals_discard", "device_set", on_patient("chart"), on_patient("chart")),
    ("device_messages", None, anywhere("review_device_messages"), GET_ONLY),
    ("registry_export", None, anywhere("export_registry"), GET_ONLY),
    ("registry_episode_fhir", "episode", on_patient("export_registry"), GET_ONLY),
    # Issue 13: everyone's own inbox; an alert is its patient's; the rota its ward's.
    ("inbox", None, EVERYONE, GET_ONLY),
    ("alert_detail", "alert", READ_PATIENT, GET_ONLY),
    ("alert_acknowledge", "alert", POST_ONLY, on_patient("acknowledge_alert")),
    ("ward_rota", "ward", READ_PATIENT, on_patient("keep_rota")),
    ("rota_shift_remove", "shift", POST_ONLY, on_patient("keep_rota")),
    ("notification_noise", None, anywhere("see_notification_noise"), GET_ONLY),
]

# Expectations written before the policy table, kept as a check that the
# table still says what the wards were promised.
CHART_WRITE = [LOGIN, HIDE, HIDE, SEE, SEE, DENY]
DOSE_WRITE = [LOGIN, HIDE, HIDE, SEE, SEE, SEE]
PHARMACY_WRITE = [LOGIN, HIDE, HIDE, DENY, DENY, SEE]
PHYSICIAN_WRITE = [LOGIN, HIDE, HIDE, DENY, SEE, DENY]
CLINICIAN_READ = [LOGIN, HIDE, HIDE, DENY, SEE, SEE]
PROMISED = {
    "chart": CHART_WRITE,
    "record_dose": DOSE_WRITE,
    "record_stock": PHARMACY_WRITE,
    "verify_dose": PHARMACY_WRITE,
    "review_blocked_dose": PHARMACY_WRITE,
    "answer_prompts": PHYSICIAN_WRITE,
    "change_protocol": PHYSICIAN_WRITE,
    "change_news2_scale": PHYSICIAN_WRITE,
    "see_dose_checks": CLINICIAN_READ,
    "review_device_messages": PHYSICIAN_WRITE,
    "export_registry": PHYSICIAN_WRITE,
    "acknowledge_alert": PHYSICIAN_WRITE,
    "keep_rota": PHYSICIAN_WRITE,
}
# Not the chart's pages: Django's admin and sign-in, and the browser's icon.
NOT_IN_MATRIX = {"login", "logout", "favicon.ico"}
# The FHIR API (interop/fhir) is for systems, not people: a bearer token per
# client decides, scoped to wards, never a session or a role. Here: every
# role without a token is refused (401, not the sign-in page). The tokens'
# scopes are tested in tests/interop/test_fhir_read.py and test_fhir_import.py.
TOKEN_AUTHENTICATED = {
    "fhir_transaction": {},
    "fhir_search": {"resource_type": "Observation"},
    "fhir_read": {"resource_type": "Patient", "resource_id": "1"},
}
# The CapabilityStatement is public, as FHIR expects.
PUBLIC = {"fhir_metadata"}


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
    # A bedside monitor's values, waiting for a nurse (interop).
    hl7_inbound.receive(
        (
            "MSH|^~\\&|MON|ICU|CRS|HOSP|20260101000000||ORU^R01|PERM-1|P|2.6\r"
            f"PID|1||{episode.patient.mrn}\rOBX|1|NM|8867-4^HR^LN||88|/min|||||F"
        ).encode()
    )
    device_set = DeviceVitalsSet.objects.get(episode=episode)
    blocked = BlockedDose.objects.create(
        episode=episode,
        drug="dexamethasone",
        dose_mg=Decimal("100"),
        given_at=timezone.now() - timedelta(hours=1),
        blocked_because=["over_max_dose"],
        by=nurse,
    )
    # The charted fever has raised its alerts already; one of ours otherwise.
    alert = Alert.objects.filter(episode=episode).first() or Alert.objects.create(
        episode=episode,
        ward_id=episode.patient.ward_id,
        cause="acuity",
        severity="critical",
        words="Acuity rose from 0 to 4",
        opened_at=timezone.now(),
    )
    shift = OnCallShift.objects.create(
        ward_id=episode.patient.ward_id,
        level="first_call",
        person=nurse,
        starts_at=timezone.now(),
        ends_at=timezone.now() + timedelta(hours=8),
    )
    return {
        "alert": {"alert_id": alert.pk},
        "shift": {"shift_id": shift.pk},
        "ward": {"ward_id": episode.patient.ward_id},
        "patient": {"patient_id": episode.patient_id},
        "episode": {"episode_id": episode.pk},
        "medication": {"medication_id": medication.pk},
        "blocked": {"blocked_id": blocked.pk},
        "prompt": {"prompt_id": Prompt.objects.filter(episode=episode).first().pk},
        "entry": {"patient_id": episode.patient_id, "kind": "vitals", "entry_id": vitals.pk},
        "device_set": {"patient_id": episode.patient_id, "set_id": device_set.pk},
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


def _routes(patterns, prefix=""):
    """Every route of the project, named by its URL name (or its path if it has none)."""
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if route.startswith("admin/"):
                continue
            yield from _routes(pattern.url_patterns, route)
        else:
            yield pattern.name or route


def test_every_url_is_in_the_matrix():
    routes = set(_routes(get_resolver().url_patterns)) - NOT_IN_MATRIX
    routes -= set(TOKEN_AUTHENTICATED) | PUBLIC
    in_matrix = {row[0] for row in MATRIX}
    assert not routes - in_matrix, "add these views to MATRIX"
    assert not in_matrix - routes, "MATRIX names views that no longer exist"


@pytest.mark.parametrize("name", sorted(TOKEN_AUTHENTICATED))
def test_no_role_reaches_the_fhir_api_without_a_token(client, people, objects, name):
    url = reverse(name, kwargs=TOKEN_AUTHENTICATED[name])
    for role in ROLES:
        client.logout()
        if people[role]:
            client.force_login(people[role])
        for response in (client.get(url), client.post(url, {})):
            assert response.status_code == 401, f"{name} as {role}"
            assert response["Content-Type"].startswith("application/fhir+json")


def test_the_fhir_capability_statement_is_public(client):
    assert client.get(reverse("fhir_metadata")).status_code == 200
    assert client.post(reverse("fhir_metadata")).status_code == 405


def test_the_matrix_walk_finds_an_unlisted_view():
    found = set(_routes([path("ward/<int:ward_id>/new/", lambda r: None, name="new_view")]))
    assert found - {row[0] for row in MATRIX} == {"new_view"}


@pytest.mark.parametrize("action", sorted(PROMISED))
def test_the_policy_still_says_what_the_wards_were_promised(action):
    assert on_patient(action) == PROMISED[action]


def test_every_action_of_the_policy_is_asked_somewhere():
    """An action no code asks is a rule nobody enforces."""
    root = Path(__file__).resolve().parent.parent
    code = "\n".join(
        path.read_text()
        for folder in ("crsmonitor", "grading", "patients", "interop", "notifications", "templates")
        for path in (root / folder).rglob("*")
        if path.suffix in (".py", ".html") and path.name != "policy.py"
    )
    for action in POLICY:
        assert (
            f'may(by, "{action}")' in code or f'"{action}")' in code or (f"may.{action}" in code)
        ), action


def test_the_groups_that_see_every_ward_are_the_policys():
    holders = Group.objects.filter(permissions__codename="view_all_wards")
    assert set(holders.values_list("name", flat=True)) == set(who_may("see_all_wards"))


def test_templates_fail_loudly_on_an_action_nobody_wrote_down(rf, nurse):
    from crsmonitor.context_processors import UnknownAction

    request = rf.get("/")
    request.user = nurse
    with pytest.raises(UnknownAction):
        Template("{% if may.answer_prompt %}x{% endif %}").render(RequestContext(request))


def test_the_chart_services_enforce_the_policy_not_only_the_views(episode, pharmacist, stranger):
    from django.core.exceptions import PermissionDenied

    moment = timezone.now() - timedelta(minutes=5)
    for person in (pharmacist, stranger):
        with pytest.raises(PermissionDenied):
            chart.vitals_record(
                episode=episode, observed_at=moment, by=person, temperature_c=Decimal("38.5")
            )
    with pytest.raises(PermissionDenied):
        chart.medication_record(
            episode=episode, observed_at=moment, by=stranger, drug="acetaminophen", dose_mg=1000
        )
    # A pharmacist gives a drug through the dose services, which chart it.
    given = chart.medication_record(
        episode=episode, observed_at=moment, by=pharmacist, drug="acetaminophen", dose_mg=1000
    )
    assert given.recorded_by == pharmacist
