"""Whatever a nurse types (or a tablet sends), the answer is a form, never an error page."""

import uuid
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clinical.vocabulary import (
    CEREBRAL_EDEMA,
    CONSCIOUSNESS,
    DRUGS,
    NEURO_DOMAINS,
    NEURO_MODIFICATIONS,
    OXYGEN_DEVICES,
    ROUTES,
    SEIZURE,
    VASOPRESSORS,
)
from patients import services
from patients.forms import ENTERED_IN_ERROR_REASONS
from patients.models import CAPD_FIELDS, ICE_FIELDS, LabTest

from .entries import htmx, url, ward_time

pytestmark = pytest.mark.django_db

NASTY = [
    "",
    " ",
    "-1",
    "0",
    "0.0",
    "1e309",
    "-1e309",
    "NaN",
    "inf",
    "38,5",
    "٣٨",
    "99999999999999999999999",
    "12.3456789",
    "\x00",
    "a\x00b",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "x" * 5000,
    "2026-13-45T25:61",
    "0001-01-01T00:00",
    "9999-12-31T23:59",
    "True",
    "on",
    str(uuid.uuid4()),
    "not-a-uuid",
]


def typed(*valid):
    """What might arrive in one field: a valid value, something nasty, or anything at all."""
    return st.one_of(
        st.sampled_from([*valid, *NASTY]) if valid else st.sampled_from(NASTY),
        st.text(max_size=40),
    )


def codes(vocabulary):
    return [entry[0] for entry in vocabulary]


EXAMPLES = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _answers_with_a_page(client, path, data):
    response = htmx(client, path, data)
    assert response.status_code == 200, (response.status_code, data)


@pytest.fixture
def signed_in(client, nurse):
    client.force_login(nurse)
    return client


@EXAMPLES
@given(data=st.data())
def test_the_vitals_form_never_fails(signed_in, episode, data):
    fields = {
        "idempotency_key": typed(str(uuid.uuid4())),
        "observed_at": typed(ward_time(episode)),
        "temperature": typed("37.2", "101.3", "41.5"),
        "temperature_unit": typed("C", "F"),
        "heart_rate": typed("88", "301"),
        "systolic": typed("118", "55"),
        "diastolic": typed("72", "130"),
        "mean_arterial": typed("80"),
        "respiratory_rate": typed("16"),
        "spo2": typed("97", "75"),
        "oxygen_device": typed(*codes(OXYGEN_DEVICES)),
        "oxygen_flow_l_min": typed("4", "81"),
        "vasopressors": typed(*codes(VASOPRESSORS)),
        "confirm_unusual": typed("SpO2 75 % is below 80 %"),
    }
    sent = {name: data.draw(value, label=name) for name, value in fields.items()}
    _answers_with_a_page(signed_in, url("vitals_entry", episode), sent)


@EXAMPLES
@given(data=st.data())
def test_the_neuro_form_never_fails(signed_in, episode, data):
    fields = {
        "idempotency_key": typed(str(uuid.uuid4())),
        "observed_at": typed(ward_time(episode)),
        "unable_to_perform": typed("on"),
        "consciousness": typed(*codes(CONSCIOUSNESS)),
        "seizure": typed(*codes(SEIZURE)),
        "motor_weakness": typed("on"),
        "cerebral_edema": typed(*codes(CEREBRAL_EDEMA)),
        "excluded_domains": typed(*codes(NEURO_DOMAINS)),
        "other_cause_note": typed("sedation"),
        "modified_for": typed(*codes(NEURO_MODIFICATIONS)),
        "modified_note": typed("interpreter"),
        "baseline": typed("True", "False"),
        **{name: typed("True", "False") for name in ICE_FIELDS},
    }
    sent = {name: data.draw(value, label=name) for name, value in fields.items()}
    _answers_with_a_page(signed_in, url("neuro_entry", episode), sent)


@EXAMPLES
@given(data=st.data())
def test_the_capd_form_never_fails(signed_in, make_episode, data):
    child = make_episode(born=date.today() - timedelta(days=365 * 4))
    fields = {
        "idempotency_key": typed(str(uuid.uuid4())),
        "observed_at": typed(ward_time(child)),
        "consciousness": typed(*codes(CONSCIOUSNESS)),
        "excluded_domains": typed("score"),
        **{name: typed("0", "2", "4", "5") for name in CAPD_FIELDS},
    }
    sent = {name: data.draw(value, label=name) for name, value in fields.items()}
    _answers_with_a_page(signed_in, url("neuro_entry", child), sent)


@EXAMPLES
@given(data=st.data())
def test_the_lab_form_never_fails(signed_in, episode, data):
    fields = {
        "idempotency_key": typed(str(uuid.uuid4())),
        "observed_at": typed(ward_time(episode)),
        **{f"lab_{test.code}": typed("12.5") for test in LabTest.objects.all()},
    }
    sent = {name: data.draw(value, label=name) for name, value in fields.items()}
    _answers_with_a_page(signed_in, url("lab_entry", episode), sent)


@EXAMPLES
@given(data=st.data())
def test_the_drug_and_weight_forms_never_fail(signed_in, episode, data):
    drug = {
        "idempotency_key": typed(str(uuid.uuid4())),
        "observed_at": typed(ward_time(episode)),
        "drug": typed(*codes(DRUGS)),
        "drug_other": typed("Lorazepam"),
        "dose_mg": typed("10", "0.01"),
        "route": typed(*codes(ROUTES)),
    }
    sent = {name: data.draw(value, label=name) for name, value in drug.items()}
    _answers_with_a_page(signed_in, url("drug_entry", episode), sent)
    weight = {
        "idempotency_key": typed(str(uuid.uuid4())),
        "observed_at": typed(ward_time(episode)),
        "weight_kg": typed("72.5", "0.4"),
    }
    sent = {name: data.draw(value, label=name) for name, value in weight.items()}
    _answers_with_a_page(signed_in, url("weight_entry", episode), sent)


@EXAMPLES
@given(data=st.data())
def test_marking_entered_in_error_never_fails(signed_in, episode, nurse, data):
    vitals = services.vitals_record(
        episode=episode, observed_at=episode.infusion_at, by=nurse, heart_rate=80
    )
    sent = {
        "reason": data.draw(typed(*[code for code, _ in ENTERED_IN_ERROR_REASONS])),
        "detail": data.draw(typed("typed in the wrong bed")),
    }
    _answers_with_a_page(signed_in, url("entered_in_error", episode, "vitals", vitals.pk), sent)
