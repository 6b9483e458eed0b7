from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from grading import services
from grading.models import Assessment
from patients import services as chart
from patients.models import Patient, Ward

pytestmark = pytest.mark.django_db


def _febrile(episode, nurse, committed, **values):
    with committed():
        chart.vitals_record(
            episode=episode,
            observed_at=timezone.now() - timedelta(minutes=5),
            by=nurse,
            temperature_c=38.6,
            **values,
        )


@pytest.mark.parametrize(
    "name, kwargs",
    [("home", {}), ("ward_patients", {"ward_id": 1}), ("patient_detail", {"patient_id": 1})],
)
def test_every_page_asks_a_stranger_to_sign_in(client, name, kwargs):
    response = client.get(reverse(name, kwargs=kwargs))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_login_page_is_open(client):
    assert client.get(reverse("login")).status_code == 200


def test_a_nurse_signs_in_and_lands_on_the_ward(client, nurse, ward):
    response = client.post(
        reverse("login"), {"username": nurse.username, "password": "a-long-test-password"}
    )
    assert response.status_code == 302
    response = client.get(response["Location"])
    assert response.status_code == 302
    assert response["Location"] == reverse("ward_patients", args=[ward.pk])


def test_home_lists_the_wards_when_there_are_several(client, nurse, ward):
    Ward.objects.create(name="Second ward").staff.add(nurse)
    client.force_login(nurse)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert b"Second ward" in response.content and ward.name.encode() in response.content


def test_the_ward_list_shows_grades_and_day_after_infusion(client, nurse, make_episode, committed):
    episode = make_episode(family_name="Marsh", infused_hours_ago=30)
    _febrile(episode, nurse, committed, oxygen_device="nasal_cannula", oxygen_flow_l_min=3)
    make_episode(family_name="Adeyemi")
    client.force_login(nurse)
    response = client.get(reverse("ward_patients", args=[episode.patient.ward_id]))
    page = response.content.decode()
    assert "MARSH, Test" in page and "ADEYEMI, Test" in page
    assert "moderate" in page  # CRS 2 in words, not colour alone
    assert f"D{episode.day_after_infusion()}" in page
    assert "not graded yet" in page  # Adeyemi has no chart yet


def test_the_ward_list_costs_the_same_queries_for_5_or_25_patients(
    client, nurse, make_episode, committed
):
    client.force_login(nurse)
    url = reverse("ward_patients", args=[Ward.objects.get().pk])

    def count_for(patients):
        while Patient.objects.count() < patients:
            _febrile(make_episode(), nurse, committed)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    assert count_for(5) == count_for(25)


def test_the_patient_page_explains_each_grade(client, physician, episode, nurse, committed):
    _febrile(episode, nurse, committed, oxygen_device="nasal_cannula", oxygen_flow_l_min=7)
    client.force_login(physician)
    response = client.get(reverse("patient_detail", args=[episode.patient_id]))
    page = response.content.decode()
    assessment = Assessment.objects.get()
    assert assessment.crs_grade == 3
    for reason in assessment.crs_reasons:
        assert reason in page
    assert assessment.rules_version in page
    assert "New chart data" in page


def test_each_regrade_in_the_history_names_the_chart_rows_it_used(
    client, physician, episode, nurse, committed
):
    _febrile(episode, nurse, committed, oxygen_device="nasal_cannula", oxygen_flow_l_min=3)
    client.force_login(physician)
    page = client.get(reverse("patient_detail", args=[episode.patient_id])).content.decode()
    assert "Chart rows used" in page
    assert "T 38.6 °C, Nasal cannula 3 L/min" in page
    assert "vitalsset:" not in page  # rows in words, not database references
    assert reverse("trajectory", args=[episode.patient_id]) in page
    assert reverse("patient_downtime", args=[episode.patient_id]) in page


def test_a_row_entered_in_error_is_struck_through_in_the_history(
    client, physician, episode, nurse, committed
):
    _febrile(episode, nurse, committed)
    vitals = episode.vitalsset_set.get()
    chart.enter_in_error(vitals, by=nurse, reason="wrong patient")
    client.force_login(physician)
    page = client.get(reverse("patient_detail", args=[episode.patient_id])).content.decode()
    assert '<li class="struck">' in page and "since marked entered in error" in page


def test_the_patient_page_costs_the_same_queries_for_a_short_or_long_episode(
    client, physician, nurse, make_episode
):
    client.force_login(physician)

    def count_for(vitals_sets):
        episode = make_episode(infused_hours_ago=vitals_sets + 2)
        chart.lab_record(
            episode=episode, observed_at=timezone.now(), by=nurse, test="crp", value=20
        )
        chart.neuro_record(
            episode=episode, observed_at=timezone.now(), by=nurse, tool="ICE", consciousness="alert"
        )
        for hour in range(vitals_sets, 0, -1):
            at = timezone.now() - timedelta(hours=hour)
            chart.vitals_record(
                episode=episode, observed_at=at, by=nurse, temperature_c=38 + hour % 2
            )
            services.regrade(episode, trigger="new_data", at=at)
        services.regrade(episode, trigger="new_data")
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("patient_detail", args=[episode.patient_id]))
            assert response.status_code == 200
        return len(queries), episode.assessments.count()

    (short, short_history), (long, long_history) = count_for(5), count_for(40)
    assert long_history > 2 * short_history
    assert short == long


def test_home_lists_only_the_wards_this_user_works_on(client, nurse, ward):
    Ward.objects.create(name="Someone else's ward")
    client.force_login(nurse)
    response = client.get(reverse("home"))
    assert response["Location"] == reverse("ward_patients", args=[ward.pk])


def test_an_unknown_patient_is_not_found(client, nurse):
    client.force_login(nurse)
    assert client.get(reverse("patient_detail", args=[999])).status_code == 404


def test_the_demo_seed_refuses_to_run_without_debug():
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo")


def test_the_demo_seed_is_graded_by_the_rules_and_idempotent():
    call_command("seed_demo", allow_demo_accounts=True, verbosity=0)
    counts = (Patient.objects.count(), Assessment.objects.count())
    call_command("seed_demo", allow_demo_accounts=True, verbosity=0)
    assert (Patient.objects.count(), Assessment.objects.count()) == counts
    assert counts[0] == 14

    current = {
        patient.mrn: patient.assessments.latest_first().first() for patient in Patient.objects.all()
    }
    # The stories promise these, and only the rules decide them.
    assert current["DEMO-1007"].crs_grade == 3  # norepinephrine
    assert current["DEMO-1008"].crs_grade == 4  # BiPAP
    assert current["DEMO-1001"].crs_grade == 0  # never febrile
    assert current["DEMO-1010"].icans_grade == 3
    assert current["DEMO-1009"].icans_grade == 2
    assert current["DEMO-2001"].details["tocilizumab"]["mg_per_kg"] == 12
    # Clinical-rules r2: afebrile shock after a resolved CRS is CRS 0 but acuity 4.
    shock = current["DEMO-1011"]
    assert (shock.crs_grade, shock.acuity, shock.details["crs"]["status"]) == (0, 4, "resolved")
    # A fever after resolution is a new CRS onset.
    recurrent = current["DEMO-1012"]
    assert recurrent.details["crs"]["status"] == "active"
    assert recurrent.crs_grade >= 1
    resolved = Patient.objects.get(mrn="DEMO-1005").episodes.get()
    assert resolved.assessments.filter(crs_grade=2).exists()
    assert current["DEMO-1005"].crs_grade == 0
