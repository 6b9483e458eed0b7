from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from patients import services
from patients.models import Episode, LabTest, NeuroAssessment, VitalsSet

pytestmark = pytest.mark.django_db


def _now():
    return timezone.now() - timedelta(minutes=1)


def test_roles_exist_from_a_data_migration():
    assert set(Group.objects.values_list("name", flat=True)) >= {"nurse", "physician", "pharmacist"}


def test_the_lab_catalogue_has_units_loinc_and_upper_limits():
    alt = LabTest.objects.get(code="alt")
    assert (alt.unit, alt.loinc, alt.upper_limit) == ("U/L", "1742-6", 40.0)
    assert {"crp", "ferritin", "fibrinogen", "ldh", "anc", "platelets", "ast", "creatinine"} <= set(
        LabTest.objects.values_list("code", flat=True)
    )


@pytest.mark.parametrize(
    "field, value, allowed",
    [
        ("temperature_c", Decimal("45.1"), True),
        ("temperature_c", Decimal("24.9"), True),
        ("heart_rate", 301, True),
        ("heart_rate", 19, True),
        ("systolic", 29, True),
        ("diastolic", 201, True),
        ("respiratory_rate", 81, True),
        ("respiratory_rate", 1, True),
        ("spo2", 39, True),
        ("spo2", 101, True),
    ],
)
def test_it_refuses_implausible_vitals_naming_the_field(episode, nurse, field, value, allowed):
    with pytest.raises(ValidationError) as error:
        services.vitals_record(episode=episode, observed_at=_now(), by=nurse, **{field: value})
    assert field in error.value.message_dict
    assert "must be between" in error.value.message_dict[field][0]
    assert not VitalsSet.objects.exists()


@pytest.mark.parametrize(
    "field, value",
    [
        ("temperature_c", Decimal("45.0")),
        ("temperature_c", Decimal("25.0")),
        ("spo2", 40),
        ("spo2", 100),
        ("heart_rate", 300),
        ("respiratory_rate", 2),
    ],
)
def test_it_accepts_the_range_boundaries(episode, nurse, field, value):
    services.vitals_record(episode=episode, observed_at=_now(), by=nurse, **{field: value})
    assert VitalsSet.objects.count() == 1


def test_systolic_must_be_above_diastolic(episode, nurse):
    with pytest.raises(ValidationError, match="Systolic BP must be higher than diastolic"):
        services.vitals_record(
            episode=episode, observed_at=_now(), by=nurse, systolic=80, diastolic=80
        )


def test_a_nasal_cannula_needs_its_flow(episode, nurse):
    with pytest.raises(ValidationError, match="Oxygen flow is required for a nasal cannula"):
        services.vitals_record(
            episode=episode,
            observed_at=_now(),
            by=nurse,
            oxygen_device="nasal_cannula",
            oxygen_flow_l_min=0,
        )
    services.vitals_record(episode=episode, observed_at=_now(), by=nurse, oxygen_device="room_air")


def test_the_database_itself_refuses_implausible_values(episode, nurse):
    # Bypasses the service and its validation: the constraint is the last guard.
    with pytest.raises(IntegrityError), transaction.atomic():
        VitalsSet.objects.create(
            episode=episode, observed_at=_now(), recorded_by=nurse, temperature_c=Decimal("46.0")
        )


def test_a_future_observation_is_refused(episode, nurse):
    with pytest.raises(ValidationError) as error:
        services.vitals_record(
            episode=episode, observed_at=timezone.now() + timedelta(minutes=6), by=nurse
        )
    assert "future" in error.value.message_dict["observed_at"][0]


def test_a_few_minutes_of_tablet_clock_drift_is_accepted(episode, nurse):
    services.vitals_record(
        episode=episode, observed_at=timezone.now() + timedelta(minutes=4), by=nurse
    )


def test_an_observation_before_admission_is_refused(episode, nurse):
    with pytest.raises(ValidationError) as error:
        services.vitals_record(
            episode=episode, observed_at=episode.admitted_at - timedelta(minutes=1), by=nurse
        )
    assert "before this patient's admission" in error.value.message_dict["observed_at"][0]


def test_weight_outside_range_is_refused(episode, nurse):
    with pytest.raises(ValidationError) as error:
        services.weight_record(episode=episode, observed_at=_now(), by=nurse, weight_kg=351)
    assert "weight_kg" in error.value.message_dict


def test_map_is_derived_when_not_measured(episode, nurse):
    vitals = services.vitals_record(
        episode=episode, observed_at=_now(), by=nurse, systolic=95, diastolic=50
    )
    assert vitals.derived_mean_arterial == pytest.approx(65.0)
    vitals.mean_arterial = 70
    assert vitals.derived_mean_arterial == 70


def test_the_ice_score_is_computed_from_its_ten_items(episode, nurse):
    neuro = services.neuro_record(
        episode=episode,
        observed_at=_now(),
        by=nurse,
        tool="ICE",
        orient_year=True,
        orient_month=True,
        orient_city=False,
        orient_hospital=True,
        name_object_1=True,
        name_object_2=True,
        name_object_3=True,
        follows_commands=True,
        writes_sentence=False,
        counts_back=True,
    )
    assert neuro.score == 8
    neuro.unable_to_perform = True
    assert neuro.score is None


def test_vasopressors_are_recorded_with_the_vitals(episode, nurse):
    vitals = services.vitals_record(
        episode=episode,
        observed_at=_now(),
        by=nurse,
        systolic=84,
        diastolic=50,
        vasopressors=["norepinephrine", "vasopressin"],
    )
    assert sorted(p.drug for p in vitals.vasopressors.all()) == ["norepinephrine", "vasopressin"]


def test_a_patient_has_one_active_episode(episode):
    with pytest.raises(IntegrityError), transaction.atomic():
        Episode.objects.create(
            patient=episode.patient,
            product="other",
            admitted_at=episode.admitted_at,
            infusion_at=episode.infusion_at,
        )


def test_entered_in_error_keeps_the_row_with_who_when_and_why(episode, nurse):
    vitals = services.vitals_record(episode=episode, observed_at=_now(), by=nurse, temperature_c=39)
    services.enter_in_error(vitals, by=nurse, reason="Wrong patient's thermometer")
    vitals.refresh_from_db()
    assert vitals.is_entered_in_error
    assert vitals.entered_in_error_by == nurse
    assert vitals.entered_in_error_reason == "Wrong patient's thermometer"
    assert VitalsSet.objects.count() == 1
    assert not VitalsSet.objects.valid().exists()


def test_entered_in_error_needs_a_reason(episode, nurse):
    vitals = services.vitals_record(episode=episode, observed_at=_now(), by=nurse)
    with pytest.raises(ValidationError) as error:
        services.enter_in_error(vitals, by=nurse, reason="  ")
    assert "entered_in_error_reason" in error.value.message_dict


def test_a_row_cannot_be_entered_in_error_twice(episode, nurse):
    vitals = services.vitals_record(episode=episode, observed_at=_now(), by=nurse)
    services.enter_in_error(vitals, by=nurse, reason="duplicate")
    with pytest.raises(ValidationError, match="already"):
        services.enter_in_error(vitals, by=nurse, reason="again")


def test_chart_rows_are_never_deleted(episode, nurse):
    neuro = services.neuro_record(
        episode=episode, observed_at=_now(), by=nurse, tool="CAPD", capd_score=3
    )
    with pytest.raises(ValidationError, match="never deleted"):
        neuro.delete()
    assert NeuroAssessment.objects.count() == 1


def test_postgresql_refuses_a_raw_delete_of_chart_rows(on_postgresql, episode, nurse):
    services.vitals_record(episode=episode, observed_at=_now(), by=nurse)
    with pytest.raises(Exception, match="never deleted"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM patients_vitalsset")
    assert VitalsSet.objects.count() == 1
