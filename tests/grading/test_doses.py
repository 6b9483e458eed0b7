import threading
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from grading import dose_services
from grading.models import BlockedDose, DoseOverride, DoseVerification, TocilizumabStock
from patients import services as chart
from patients.models import MedicationAdministration

pytestmark = pytest.mark.django_db


def _ago(hours: float):
    return timezone.now() - timedelta(hours=hours)


@pytest.fixture
def weighed(episode, nurse):
    chart.weight_record(episode=episode, observed_at=_ago(30), by=nurse, weight_kg=Decimal("80"))
    return episode


def _toci(episode, by, hours_ago: float, **extra):
    return dose_services.dose_record(
        episode=episode,
        drug="tocilizumab",
        dose_mg=Decimal("640"),
        observed_at=_ago(hours_ago),
        by=by,
        **extra,
    )


def _post_dose(client, episode, **fields):
    data = {
        "drug": "tocilizumab",
        "dose_mg": "640",
        "route": "iv",
        "observed_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "idempotency_key": str(uuid.uuid4()),
        **fields,
    }
    return client.post(reverse("record_dose", args=[episode.patient_id]), data)


def test_a_nurse_records_a_dose_within_the_limits(client, nurse, weighed):
    client.force_login(nurse)
    response = _post_dose(client, weighed)
    assert response.status_code == 302
    dose = MedicationAdministration.objects.get()
    assert (dose.drug, dose.dose_mg, dose.recorded_by) == ("tocilizumab", Decimal("640"), nurse)


def test_the_form_offers_the_computed_dose(client, nurse, weighed):
    client.force_login(nurse)
    page = client.get(reverse("record_dose", args=[weighed.patient_id])).content.decode()
    assert 'value="640"' in page
    assert "640 mg (8 mg/kg, max 800)" in page


def test_a_blocked_dose_is_not_saved_and_the_form_keeps_what_was_typed(client, nurse, weighed):
    _toci(weighed, nurse, hours_ago=5)
    client.force_login(nurse)
    response = _post_dose(client, weighed, dose_mg="612.5")
    page = response.content.decode()
    assert response.status_code == 409
    assert "Not saved" in page and "Less than 8 h since the last tocilizumab dose" in page
    assert 'value="612.5"' in page
    assert MedicationAdministration.objects.count() == 1
    assert BlockedDose.objects.get().blocked_because == ["min_interval"]


def test_a_nurse_cannot_override_a_dose_block(client, nurse, weighed):
    _toci(weighed, nurse, hours_ago=5)
    client.force_login(nurse)
    response = _post_dose(client, weighed, override_reason="Consultant asked")
    assert response.status_code == 409
    assert "Only a physician or pharmacist can override" in response.content.decode()
    assert MedicationAdministration.objects.count() == 1
    with pytest.raises(PermissionDenied):
        _toci(weighed, nurse, hours_ago=0.1, override_reason="Consultant asked")


@pytest.mark.parametrize("role", ["physician", "pharmacist"])
def test_a_physician_or_pharmacist_overrides_with_a_reason(client, request, nurse, weighed, role):
    clinician = request.getfixturevalue(role)
    _toci(weighed, nurse, hours_ago=5)
    client.force_login(clinician)
    response = _post_dose(client, weighed, override_reason="Deteriorating, ICU consultant")
    assert response.status_code == 302
    override = DoseOverride.objects.get()
    assert override.blocked_because == ["min_interval"]
    assert override.by == clinician
    page = client.get(reverse("patient_detail", args=[weighed.patient_id])).content.decode()
    assert "Deteriorating, ICU consultant" in page


def test_no_weight_in_seven_days_blocks_tocilizumab(make_episode, nurse):
    episode = make_episode(infused_hours_ago=24 * 8)
    chart.weight_record(episode=episode, observed_at=_ago(24 * 7 + 1), by=nurse, weight_kg=80)
    with pytest.raises(dose_services.DoseBlocked) as blocked:
        _toci(episode, nurse, hours_ago=0.1)
    assert blocked.value.codes == ["no_weight"]


def test_a_dose_above_the_label_dose_is_blocked(weighed, nurse):
    with pytest.raises(dose_services.DoseBlocked) as blocked:
        dose_services.dose_record(
            episode=weighed,
            drug="tocilizumab",
            dose_mg=Decimal("700"),
            observed_at=_ago(0.1),
            by=nurse,
        )
    assert blocked.value.codes == ["over_max_dose"]


def test_steroids_are_recorded_without_tocilizumab_limits(weighed, nurse):
    for hours in (3, 2, 1):
        dose_services.dose_record(
            episode=weighed,
            drug="dexamethasone",
            dose_mg=Decimal("10"),
            observed_at=_ago(hours),
            by=nurse,
            confirmed=["steroid_below_grade_3"],
            confirm_reason="ICANS expected with this product (NCCN)",
        )
    assert MedicationAdministration.objects.count() == 3


def test_a_pharmacist_verifies_a_dose_and_a_nurse_cannot(client, nurse, pharmacist, weighed):
    dose = _toci(weighed, nurse, hours_ago=1)
    client.force_login(nurse)
    assert client.post(reverse("verify_dose", args=[dose.pk])).status_code == 403
    client.force_login(pharmacist)
    assert client.post(reverse("verify_dose", args=[dose.pk])).status_code == 302
    verification = DoseVerification.objects.get()
    assert (verification.medication, verification.by) == (dose, pharmacist)
    page = client.get(reverse("pharmacy_queue")).content.decode()
    assert f"✓ {pharmacist.username}" in page


def test_the_pharmacist_records_tocilizumab_on_hand(client, nurse, pharmacist, weighed):
    url = reverse("record_stock", args=[weighed.patient_id])
    client.force_login(nurse)
    assert client.post(url, {"doses_on_site": 2}).status_code == 403
    client.force_login(pharmacist)
    client.post(url, {"doses_on_site": 1})
    assert TocilizumabStock.objects.get().doses_on_site == 1
    page = client.get(reverse("patient_detail", args=[weighed.patient_id])).content.decode()
    assert "fewer than 2 doses on site" in page


def test_the_dose_queue_is_for_pharmacists_and_physicians(client, nurse, pharmacist):
    client.force_login(nurse)
    assert client.get(reverse("pharmacy_queue")).status_code == 403
    client.force_login(pharmacist)
    assert client.get(reverse("pharmacy_queue")).status_code == 200


def test_the_dose_queue_costs_the_same_queries_for_3_or_12_patients(
    client, pharmacist, nurse, make_episode
):
    from django.test.utils import CaptureQueriesContext

    client.force_login(pharmacist)

    def add_patients(n):
        for _ in range(n):
            episode = make_episode()
            chart.weight_record(episode=episode, observed_at=_ago(2), by=nurse, weight_kg=80)
            _toci(episode, nurse, hours_ago=1)
            dose_services.stock_record(episode=episode, doses_on_site=2, by=pharmacist)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("pharmacy_queue")).status_code == 200
        return len(captured)

    add_patients(3)
    few = queries()
    add_patients(9)
    assert queries() == few


def test_screens_and_the_grade_command_agree_on_the_counters(weighed, nurse, committed):
    from grading import selectors
    from grading.models import Assessment

    with committed():
        _toci(weighed, nurse, hours_ago=9)
    summary, _ = selectors.dose_summary(weighed)
    stored = Assessment.objects.latest_first().first().details["tocilizumab"]
    assert stored["doses_total"] == summary.tocilizumab.doses_total == 1
    assert stored["dose_mg"] == summary.tocilizumab.dose_mg == 640
    assert stored["may_give_now"] is summary.tocilizumab.may_give_now is True


@pytest.mark.django_db(transaction=True)
def test_two_people_charting_at_once_cannot_pass_the_episode_maximum(
    on_postgresql, make_episode, nurse, pharmacist, ward
):
    ward.protocol = "B"  # at most 2 tocilizumab doses in the episode
    ward.save()
    episode = make_episode(ward=ward)
    chart.weight_record(episode=episode, observed_at=_ago(30), by=nurse, weight_kg=80)
    _toci(episode, nurse, hours_ago=20)
    barrier = threading.Barrier(2)
    saved, blocked, errors = [], [], []

    def record(person):
        try:
            barrier.wait()
            saved.append(_toci(episode, person, hours_ago=0.1))
        except dose_services.DoseBlocked as block:
            blocked.append(block.codes)
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=record, args=(p,)) for p in (nurse, pharmacist)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    assert len(saved) == len(blocked) == 1
    assert "max_total" in blocked[0]
    assert MedicationAdministration.objects.filter(drug="tocilizumab").count() == 2


@pytest.mark.django_db(transaction=True)
def test_one_dose_form_sent_twice_at_once_saves_one_dose(on_postgresql, make_episode, nurse):
    episode = make_episode()
    chart.weight_record(episode=episode, observed_at=_ago(30), by=nurse, weight_kg=80)
    key = uuid.uuid4()
    barrier = threading.Barrier(2)
    saved, errors = [], []

    def send():
        try:
            barrier.wait()
            saved.append(_toci(episode, nurse, hours_ago=0.1, idempotency_key=key).pk)
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors  # the twin is neither blocked by its own dose nor refused
    assert len(saved) == 2 and saved[0] == saved[1]
    assert MedicationAdministration.objects.filter(drug="tocilizumab").count() == 1
    assert not BlockedDose.objects.exists()
