"""The nurse checks the monitor's values in the ordinary vitals form and charts
them, or sets them aside with a reason; the physician sees what reached no one."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from interop import hl7_inbound
from interop.models import DeviceVitalsSet, InboundMessage
from patients.models import VitalsSet
from tests.patients.entries import ward_time

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def monitor_sends(mrn: str, *, minutes_ago: float = 3, control_id: str = "M-1", hr="112") -> str:
    at = (timezone.now() - timedelta(minutes=minutes_ago)).strftime("%Y%m%d%H%M%S+0000")
    text = "\r".join(
        [
            f"MSH|^~\\&|BEDSIDE-7|ICU|CRSMONITOR|HOSP|{at}||ORU^R01|{control_id}|P|2.6",
            f"PID|1||{mrn}^^^HOSP^MR",
            f"OBR|1|||VITALS|||{at}",
            "OBX|1|NM|8310-5^Body temperature^LN||101.3|[degF]|||||F",
            f"OBX|2|NM|8867-4^Heart rate^LN||{hr}|/min|||||F",
            "OBX|3|NM|8480-6^Systolic^LN||96|mm[Hg]|||||F",
            "OBX|4|NM|8462-4^Diastolic^LN||58|mm[Hg]|||||F",
            "OBX|5|NM|9279-1^Respiratory rate^LN||22|/min|||||F",
            "OBX|6|NM|59408-5^SpO2^LN||94|%|||||F",
        ]
    )
    return hl7_inbound.receive(text.encode(), peer="10.0.0.7:4000")


@pytest.fixture
def pending(episode):
    assert "MSA|AA|" in monitor_sends(episode.patient.mrn)
    return DeviceVitalsSet.objects.get(episode=episode)


def confirm_url(vitals_set) -> str:
    return reverse("device_vitals_confirm", args=[vitals_set.episode.patient_id, vitals_set.pk])


def discard_url(vitals_set) -> str:
    return reverse("device_vitals_discard", args=[vitals_set.episode.patient_id, vitals_set.pk])


def as_checked(vitals_set, **changes) -> dict:
    """What the nurse sends back from the pre-filled form."""
    data = {
        "idempotency_key": "6f1c9a52-1111-4c4c-9c9c-0123456789ab",
        "observed_at": ward_time(vitals_set.episode, vitals_set.observed_at),
        "temperature": "38.5",
        "temperature_unit": "C",
        "heart_rate": "112",
        "systolic": "96",
        "diastolic": "58",
        "mean_arterial": "",
        "respiratory_rate": "22",
        "spo2": "94",
        "oxygen_device": "room_air",
        "oxygen_flow_l_min": "",
        "vasopressor_action": "none",
    }
    data.update(changes)
    return data


def test_the_bedside_page_loads_the_pending_monitor_values(client, nurse, pending):
    client.force_login(nurse)
    page = client.get(reverse("bedside", args=[pending.episode.patient_id])).content.decode()
    assert reverse("device_vitals", args=[pending.episode.patient_id]) in page

    part = client.get(reverse("device_vitals", args=[pending.episode.patient_id]), **HTMX)
    html = part.content.decode()
    assert "1 set waiting for a nurse" in html
    assert "38.5" in html and "sent as 101.3 °F" in html
    assert confirm_url(pending) in html and discard_url(pending) in html


def test_the_nurse_sees_the_values_in_the_vitals_form_ready_to_check(client, nurse, pending):
    client.force_login(nurse)
    html = client.get(confirm_url(pending), **HTMX).content.decode()

    assert "From the monitor" in html
    assert 'name="temperature" value="38.5"' in html
    assert 'name="heart_rate" value="112"' in html
    assert 'name="spo2" value="94"' in html
    # She still answers the questions the monitor cannot.
    assert 'name="oxygen_device"' in html and 'name="vasopressor_action"' in html
    assert f'hx-post="{confirm_url(pending)}"' in html
    assert "Chart these vitals" in html


def test_the_nurse_corrects_a_value_and_charts_it(client, nurse, pending):
    client.force_login(nurse)
    response = client.post(confirm_url(pending), as_checked(pending, heart_rate="104"), **HTMX)

    assert response.status_code == 200
    assert "chartChanged" in response["HX-Trigger"]
    vitals = VitalsSet.objects.get()
    assert (vitals.heart_rate, vitals.temperature_c, vitals.spo2) == (104, Decimal("38.5"), 94)
    assert vitals.recorded_by == nurse
    assert vitals.observed_at == pending.observed_at.replace(second=0, microsecond=0)
    pending.refresh_from_db()
    assert (pending.status, pending.vitals, pending.resolved_by) == ("confirmed", vitals, nurse)


def test_the_same_form_sent_twice_charts_once(client, nurse, pending):
    client.force_login(nurse)
    client.post(confirm_url(pending), as_checked(pending), **HTMX)
    again = client.post(confirm_url(pending), as_checked(pending), **HTMX)

    assert again.status_code == 200
    assert VitalsSet.objects.count() == 1


def test_a_second_nurse_is_told_the_values_were_already_charted(client, nurse, physician, pending):
    client.force_login(nurse)
    client.post(confirm_url(pending), as_checked(pending), **HTMX)
    client.force_login(physician)
    other_key = "0a1b2c3d-2222-4c4c-9c9c-0123456789ab"
    html = client.post(
        confirm_url(pending), as_checked(pending, idempotency_key=other_key), **HTMX
    ).content.decode()

    assert "Charted" in html and "nina.nurse" in html
    assert VitalsSet.objects.count() == 1


def test_an_implausible_monitor_value_must_be_corrected_before_it_charts(client, nurse, episode):
    monitor_sends(episode.patient.mrn, hr="350")
    vitals_set = DeviceVitalsSet.objects.get()
    client.force_login(nurse)

    shown = client.get(reverse("device_vitals", args=[episode.patient_id]), **HTMX)
    assert "Outside 20-300 /min: check" in shown.content.decode()
    refused = client.post(confirm_url(vitals_set), as_checked(vitals_set, heart_rate="350"), **HTMX)
    assert "Heart rate must be between 20 and 300" in refused.content.decode()
    assert VitalsSet.objects.count() == 0

    client.post(confirm_url(vitals_set), as_checked(vitals_set, heart_rate="135"), **HTMX)
    assert VitalsSet.objects.get().heart_rate == 135


def test_the_nurse_sets_the_values_aside_with_a_reason_and_they_are_kept(client, nurse, pending):
    client.force_login(nurse)
    refused = client.post(discard_url(pending), {"reason": "Other", "detail": ""}, **HTMX)
    assert "say why these values are not charted" in refused.content.decode()

    response = client.post(
        discard_url(pending),
        {"reason": "Artefact: patient moving or probe off", "detail": "probe on the sheet"},
        **HTMX,
    )

    assert "deviceVitalsChanged" in response["HX-Trigger"]
    pending.refresh_from_db()
    assert pending.status == "discarded"
    assert pending.discard_reason == "Artefact: patient moving or probe off: probe on the sheet"
    assert pending.resolved_by == nurse
    assert VitalsSet.objects.count() == 0
    listed = client.get(reverse("device_vitals", args=[pending.episode.patient_id]), **HTMX)
    assert "set waiting" not in listed.content.decode()


def test_values_older_than_four_hours_read_as_stale(client, nurse, pending):
    client.force_login(nurse)
    url = reverse("device_vitals", args=[pending.episode.patient_id])
    assert "Stale" not in client.get(url, **HTMX).content.decode()
    with time_machine.travel(pending.observed_at + timedelta(hours=4, minutes=1)):
        client.logout()  # a new shift: signed out when idle
        client.force_login(nurse)
        html = client.get(url, **HTMX).content.decode()
        assert "Stale: over 4 h old" in html
        form = client.get(confirm_url(pending), **HTMX).content.decode()
        assert "over 4 hours old" in form


def test_a_pharmacist_reads_the_pending_values_but_cannot_chart_them(client, pharmacist, pending):
    client.force_login(pharmacist)
    html = client.get(
        reverse("device_vitals", args=[pending.episode.patient_id]), **HTMX
    ).content.decode()
    assert "1 set waiting" in html and confirm_url(pending) not in html
    assert client.post(confirm_url(pending), as_checked(pending)).status_code == 403
    assert client.post(discard_url(pending), {"reason": "Other", "detail": "x"}).status_code == 403


def test_the_physician_sees_the_messages_that_reached_no_nurse(client, physician, nurse, pending):
    monitor_sends("NO-SUCH-MRN", control_id="M-2")
    hl7_inbound.receive(b"\x00garbage", peer="10.0.0.9:1")
    client.force_login(physician)

    html = client.get(reverse("device_messages")).content.decode()
    assert "NO-SUCH-MRN" in html and "Unknown patient" in html
    assert "Not readable as HL7 v2" in html
    assert "M-1" not in html  # accepted: it reached the nurse
    assert "M-1" in client.get(reverse("device_messages") + "?all=1").content.decode()

    client.force_login(nurse)
    assert client.get(reverse("device_messages")).status_code == 403


def test_an_administrator_sees_the_messages_too(client, django_user_model):
    admin = django_user_model.objects.create_superuser("ada.admin", password="x-long-password")
    client.force_login(admin)
    assert client.get(reverse("device_messages")).status_code == 200


def test_the_inbound_message_is_never_changed_by_the_nurse(client, nurse, pending):
    before = InboundMessage.objects.values().get()
    client.force_login(nurse)
    client.post(confirm_url(pending), as_checked(pending), **HTMX)
    assert InboundMessage.objects.values().get() == before
