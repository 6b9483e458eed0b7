"""The audit trail: every clinical write, with its author and request, automatically."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from grading.audit import patient_audit
from patients import services as chart
from patients.models import VitalsSet

from ..patients import entries

pytestmark = pytest.mark.django_db


@pytest.fixture
def audited(on_postgresql, episode):
    return episode


def _entries_for(episode, what):
    return [e for e in patient_audit(episode.patient) if e.what == what]


def test_a_charted_vitals_set_is_recorded_with_its_author_and_page(client, audited, nurse):
    client.force_login(nurse)
    url = reverse("vitals_entry", args=[audited.patient_id])
    client.post(url, entries.vitals(audited, temperature="38.4"))
    created = _entries_for(audited, "vitals set")
    assert len(created) == 1
    assert (created[0].action, created[0].user, created[0].url) == ("created", nurse, url)
    assert float(created[0].snapshot["temperature_c"]) == 38.4


def test_entered_in_error_shows_before_and_after_and_who(client, audited, nurse):
    vitals = chart.vitals_record(
        episode=audited,
        observed_at=timezone.now() - timedelta(minutes=5),
        by=nurse,
        temperature_c=Decimal("39.9"),
    )
    client.force_login(nurse)
    client.post(
        reverse("entered_in_error", args=[audited.patient_id, "vitals", vitals.pk]),
        {"reason": "Wrong patient", "detail": ""},
    )
    assert VitalsSet.objects.get().is_entered_in_error
    changed = [e for e in _entries_for(audited, "vitals set") if e.action == "changed"]
    assert len(changed) == 1 and changed[0].user == nurse
    fields = {field: (before, after) for field, before, after in changed[0].changes}
    assert fields["entered_in_error_by"] == (None, nurse.username)
    assert fields["entered_in_error_reason"][0] == ""


def test_a_dose_override_is_in_the_trail_with_the_clinician(client, audited, nurse, physician):
    chart.weight_record(
        episode=audited, observed_at=timezone.now() - timedelta(hours=3), by=nurse, weight_kg=80
    )
    client.force_login(physician)
    for _ in range(2):  # the second is 0 h after the first: min_interval, overridden
        client.post(
            reverse("record_dose", args=[audited.patient_id]),
            {
                "drug": "tocilizumab",
                "dose_mg": "640",
                "route": "iv",
                "observed_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
                "override_reason": "ICU consultant: deteriorating",
                "idempotency_key": str(uuid.uuid4()),  # two forms, two doses
            },
        )
    override = _entries_for(audited, "dose override")
    assert len(override) == 1 and override[0].user == physician
    assert override[0].snapshot["reason"] == "ICU consultant: deteriorating"


def test_the_trail_is_for_physicians_and_pharmacists(client, audited, nurse, physician, pharmacist):
    url = reverse("patient_history", args=[audited.patient_id])
    client.force_login(nurse)
    assert client.get(url).status_code == 403
    for clinician in (physician, pharmacist):
        client.force_login(clinician)
        assert client.get(url).status_code == 200
