"""Labs in the ward's units (clinical-rules.md sections 11 and 13.8): typed
and read in SI or conventional units, stored in the canonical unit, refused
outside the plausible range with the field named, flagged L or H."""

import json
import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from grading.selectors import chart_rows
from patients import services
from patients.forms import LabPanelForm
from patients.models import LabResult, LabTest, Ward, WardLabLimit

from . import entries
from .entries import htmx, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def si_ward(ward):
    ward.lab_units = "SI"
    ward.save()
    return ward


@pytest.fixture
def signed_in(client, nurse):
    client.force_login(nurse)
    return client


def _stored():
    return {r.test.code: r.value for r in LabResult.objects.select_related("test")}


def test_a_uk_ward_types_si_units_and_the_chart_stores_the_canonical_unit(
    si_ward, signed_in, episode
):
    typed = {"anc": "0.8", "platelets": "45", "creatinine": "88", "fibrinogen": "2.1"}
    response = htmx(signed_in, url("lab_entry", episode), entries.labs(episode, **typed))
    assert response["HX-Trigger"] == '{"chartChanged": {}}'
    stored = _stored()
    assert stored["anc"] == 800
    assert stored["platelets"] == 45_000
    assert stored["fibrinogen"] == 210
    assert stored["creatinine"] == pytest.approx(88 / 88.4, rel=1e-12)
    # What was saved is read back in the units typed, flagged against the reference range.
    saved = response.content.decode()
    assert "Platelets 45 ×10⁹/L" in saved and "0.8 ×10⁹/L" in saved
    assert "88 µmol/L" in saved and "2.1 g/L" in saved
    assert 'class="lab-flag low"' in saved


def test_a_conventional_ward_types_and_stores_per_microlitre(signed_in, episode):
    htmx(signed_in, url("lab_entry", episode), entries.labs(episode, platelets="45000"))
    assert _stored() == {"platelets": 45_000}


def test_the_lab_form_shows_the_wards_unit_beside_each_box(si_ward, signed_in, episode):
    page = htmx(signed_in, url("lab_entry", episode)).content.decode()
    assert "This ward enters labs in <strong>SI</strong> units" in page
    for unit in ("×10⁹/L", "µmol/L", "g/L", "mmol/L", "µg/L"):
        assert f'<span class="unit">{unit}</span>' in page
    form = LabPanelForm(episode=episode)
    assert dict((f.label, unit) for f, unit in form.lab_fields())["Platelets"] == "×10⁹/L"


@pytest.mark.parametrize(
    "system, test, typed, ok",
    [
        ("SI", "platelets", "2000", True),
        ("SI", "platelets", "2000.1", False),
        ("SI", "platelets", "0", True),
        ("SI", "creatinine", "4.42", True),
        ("SI", "creatinine", "4.41", False),
        ("SI", "creatinine", "2652", True),
        ("SI", "creatinine", "2652.1", False),
        ("SI", "hemoglobin", "10", True),
        ("SI", "hemoglobin", "9.9", False),
        ("conventional", "platelets", "2000000", True),
        ("conventional", "platelets", "2000001", False),
        ("conventional", "creatinine", "0.05", True),
        ("conventional", "creatinine", "0.04", False),
        ("conventional", "crp", "1e308", False),
        ("conventional", "platelets", "1e29", False),
    ],
)
def test_plausible_edges_in_the_unit_typed(ward, episode, system, test, typed, ok):
    ward.lab_units = system
    ward.save()
    form = LabPanelForm(entries.labs(episode, **{test: typed}), episode=episode)
    assert form.is_valid() is ok, form.errors


def test_an_implausible_value_names_the_field_and_the_range_and_keeps_what_was_typed(
    si_ward, signed_in, episode
):
    response = htmx(
        signed_in,
        url("lab_entry", episode),
        entries.labs(episode, creatinine="3000", platelets="45", crp="-2"),
    )
    page = response.content.decode()
    assert "Creatinine 3,000 µmol/L is outside the plausible range 4.42-2,652 µmol/L." in page
    assert "C-reactive protein cannot be negative." in page
    assert 'value="3000"' in page and 'value="45"' in page and 'value="-2"' in page
    assert not LabResult.objects.exists()


def test_the_chart_itself_refuses_an_impossible_value(episode, nurse):
    with pytest.raises(ValidationError) as error:
        services.lab_record(
            episode=episode, observed_at=timezone.now(), by=nurse, test="crp", value=1e308
        )
    assert "C-reactive protein" in str(error.value.message_dict["value"])


def test_low_and_high_are_flagged_in_letters_on_the_bedside_page(si_ward, signed_in, episode):
    htmx(
        signed_in,
        url("lab_entry", episode),
        entries.labs(episode, platelets="45", crp="120", potassium="4.1"),
    )
    page = signed_in.get(url("bedside", episode)).content.decode()
    assert re.search(r'45 ×10⁹/L <strong class="lab-flag low"[^>]*>L</strong>', page)
    assert re.search(r'120 mg/L <strong class="lab-flag high"[^>]*>H</strong>', page)
    assert "Potassium 4.1 mmol/L</span>" in page
    assert "(low, below 150 ×10⁹/L)" in page


def test_switching_the_ward_to_si_changes_no_stored_value(ward, signed_in, episode, nurse):
    services.lab_record(
        episode=episode, observed_at=timezone.now(), by=nurse, test="platelets", value=45_000
    )
    assert "45,000 /µL" in signed_in.get(url("bedside", episode)).content.decode()
    ward.lab_units = "SI"
    ward.save()
    assert "45 ×10⁹/L" in signed_in.get(url("bedside", episode)).content.decode()
    assert _stored() == {"platelets": 45_000}


def test_chart_rows_in_words_read_labs_in_the_wards_units(si_ward, episode, nurse):
    row = services.lab_record(
        episode=episode,
        observed_at=timezone.now() - timedelta(minutes=5),
        by=nurse,
        test="platelets",
        value=45_000,
    )
    assert chart_rows([row.ref])[row.ref].words == "Platelets 45 ×10⁹/L L (low)"


def test_the_trajectory_draws_labs_in_the_wards_units(si_ward, client, physician, episode, nurse):
    services.lab_record(
        episode=episode,
        observed_at=timezone.now() - timedelta(hours=1),
        by=nurse,
        test="platelets",
        value=45_000,
    )
    client.force_login(physician)
    page = client.get(reverse("trajectory", args=[episode.patient_id])).content.decode()
    found = re.search(r'<script id="trajectory-data" type="application/json">(.*?)</script>', page)
    labs = json.loads(found.group(1))["labs"]
    [platelets] = [t for t in labs["data"] if t.get("name") == "Platelets"]
    assert platelets["y"] == [45] and platelets["text"] == ["L"]
    assert "×10⁹/L" in platelets["hovertemplate"]
    titles = [note["text"] for note in labs["layout"]["annotations"]]
    assert "Platelets (×10⁹/L)" in titles and "platelets < 50 ×10⁹/L" in titles


def test_the_ward_page_names_the_wards_lab_units(si_ward, client, physician):
    client.force_login(physician)
    page = client.get(reverse("ward_protocol", args=[si_ward.pk])).content.decode()
    assert "entered and shown in <strong>SI: ×10⁹/L, g/L, µmol/L, mmol/L</strong>" in page


def test_the_catalogue_table_holds_every_test_with_its_reference_limits():
    tests = {t.code: t for t in LabTest.objects.all()}
    assert len(tests) == 24
    assert (tests["platelets"].lower_limit, tests["platelets"].upper_limit) == (150_000, 450_000)
    assert (tests["crp"].lower_limit, tests["crp"].upper_limit) == (None, 5)
    assert tests["magnesium"].loinc == "19123-9"


def test_a_struck_lab_still_reads_in_the_wards_units(si_ward, signed_in, episode, nurse):
    row = services.lab_record(
        episode=episode, observed_at=timezone.now(), by=nurse, test="platelets", value=45_000
    )
    strike = url("entered_in_error", episode, "lab", row.pk)
    page = htmx(signed_in, strike, {"reason": "Wrong patient"}).content.decode()
    assert "<del" in page and "Platelets 45 ×10⁹/L" in page


def test_a_wards_own_reference_limits_decide_its_flags(si_ward, signed_in, episode, nurse):
    platelets = LabTest.objects.get(code="platelets")
    row = services.lab_record(
        episode=episode, observed_at=timezone.now(), by=nurse, test="platelets", value=140_000
    )
    assert row.flag_on(si_ward) == "L"
    WardLabLimit.objects.create(ward=si_ward, test=platelets, lower_limit=130_000)
    si_ward = Ward.objects.get(pk=si_ward.pk)
    assert row.flag_on(si_ward) == ""
    assert platelets.limits(si_ward) == (130_000, 450_000)
    assert "Platelets 140 ×10⁹/L</span>" in signed_in.get(url("bedside", episode)).content.decode()
    assert chart_rows([row.ref])[row.ref].words == "Platelets 140 ×10⁹/L"
    # A result below the ward's own limit is flagged against it.
    low = services.lab_record(
        episode=episode, observed_at=timezone.now(), by=nurse, test="platelets", value=120_000
    )
    page = signed_in.get(url("bedside", episode)).content.decode()
    assert "(low, below 130 ×10⁹/L)" in page
    assert low.flag_on(si_ward) == "L"


def test_the_ward_page_lists_its_own_limits_in_its_units(si_ward, client, physician):
    WardLabLimit.objects.create(
        ward=si_ward, test=LabTest.objects.get(code="creatinine"), upper_limit=1.1
    )
    client.force_login(physician)
    page = client.get(reverse("ward_protocol", args=[si_ward.pk])).content.decode()
    assert "This ward's own reference limits: Creatinine 53-97 µmol/L" in page


def test_a_wards_limits_cannot_be_upside_down(si_ward):
    with pytest.raises(IntegrityError), transaction.atomic():
        WardLabLimit.objects.create(
            ward=si_ward, test=LabTest.objects.get(code="crp"), lower_limit=5, upper_limit=1
        )
