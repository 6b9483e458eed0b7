import re
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from grading import downtime, services
from grading.models import Assessment
from grading.rules import NO_PAEDIATRIC_DOSE, PROTOCOLS, Snapshot
from grading.rules.protocols import SEED_000
from grading.selectors import summarise_doses
from patients import services as chart

DISCLAIMER = (
    "Decision support only. Check every recommendation against your institution's protocol"
    " and the patient; the treating physician decides."
)
# A steroid with a dose after it ("dexamethasone 10 mg"), in any protocol's wording.
STEROID_DOSE = re.compile(r"(dexamethasone|methylprednisolone|hydrocortisone)\s+[\d.]+\s*mg", re.I)

pytestmark = pytest.mark.django_db

SHOCK = {
    "temperature_c": Decimal("38.8"),
    "systolic": 82,
    "diastolic": 50,
    "vasopressors": ["norepinephrine"],
}


def _shocked(episode, nurse, *, weight_kg=75, tocilizumab_mg=600, **vitals):
    now = timezone.now()
    chart.weight_record(
        episode=episode, observed_at=now - timedelta(hours=10), by=nurse, weight_kg=weight_kg
    )
    chart.medication_record(
        episode=episode,
        observed_at=now - timedelta(hours=2),
        by=nurse,
        drug="tocilizumab",
        dose_mg=tocilizumab_mg,
    )
    chart.vitals_record(
        episode=episode,
        observed_at=now - timedelta(minutes=10),
        by=nurse,
        **(SHOCK | vitals),
    )
    services.regrade(episode, trigger="new_data")


def _sheet(page: str, name: str) -> str:
    """One patient's full sheet out of a printout."""
    start = page.index(f"{name} · MRN")
    end = page.find('<table class="printout sheet"', start)
    return page[start : end if end != -1 else len(page)]


def test_the_ward_sheet_has_a_line_per_patient_and_the_sick_in_full(
    client, physician, nurse, ward, make_episode
):
    sick = make_episode(family_name="Sick")
    make_episode(family_name="Well")
    _shocked(sick, nurse)
    client.force_login(physician)
    page = client.get(reverse("ward_downtime", args=[ward.pk])).content.decode()

    assert page.count('<tr class="line-block">') == 2
    assert page.index("SICK, Test") < page.index("WELL, Test")  # by bed, as the ward walks
    assert page.count('<table class="printout sheet"') == 1  # only the sick one in full
    sheet = _sheet(page, "SICK, Test")
    for reason in Assessment.objects.get(episode=sick).crs_reasons:
        assert reason in sheet
    assert "Transfer to ICU" in sheet and "Vasopressors and oxygen as needed" in sheet
    assert "dexamethasone 10 mg IV every 6 h" in sheet  # an adult: the protocol's dose
    assert f"{SEED_000}, Grade 3 CRS" in sheet and "seed 000" not in page
    assert "T 38.8 °C <strong>(fever)</strong>" in sheet and "Norepinephrine" in sheet
    assert "<strong>Tocilizumab</strong> · 600 mg (8 mg/kg)" in sheet
    assert "icu transfer" in sheet
    assert "true at the print time only" in sheet and "data-print" in page
    assert page.count("<tr><td></td>") == 8  # a paper grid for the full sheet
    assert page.count(DISCLAIMER) == 2  # the line blocks' pages and the full sheet


def test_the_sickest_come_first_in_full_and_the_calm_only_as_a_line(
    client, physician, nurse, ward, make_episode
):
    grade_3 = make_episode(family_name="Three")
    grade_4 = make_episode(family_name="Four")
    calm = make_episode(family_name="Calm")
    _shocked(grade_3, nurse)
    _shocked(grade_4, nurse, vasopressors=["norepinephrine", "epinephrine"])
    chart.vitals_record(
        episode=calm,
        observed_at=timezone.now() - timedelta(minutes=5),
        by=nurse,
        temperature_c=Decimal("36.8"),
    )
    services.regrade(calm, trigger="new_data")
    client.force_login(physician)
    page = client.get(reverse("ward_downtime", args=[ward.pk])).content.decode()

    lines = page[: page.index('<table class="printout sheet"')]
    assert lines.index("THREE") < lines.index("FOUR") < lines.index("CALM")  # by bed
    assert page.count('<table class="printout sheet"') == 2
    sheets = page[page.index('<table class="printout sheet"') :]
    assert sheets.index("FOUR, Test · MRN") < sheets.index("THREE, Test · MRN")
    assert "CALM, Test · MRN" not in sheets
    assert lines.count("full sheet follows") == 2


@pytest.mark.parametrize(
    "protocol, vasopressors",
    [
        ("A", ["norepinephrine"]),
        ("A", ["norepinephrine", "epinephrine"]),
        ("B", ["norepinephrine"]),
        ("B", ["norepinephrine", "epinephrine"]),
    ],
)
def test_a_childs_sheet_never_shows_an_adult_steroid_dose_or_the_adult_mg_per_kg(
    client, physician, nurse, ward, make_episode, protocol, vasopressors
):
    ward.protocol = protocol
    ward.save()
    today = timezone.localdate()
    child = make_episode(family_name="Child", born=today.replace(year=today.year - 7))
    # ICANS too (CAPD 12, grade 3): the ICANS floor's doses are adult doses as well.
    chart.neuro_record(
        episode=child,
        observed_at=timezone.now() - timedelta(minutes=15),
        by=nurse,
        tool="CAPD",
        capd_score=12,
        consciousness="awakens_to_voice",
    )
    _shocked(child, nurse, weight_kg=24, tocilizumab_mg=288, vasopressors=vasopressors)
    assert Assessment.objects.filter(episode=child).latest("evaluated_at").icans_grade == 3
    client.force_login(physician)

    for name in ("patient_downtime", "ward_downtime"):
        target = child.patient_id if name == "patient_downtime" else ward.pk
        page = client.get(reverse(name, args=[target])).content.decode()
        sheet = _sheet(page, "CHILD, Test")
        assert STEROID_DOSE.search(page) is None, STEROID_DOSE.search(page)
        assert "8 mg/kg" not in page
        assert NO_PAEDIATRIC_DOSE in sheet
        assert "Tocilizumab 288 mg IV (12 mg/kg for 24 kg" in sheet
        assert "288 mg (12 mg/kg)" in sheet
        assert "(7 y)" in sheet
        assert "Next steps at ICANS grade 3 (every protocol)" in sheet
        assert "Methylprednisolone: no paediatric dose rule" in sheet  # the ICANS floor's, withheld
        assert "<strong>Acuity " in sheet
        assert DISCLAIMER in sheet


def test_the_patient_sheet_shows_one_patient(client, physician, nurse, make_episode):
    sick = make_episode(family_name="Sick")
    make_episode(family_name="Other")
    _shocked(sick, nurse)
    client.force_login(physician)
    page = client.get(reverse("patient_downtime", args=[sick.patient_id])).content.decode()
    assert page.count('<table class="printout sheet"') == 1
    assert "line-block" not in page
    assert "SICK, Test" in page and "OTHER" not in page
    assert page.count(DISCLAIMER) == 1


def test_the_ward_sheet_costs_the_same_queries_for_2_or_12_patients(
    client, physician, nurse, ward, make_episode
):
    client.force_login(physician)

    def count_for(patients):
        for _ in range(patients - ward.patients.count()):
            _shocked(make_episode(), nurse)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("ward_downtime", args=[ward.pk])).status_code == 200
        return len(queries)

    assert count_for(2) == count_for(12)


def _card(*, protocol: str, grade: int, age_years: float, weight_kg: float | None):
    """What next_steps reads from a board card, from a real snapshot."""
    now = timezone.now()
    snapshot = Snapshot(
        at=now,
        age_years=age_years,
        weight_kg=weight_kg,
        weight_at=now - timedelta(hours=1) if weight_kg else None,
        protocol=protocol,
    )
    return SimpleNamespace(
        crs=grade,
        snapshot=snapshot,
        doses=summarise_doses(snapshot, None),
        ward=SimpleNamespace(weight_valid_days=7),
        next_tocilizumab_when="",
    )


@pytest.mark.parametrize("protocol", sorted(PROTOCOLS))
@pytest.mark.parametrize("grade", [1, 2, 3, 4])
def test_next_steps_for_a_child_carry_no_adult_dose_at_any_grade(protocol, grade):
    steps = downtime.next_steps(_card(protocol=protocol, grade=grade, age_years=7, weight_kg=24))
    words = " ".join(step.text for step in steps)
    assert STEROID_DOSE.search(words) is None
    assert "8 mg/kg" not in words
    if PROTOCOLS[protocol].steroid_rules and any(
        rule.grade == grade for rule in PROTOCOLS[protocol].steroid_rules
    ):
        assert NO_PAEDIATRIC_DOSE in words
    if grade >= 2:
        assert "Tocilizumab 288 mg IV (12 mg/kg for 24 kg" in words


@pytest.mark.parametrize("protocol", sorted(PROTOCOLS))
@pytest.mark.parametrize("grade", [2, 3, 4])
def test_next_steps_for_an_adult_keep_the_protocols_steroid_doses(protocol, grade):
    steps = downtime.next_steps(_card(protocol=protocol, grade=grade, age_years=40, weight_kg=80))
    words = " ".join(step.text for step in steps)
    for rule in PROTOCOLS[protocol].steroid_rules:
        if rule.grade == grade:
            assert rule.text in words
    assert "Tocilizumab 640 mg IV (8 mg/kg for 80 kg" in words
    assert NO_PAEDIATRIC_DOSE not in words


def test_next_steps_without_a_weight_ask_for_one_instead_of_a_dose():
    steps = downtime.next_steps(_card(protocol="A", grade=2, age_years=40, weight_kg=None))
    words = " ".join(step.text for step in steps)
    assert "no weight in the last 7 days, weigh the patient before dosing" in words
    assert "mg/kg" not in words


def test_a_patient_under_another_protocol_than_the_wards_is_printed_under_their_own(
    client, physician, nurse, ward, make_episode
):
    episode = make_episode(family_name="Older")
    episode.protocol = "B"
    episode.save()
    _shocked(episode, nurse)
    client.force_login(physician)
    page = client.get(reverse("ward_downtime", args=[ward.pk])).content.decode()

    assert " · <strong>protocol B</strong>" in page  # the line block says so
    sheet = _sheet(page, "OLDER, Test")
    assert "Next steps at CRS grade 3 (protocol B)" in sheet
    assert "dexamethasone 10 mg IV every 6 h for 1-3 days" in sheet  # protocol B's wording
