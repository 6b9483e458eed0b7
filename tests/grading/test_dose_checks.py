"""One dose check for the dose page and the bedside "drug given" form
(clinical-rules sections 5 and 11), as nurses, physicians and pharmacists
meet it."""

import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from grading import dose_services
from grading.models import (
    BlockedDose,
    DoseConfirmation,
    DoseOverride,
    DoseVerification,
    TocilizumabStock,
)
from patients import services as chart
from patients.models import MedicationAdministration
from tests.patients.entries import htmx
from tests.patients.entries import url as entry_url

pytestmark = pytest.mark.django_db


def _ago(hours: float):
    return timezone.now() - timedelta(hours=hours)


def _ward_time(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def weighed(episode, nurse):
    chart.weight_record(episode=episode, observed_at=_ago(30), by=nurse, weight_kg=Decimal("80"))
    return episode


def _dose_page(client, episode, **fields):
    data = {
        "drug": "tocilizumab",
        "dose_mg": "640",
        "route": "iv",
        "observed_at": _ward_time(timezone.now()),
        "idempotency_key": str(uuid.uuid4()),
        **fields,
    }
    return client.post(reverse("record_dose", args=[episode.patient_id]), data)


def _bedside_drug(client, episode, **fields):
    data = {
        "drug": "dexamethasone",
        "dose_mg": "10",
        "route": "iv",
        "observed_at": _ward_time(timezone.now()),
        "idempotency_key": str(uuid.uuid4()),
        **fields,
    }
    return htmx(client, entry_url("drug_entry", episode), data)


def _grade_3(episode, nurse):
    chart.vitals_record(
        episode=episode,
        observed_at=_ago(0.5),
        by=nurse,
        temperature_c=Decimal("39.2"),
        systolic=84,
        diastolic=48,
        vasopressors=["norepinephrine"],
    )


# --- Steroid ceilings, on both forms ---------------------------------------------


def test_a_blocked_steroid_keeps_the_typed_form_on_the_dose_page(client, nurse, weighed):
    _grade_3(weighed, nurse)
    client.force_login(nurse)
    typed = {"drug": "dexamethasone", "dose_mg": "100", "route": "oral"}
    given = _ward_time(_ago(0.1))
    response = _dose_page(client, weighed, **typed, observed_at=given)
    page = response.content.decode()
    assert response.status_code == 409
    assert "Not saved: this dose breaks a limit" in page
    assert "Above 20 mg, the largest single adult dose of dexamethasone" in page
    assert 'value="100"' in page
    assert '<option value="dexamethasone" selected>' in page
    assert '<option value="oral" selected>' in page
    assert not MedicationAdministration.objects.exists()
    assert BlockedDose.objects.get().blocked_because == ["over_max_dose"]
    _dose_page(client, weighed, **typed, observed_at=given)
    assert BlockedDose.objects.count() == 1  # the same attempt again: one block to review


def test_a_nurse_cannot_chart_dexamethasone_100_mg_at_the_bedside(client, nurse, weighed):
    _grade_3(weighed, nurse)
    client.force_login(nurse)
    response = _bedside_drug(client, weighed, dose_mg="100", override_reason="Consultant said")
    page = response.content.decode()
    assert response.status_code == 200  # the form comes back into the page
    assert "Above 20 mg" in page and "Only a physician or pharmacist can override" in page
    assert 'value="100"' in page
    assert not MedicationAdministration.objects.exists()


def test_a_physician_overrides_a_steroid_ceiling_at_the_bedside(client, physician, weighed):
    _grade_3(weighed, physician)
    client.force_login(physician)
    _bedside_drug(client, weighed, dose_mg="40", override_reason="Neurology: status epilepticus")
    override = DoseOverride.objects.get()
    assert (override.blocked_because, override.by, override.late_entry) == (
        ["over_max_dose"],
        physician,
        False,
    )


def test_a_steroid_at_its_ceiling_is_charted(client, nurse, weighed):
    _grade_3(weighed, nurse)
    client.force_login(nurse)
    assert _dose_page(client, weighed, drug="dexamethasone", dose_mg="20").status_code == 302
    assert MedicationAdministration.objects.get().dose_mg == Decimal("20")


# --- Confirmations ------------------------------------------------------------------


def test_a_child_steroid_waits_for_the_confirmation_and_keeps_it(client, nurse, make_episode):
    child = make_episode(born=date.today() - timedelta(days=365 * 9))
    _grade_3(child, nurse)
    client.force_login(nurse)
    page = _dose_page(client, child, drug="methylprednisolone", dose_mg="30").content.decode()
    assert "no paediatric rule: pharmacist to verify" in page
    assert "500 mg" not in page and "1000 mg" not in page  # no adult steroid dose for a child
    assert not MedicationAdministration.objects.exists()
    response = _dose_page(
        client, child, drug="methylprednisolone", dose_mg="30", confirmed="child_steroid"
    )
    assert response.status_code == 302
    kept = DoseConfirmation.objects.get()
    assert kept.confirmed == ["child_steroid"] and kept.by == nurse
    assert "pharmacist to verify" in kept.words[0]


def test_a_steroid_below_grade_3_needs_a_reason(client, nurse, weighed):
    client.force_login(nurse)
    ticked = _bedside_drug(client, weighed, confirmed="steroid_below_grade_3").content.decode()
    assert "Say why the steroid is given." in ticked
    assert not MedicationAdministration.objects.exists()
    _bedside_drug(
        client, weighed, confirmed="steroid_below_grade_3", confirm_reason="Axi-cel, NCCN early"
    )
    assert DoseConfirmation.objects.get().reason == "Axi-cel, NCCN early"


def test_gm_csf_is_warned_before_it_is_saved(client, nurse, weighed):
    client.force_login(nurse)
    form = htmx(client, entry_url("drug_entry", weighed)).content.decode()
    assert 'data-show-for-drug="sargramostim" hidden' in form
    page = _bedside_drug(client, weighed, drug="sargramostim", dose_mg="250").content.decode()
    assert "do not use GM-CSF with CAR-T cells" in page
    assert not MedicationAdministration.objects.exists()
    _bedside_drug(
        client, weighed, drug="sargramostim", dose_mg="250", confirmed="gm_csf_contraindicated"
    )
    assert MedicationAdministration.objects.get().drug == "sargramostim"


# --- The dose form -------------------------------------------------------------------


def test_a_computed_tocilizumab_dose_is_not_saved_as_another_drug(client, nurse, weighed):
    _grade_3(weighed, nurse)
    client.force_login(nurse)
    page = client.get(reverse("record_dose", args=[weighed.patient_id])).content.decode()
    assert 'name="computed_for" value="tocilizumab"' in page
    response = _dose_page(
        client, weighed, drug="dexamethasone", dose_mg="640", computed_for="tocilizumab"
    )
    assert "640 mg is the dose computed for tocilizumab, not dexamethasone" in (
        response.content.decode()
    )
    assert not MedicationAdministration.objects.exists()


def test_the_dose_page_shows_each_drugs_dose_for_that_drug_only(client, nurse, weighed):
    _grade_3(weighed, nurse)
    client.force_login(nurse)
    page = client.get(reverse("record_dose", args=[weighed.patient_id])).content.decode()
    assert 'data-show-for-drug="tocilizumab">' in page
    assert 'data-show-for-drug="dexamethasone" hidden>' in page
    assert "dexamethasone 10 mg IV every 6 h" in page


def test_a_resent_dose_form_saves_once(client, nurse, weighed):
    client.force_login(nurse)
    key = str(uuid.uuid4())
    first = _dose_page(client, weighed, idempotency_key=key)
    again = _dose_page(client, weighed, idempotency_key=key)
    assert first.status_code == again.status_code == 302
    assert MedicationAdministration.objects.count() == 1
    assert not BlockedDose.objects.exists()  # the twin is not "less than 8 h" after itself


@pytest.mark.parametrize("named", ["Actemra", "RoActemra 400 mg", "tocilizumab-aazg", "Tyenne"])
def test_other_with_a_tocilizumab_name_is_refused(client, nurse, weighed, named):
    client.force_login(nurse)
    page = _bedside_drug(
        client, weighed, drug="other", drug_other=named, dose_mg="400"
    ).content.decode()
    assert "choose Tocilizumab from the list" in page
    assert not MedicationAdministration.objects.exists()
    with pytest.raises(Exception, match="choose Tocilizumab from the list"):
        chart.medication_record(
            episode=weighed,
            observed_at=_ago(1),
            by=nurse,
            drug="other",
            drug_other=named,
            dose_mg=400,
        )


def test_other_with_another_listed_drug_names_that_drug(client, nurse, weighed):
    client.force_login(nurse)
    page = _bedside_drug(
        client, weighed, drug="other", drug_other="Paracetamol", dose_mg="1000"
    ).content.decode()
    assert "choose Acetaminophen from the list" in page
    _bedside_drug(client, weighed, drug="other", drug_other="Lorazepam", dose_mg="1")
    assert MedicationAdministration.objects.get().drug_other == "Lorazepam"


# --- Weights and late entries ----------------------------------------------------------


def test_a_late_tocilizumab_dose_uses_the_weight_valid_then(client, nurse, make_episode):
    episode = make_episode(infused_hours_ago=24 * 9)
    # Weighed on admission (day 0) and again on day 3; the dose was on day 1.
    chart.weight_record(episode=episode, observed_at=_ago(24 * 9), by=nurse, weight_kg=90)
    chart.weight_record(episode=episode, observed_at=_ago(24 * 6), by=nurse, weight_kg=70)
    client.force_login(nurse)
    response = _dose_page(client, episode, dose_mg="720", observed_at=_ward_time(_ago(24 * 8 - 1)))
    assert response.status_code == 302
    assert MedicationAdministration.objects.get().dose_mg == Decimal("720")  # 8 mg/kg x 90


def test_a_nurse_charts_a_blocked_dose_already_given_as_a_late_entry(client, nurse, weighed):
    dose_services.dose_record(
        episode=weighed,
        drug="tocilizumab",
        dose_mg=Decimal("640"),
        observed_at=_ago(7),
        by=nurse,
    )
    client.force_login(nurse)
    given_then = _ward_time(_ago(2))
    blocked = _dose_page(client, weighed, observed_at=given_then).content.decode()
    assert "Less than 8 h since the last tocilizumab dose" in blocked
    assert "was already given" in blocked
    response = _dose_page(
        client,
        weighed,
        observed_at=given_then,
        confirmed="already_given",
        override_reason="Given by the night team in ICU, charted now",
    )
    assert response.status_code == 302
    override = DoseOverride.objects.get()
    assert (override.late_entry, override.by, override.blocked_because) == (
        True,
        nurse,
        ["min_interval"],
    )


def test_a_nurse_cannot_pass_a_block_as_already_given_for_a_dose_now(client, nurse, weighed):
    dose_services.dose_record(
        episode=weighed, drug="tocilizumab", dose_mg=Decimal("640"), observed_at=_ago(5), by=nurse
    )
    client.force_login(nurse)
    response = _dose_page(
        client, weighed, confirmed="already_given", override_reason="It was given"
    )
    assert response.status_code == 409
    assert "was already given" not in response.content.decode()
    assert MedicationAdministration.objects.count() == 1


def test_off_label_age_is_warned_on_the_dose_page(client, nurse, make_episode):
    toddler = make_episode(born=date.today() - timedelta(days=548))
    chart.weight_record(episode=toddler, observed_at=_ago(2), by=nurse, weight_kg=11)
    client.force_login(nurse)
    page = client.get(reverse("record_dose", args=[toddler.patient_id])).content.decode()
    assert "Label dose 132 mg" in page
    assert "Off-label under 2 years: the tocilizumab label for CRS starts at 2 years" in page
    assert _dose_page(client, toddler, dose_mg="132").status_code == 302
    assert DoseConfirmation.objects.get().warnings == ["off_label_age"]


# --- The pharmacist's queue and the stock ------------------------------------------------


def test_the_queue_puts_the_patient_with_most_work_first(client, nurse, pharmacist, make_episode):
    calm = make_episode(family_name="Aalto")
    busy = make_episode(family_name="Zeller")
    for episode in (calm, busy):
        chart.weight_record(episode=episode, observed_at=_ago(2), by=nurse, weight_kg=80)
        dose_services.stock_record(episode=episode, doses_on_site=3, by=pharmacist)
    dose_services.dose_record(
        episode=busy, drug="tocilizumab", dose_mg=Decimal("640"), observed_at=_ago(7), by=nurse
    )
    dose_services.dose_record(
        episode=busy,
        drug="tocilizumab",
        dose_mg=Decimal("640"),
        observed_at=_ago(1),
        by=pharmacist,
        override_reason="Deteriorating, consultant",
    )
    client.force_login(pharmacist)
    page = client.get(reverse("pharmacy_queue")).content.decode()
    assert page.index("ZELLER") < page.index("AALTO")
    assert "1 to review" in page and "2 doses to verify" in page


def test_verifying_swaps_the_row_only(client, nurse, pharmacist, weighed):
    dose = dose_services.dose_record(
        episode=weighed, drug="tocilizumab", dose_mg=Decimal("640"), observed_at=_ago(1), by=nurse
    )
    client.force_login(pharmacist)
    row = htmx(client, reverse("verify_dose", args=[dose.pk]), {}).content.decode()
    assert row.strip().startswith(f'<tr id="dose-{dose.pk}"')
    assert f"✓ {pharmacist.username}" in row
    assert DoseVerification.objects.get().medication == dose
    plain = client.post(
        reverse("verify_dose", args=[dose.pk]), {"next": f"/pharmacy/#dose-{dose.pk}"}
    )
    assert plain["Location"] == f"/pharmacy/#dose-{dose.pk}"


def test_a_pharmacist_reviews_a_blocked_dose(client, nurse, pharmacist, weighed):
    with pytest.raises(dose_services.DoseBlocked):
        dose_services.dose_record(
            episode=weighed,
            drug="tocilizumab",
            dose_mg=Decimal("900"),
            observed_at=_ago(1),
            by=nurse,
        )
    blocked = BlockedDose.objects.get()
    client.force_login(pharmacist)
    assert "1 to review" in client.get(reverse("pharmacy_queue")).content.decode()
    row = htmx(client, reverse("review_blocked_dose", args=[blocked.pk]), {}).content.decode()
    assert "reviewed ✓" in row
    blocked.refresh_from_db()
    assert blocked.reviewed_by == pharmacist


def test_tocilizumab_on_hand_goes_down_when_a_dose_is_charted(nurse, pharmacist, weighed):
    dose_services.stock_record(episode=weighed, doses_on_site=2, by=pharmacist)
    dose = dose_services.dose_record(
        episode=weighed, drug="tocilizumab", dose_mg=Decimal("640"), observed_at=_ago(1), by=nurse
    )
    latest = TocilizumabStock.objects.order_by("-recorded_at", "-pk").first()
    assert (latest.doses_on_site, latest.used_by_dose) == (1, dose)
    assert latest.is_short


def test_an_old_other_actemra_row_counts_as_tocilizumab(nurse, weighed):
    from grading.rules import tocilizumab_status
    from grading.snapshot import episode_snapshot

    # Charted before the forms refused it: written past the model's checks.
    MedicationAdministration.objects.bulk_create(
        [
            MedicationAdministration(
                episode=weighed,
                observed_at=_ago(2),
                recorded_by=nurse,
                given_by=nurse,
                drug="other",
                drug_other="Actemra 640 mg",
                dose_mg=640,
            )
        ]
    )
    status = tocilizumab_status(episode_snapshot(weighed, timezone.now()))
    assert (status.doses_total, status.blocked_because) == (1, ("min_interval",))
