"""The registry export: a physician downloads the CSV for a range of infusion
dates and the FHIR bundle of an episode; the patient page shows the summary.

The seeded story (London, GMT in March): infused 2 March 08:00; a fever at
18:00 (day 0) with a blood culture 15 minutes and cefepime an hour later;
tocilizumab 640 mg; hypotension, then norepinephrine (with vasopressin for
one set) from 04:00 on 3 March (grade 3, day 1) and an ICU transfer;
dexamethasone in the evening of day 0 and on day 1, methylprednisolone on
day 1; quiet from 12:00 on 3 March, which the CRS course rule makes the
resolution. ICE 6 on the evening of day 1 (ICANS 2), 10 again twelve hours later.
"""

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import User
from django.urls import reverse
from fhir.resources.R4B.bundle import Bundle

from grading.receivers import regrade_on_save_paused
from grading.services import regrade
from interop.registry import episode_summaries
from interop.registry_csv import COLUMNS
from interop.registry_fhir import REGISTRY
from patients import services as chart
from patients.models import ICE_FIELDS, Episode, Patient, Ward

pytestmark = pytest.mark.django_db

INFUSED = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
NOW = INFUSED + timedelta(hours=74)


def _at(hours: float) -> datetime:
    return INFUSED + timedelta(hours=hours)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _episode(ward: Ward, mrn: str, infused: datetime) -> Episode:
    patient = Patient.objects.create(
        mrn=mrn,
        family_name=f"Family{mrn}",
        given_name="Test",
        date_of_birth=date(1968, 4, 1),
        sex="female",
        ward=ward,
        bed=mrn[-2:],
    )
    return Episode.objects.create(
        patient=patient,
        product="axi-cel",
        admitted_at=infused - timedelta(days=1),
        infusion_at=infused,
    )


def _vitals(hours: float) -> dict:
    if hours < 10 or hours >= 28:
        return {"temperature_c": Decimal("37.0"), "systolic": 122, "diastolic": 74}
    if hours < 14:
        return {"temperature_c": Decimal("38.6"), "systolic": 118, "diastolic": 72}
    if hours < 20:
        return {"temperature_c": Decimal("38.9"), "systolic": 84, "diastolic": 48}
    pressors = ("norepinephrine", "vasopressin") if hours == 24 else ("norepinephrine",)
    return {
        "temperature_c": Decimal("38.5"),
        "systolic": 95,
        "diastolic": 55,
        "vasopressors": pressors,
    }


@pytest.fixture
def story(ward, nurse):
    """The episode of the module docstring, regraded at each entry's clinical
    time as the demo seed does, so the stored grades carry their times."""
    episode = _episode(ward, "REG-0001", INFUSED)
    steps = []
    for hour in range(0, 74, 2):
        values = {"heart_rate": 96, "respiratory_rate": 18, "spo2": 97}
        values |= {"oxygen_device": "room_air", "vasopressors": ()} | _vitals(hour)
        steps.append((hour, chart.vitals_record, values))
    for hour in range(0, 74, 12):
        score = 6 if hour == 36 else 10
        items = {name: index < score for index, name in enumerate(ICE_FIELDS)}
        steps.append((hour + 0.1, chart.neuro_record, {"tool": "ICE", **items}))
    drugs = [
        (11, "cefepime", 2000),
        (12.5, "tocilizumab", 640),
        (14, "dexamethasone", 10),
        (21, "dexamethasone", 10),
        (22, "methylprednisolone", 1000),
        (5, "acetaminophen", 1000),
    ]
    for hour, drug, mg in drugs:
        steps.append((hour, chart.medication_record, {"drug": drug, "dose_mg": Decimal(mg)}))
    steps.append((10.25, chart.workup_record, {"event": "blood_culture"}))
    steps.append((21.5, chart.workup_record, {"event": "icu_transfer"}))
    with regrade_on_save_paused():
        chart.weight_record(episode=episode, observed_at=_at(-20), by=nurse, weight_kg=80)
        for hours, record, values in sorted(steps, key=lambda step: step[0]):
            record(episode=episode, observed_at=_at(hours), by=nurse, **values)
            regrade(episode, at=_at(hours), trigger="new_data")
    return episode


@pytest.fixture
def elsewhere(story):
    """Episodes the March 1-3 export must leave out: infused earlier, or on a
    ward the physician does not staff (though infused in range)."""
    other_ward = Ward.objects.create(name="Other CAR-T ward")
    return [
        _episode(story.patient.ward, "REG-0002", datetime(2026, 2, 20, 9, 0, tzinfo=UTC)),
        _episode(other_ward, "REG-0003", INFUSED),
    ]


def _rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def _download(client, start="2026-03-01", end="2026-03-03"):
    return client.get(reverse("registry_export"), {"start": start, "end": end, "download": "csv"})


def test_the_physician_downloads_the_csv_of_the_episodes_infused_in_the_range(
    client, physician, story, elsewhere
):
    calm = _episode(story.patient.ward, "REG-0004", datetime(2026, 3, 1, 23, 30, tzinfo=UTC))
    client.force_login(physician)
    response = _download(client)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "crs-registry-20260301-20260303.csv" in response["Content-Disposition"]
    rows = _rows(response)
    assert list(rows[0]) == [c.name for c in COLUMNS]
    assert [row["mrn"] for row in rows] == [calm.patient.mrn, story.patient.mrn]

    row = rows[1]
    assert row["episode_id"] == str(story.pk)
    assert row["product"] == "axi-cel"
    assert row["infusion_at"] == "2026-03-02T08:00+00:00"
    assert row["infusion_date"] == "2026-03-02"
    assert row["summary_at"] == "2026-03-05T10:00+00:00"
    # CRS: onset with the fever on day 0, grade 3 on norepinephrine on day 1,
    # resolved at the first quiet set (the course rule), 18 hours in all.
    assert row["crs_status"] == "resolved"
    assert row["crs_onset_at"] == "2026-03-02T18:00+00:00"
    assert row["crs_onset_day"] == "0"
    assert row["crs_max_grade"] == "3"
    assert row["crs_max_grade_at"] == "2026-03-03T04:00+00:00"
    assert row["crs_max_grade_day"] == "1"
    assert row["crs_resolved_at"] == "2026-03-03T12:00+00:00"
    assert row["crs_duration_days"] == "0.75"
    assert row["crs_spells"] == "1"
    # ICANS 2 from ICE 6 at 20:06 on day 1 until ICE 10 twelve hours later.
    assert row["icans_status"] == "resolved"
    assert row["icans_onset_at"] == "2026-03-03T20:06+00:00"
    assert (row["icans_onset_day"], row["icans_max_grade"], row["icans_max_grade_day"]) == (
        "1",
        "2",
        "1",
    )
    assert row["icans_resolved_at"] == "2026-03-04T08:06+00:00"
    assert row["icans_duration_days"] == "0.5"
    assert row["tocilizumab_doses"] == "1"
    assert row["tocilizumab_dates"] == "2026-03-02T20:30+00:00"
    assert row["tocilizumab_total_mg"] == "640"
    # 10 + 10 mg dexamethasone + 1000 mg methylprednisolone × 0.75/4, on two days.
    assert row["steroid_dexamethasone_mg"] == "207.5"
    assert row["steroid_days"] == "2"
    assert (row["vasopressors"], row["vasopressors_max_at_once"]) == ("yes", "2")
    assert row["vasopressor_first_at"] == "2026-03-03T04:00+00:00"
    assert row["vasopressor_last_at"] == "2026-03-03T10:00+00:00"
    assert (row["icu_transfer"], row["icu_transfer_at"]) == ("yes", "2026-03-03T05:30+00:00")
    assert row["fever_onset_at"] == "2026-03-02T18:00+00:00"
    assert row["fever_to_blood_culture_min"] == "15"
    assert row["fever_to_antibiotic_min"] == "60"

    # The calm patient: nothing to report, and every column says so.
    quiet = rows[0]
    assert quiet["infusion_date"] == "2026-03-01"
    assert (quiet["crs_status"], quiet["crs_onset_day"], quiet["crs_max_grade"]) == (
        "none",
        "",
        "0",
    )
    assert (quiet["tocilizumab_doses"], quiet["steroid_days"], quiet["vasopressors"]) == (
        "0",
        "0",
        "no",
    )


def test_the_patient_page_course_line_and_the_registry_agree(client, physician, story):
    client.force_login(physician)
    page = client.get(reverse("patient_detail", args=[story.patient_id])).content.decode()
    assert "Registry summary" in page
    assert "day <strong>0</strong> · 2 Mar 18:00" in page  # the CRS onset
    assert "grade <strong>3</strong> · day 1, 3 Mar 04:00" in page
    assert "<strong>1 dose</strong>, 640 mg in total" in page
    assert "<strong>207.5 mg</strong> dexamethasone equivalent over 2 days" in page
    assert reverse("registry_episode_fhir", args=[story.pk]) in page


def test_a_date_in_the_wards_zone_decides_the_range(client, physician, ward):
    """Infused at 23:30 UTC on 31 May: 1 June in London (BST), 31 May in UTC."""
    summer = _episode(ward, "REG-0005", datetime(2026, 5, 31, 23, 30, tzinfo=UTC))
    client.force_login(physician)
    june = _rows(_download(client, "2026-06-01", "2026-06-30"))
    may = _rows(_download(client, "2026-05-01", "2026-05-31"))
    assert [row["mrn"] for row in june] == [summer.patient.mrn]
    assert june[0]["infusion_at"] == "2026-06-01T00:30+01:00"
    assert may == []


def test_the_fhir_bundle_of_the_episode_validates_as_r4(client, physician, story):
    client.force_login(physician)
    response = client.get(reverse("registry_episode_fhir", args=[story.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+json"
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    bundle = Bundle.model_validate(data)  # raises on anything R4(B) refuses
    assert bundle.type == "collection"
    resources = [entry.resource for entry in bundle.entry]
    kinds = [r.get_resource_type() for r in resources]
    assert kinds[:2] == ["Patient", "Encounter"] and set(kinds[2:]) == {"Observation"}
    patient, encounter = resources[:2]
    assert patient.identifier[0].value == "REG-0001" and patient.gender == "female"
    assert encounter.status == "in-progress"
    # Every reference points inside the bundle.
    urls = {entry.fullUrl for entry in bundle.entry}
    assert len(urls) == len(bundle.entry)
    assert all(r.subject.reference in urls for r in resources[1:])

    by_code = {}
    for obs in resources[2:]:
        assert obs.code.coding[0].system == REGISTRY
        by_code.setdefault(obs.code.coding[0].code, []).append(obs)
    (max_grade,) = by_code["crs-max-grade"]
    assert max_grade.valueInteger == 3
    assert max_grade.effectiveDateTime.isoformat().startswith("2026-03-03T04:00")
    assert by_code["crs-onset-day"][0].valueInteger == 0
    assert by_code["crs-duration"][0].valueQuantity.value == 0.75
    assert by_code["crs-duration"][0].valueQuantity.code == "d"
    assert by_code["tocilizumab-total"][0].valueQuantity.value == 640
    assert [o.valueQuantity.value for o in by_code["tocilizumab-dose"]] == [640]
    assert by_code["steroid-dexamethasone-equivalent"][0].valueQuantity.value == 207.5
    assert by_code["vasopressor-max-concurrent"][0].valueInteger == 2
    assert by_code["icu-transfer"][0].valueBoolean is True
    assert by_code["fever-to-antibiotic"][0].valueQuantity.value == 60
    # The episode is still admitted: its figures may change.
    assert {o.status for o in resources[2:]} == {"preliminary"}


def test_a_figure_that_does_not_apply_is_absent_with_its_reason(client, physician, ward):
    calm = _episode(ward, "REG-0006", INFUSED)
    client.force_login(physician)
    data = client.get(reverse("registry_episode_fhir", args=[calm.pk])).json()
    Bundle.model_validate(data)
    onset = next(
        e["resource"]
        for e in data["entry"]
        if e["resource"].get("code", {}).get("coding", [{}])[0].get("code") == "crs-onset"
    )
    assert "valueDateTime" not in onset
    assert onset["dataAbsentReason"]["coding"][0]["code"] == "not-applicable"


def test_a_nurse_may_not_export(client, nurse, story):
    client.force_login(nurse)
    assert client.get(reverse("registry_export")).status_code == 403
    assert _download(client).status_code == 403
    assert client.get(reverse("registry_episode_fhir", args=[story.pk])).status_code == 403
    # The summary is on her patient's page; the download is not.
    page = client.get(reverse("patient_detail", args=[story.patient_id])).content.decode()
    assert "Registry summary" in page
    assert reverse("registry_episode_fhir", args=[story.pk]) not in page


def test_another_wards_episode_is_neither_listed_nor_downloadable(
    client, physician, story, elsewhere
):
    other = elsewhere[1]
    client.force_login(physician)
    page = client.get(reverse("registry_export"), {"start": "2026-03-01", "end": "2026-03-03"})
    assert page.status_code == 200
    assert story.patient.mrn in page.content.decode()
    assert other.patient.mrn not in page.content.decode()
    assert reverse("registry_episode_fhir", args=[other.pk]) not in page.content.decode()
    assert client.get(reverse("registry_episode_fhir", args=[other.pk])).status_code == 404


def test_the_admin_exports_every_ward(client, story, elsewhere):
    admin = User.objects.create_superuser("ada.admin", password="a-long-test-password")
    client.force_login(admin)
    rows = _rows(_download(client))
    assert {row["mrn"] for row in rows} == {"REG-0001", "REG-0003"}


@pytest.mark.parametrize(
    "start, end, message",
    [
        ("2026-13-01", "2026-03-03", "Infused from: enter a date as YYYY-MM-DD."),
        ("", "2026-03-03", "Give the first infusion date."),
        ("2026-03-03", "2026-03-01", "Infused until must be on or after infused from."),
        ("2024-01-01", "2026-03-01", "Export at most a year of infusions at a time."),
    ],
)
def test_a_bad_range_says_which_date_is_wrong_and_keeps_what_was_typed(
    client, physician, start, end, message
):
    client.force_login(physician)
    response = _download(client, start, end)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert message in page
    assert f'value="{start}"' in page or not start


def test_the_page_opens_on_the_last_seven_days(client, physician, story):
    client.force_login(physician)
    page = client.get(reverse("registry_export")).content.decode()
    assert 'value="2026-02-27"' in page and 'value="2026-03-05"' in page
    assert "1 episode" in page and story.patient.mrn in page


def test_the_summaries_take_the_same_queries_for_one_episode_or_many(
    story, ward, nurse, django_assert_num_queries
):
    others = [_episode(ward, f"REG-01{n:02d}", INFUSED) for n in range(3)]
    for episode in others:
        chart.vitals_record(
            episode=episode, observed_at=_at(10), by=nurse, temperature_c=Decimal("38.4")
        )
    few = list(Episode.objects.filter(pk=story.pk).select_related("patient__ward"))
    many = list(Episode.objects.select_related("patient__ward").order_by("pk"))
    with django_assert_num_queries(5):
        episode_summaries(few)
    with django_assert_num_queries(5):
        summaries = episode_summaries(many)
    assert [s.crs.status for s in summaries[1:]] == ["ongoing"] * 3


def test_rows_entered_in_error_do_not_count(client, physician, nurse, story):
    dose = story.medicationadministration_set.get(drug="tocilizumab")
    chart.enter_in_error(dose, by=nurse, reason="Charted on the wrong patient")
    client.force_login(physician)
    (row,) = _rows(_download(client))
    assert (row["tocilizumab_doses"], row["tocilizumab_total_mg"]) == ("0", "0")
