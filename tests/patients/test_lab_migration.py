"""The lab catalogue migration adds the new tests and reference lows and
rewrites no result: a value charted before means what it meant."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = ("patients", "0009_ward_r2_choices")
AFTER = ("patients", "0010_lab_units_and_reference_limits")
# The catalogue as migration 0002 first seeded it.
FIRST_TEN = (
    ("crp", "C-reactive protein", "mg/L", "1988-5", 5.0),
    ("ferritin", "Ferritin", "ng/mL", "2276-4", 400.0),
    ("fibrinogen", "Fibrinogen", "mg/dL", "3255-7", 400.0),
    ("ldh", "Lactate dehydrogenase", "U/L", "2532-0", 250.0),
    ("anc", "Absolute neutrophil count", "/uL", "751-8", 7500.0),
    ("platelets", "Platelets", "/uL", "777-3", 450000.0),
    ("alt", "ALT", "U/L", "1742-6", 40.0),
    ("ast", "AST", "U/L", "1920-8", 40.0),
    ("creatinine", "Creatinine", "mg/dL", "2160-0", 1.2),
    ("il6", "Interleukin-6", "pg/mL", "26881-3", 7.0),
)


def _migrate(*targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(list(targets))
    return executor.loader.project_state(list(targets)).apps


@pytest.mark.django_db(transaction=True)
def test_existing_results_and_limits_survive_the_catalogue_migration():
    apps = _migrate(BEFORE)
    try:
        LabTest = apps.get_model("patients", "LabTest")
        # A site that started with the first ten tests, one limit set locally
        # (an earlier test may have flushed what the data migrations made).
        LabTest.objects.all().delete()
        for code, name, unit, loinc, uln in FIRST_TEN:
            LabTest.objects.create(code=code, name=name, unit=unit, loinc=loinc, upper_limit=uln)
        LabTest.objects.filter(code="crp").update(upper_limit=10)
        Ward = apps.get_model("patients", "Ward")
        Patient = apps.get_model("patients", "Patient")
        Episode = apps.get_model("patients", "Episode")
        LabResult = apps.get_model("patients", "LabResult")
        User = apps.get_model("auth", "User")
        nurse = User.objects.create(username="migration.nurse")
        ward = Ward.objects.create(name="Old ward")
        patient = Patient.objects.create(
            mrn="MIG-1",
            family_name="Old",
            given_name="Row",
            date_of_birth="1970-01-01",
            sex="female",
            ward=ward,
            bed="1",
        )
        now = timezone.now()
        episode = Episode.objects.create(
            patient=patient,
            product="axi-cel",
            admitted_at=now - timedelta(days=3),
            infusion_at=now - timedelta(days=2),
            chart_changed_at=now,
            protocol="A",
        )
        for code, value in (("platelets", 45_000), ("creatinine", 1.1), ("fibrinogen", 210)):
            LabResult.objects.create(
                episode=episode,
                test=LabTest.objects.get(code=code),
                value=value,
                observed_at=now - timedelta(hours=1),
                recorded_by=nurse,
            )

        apps = _migrate(AFTER)
        LabTest = apps.get_model("patients", "LabTest")
        LabResult = apps.get_model("patients", "LabResult")
        assert LabTest.objects.count() == 24
        results = {r.test.code: (r.value, r.test.unit) for r in LabResult.objects.all()}
        assert results == {
            "platelets": (45_000, "/uL"),
            "creatinine": (1.1, "mg/dL"),
            "fibrinogen": (210, "mg/dL"),
        }
        crp = LabTest.objects.get(code="crp")
        assert (crp.lower_limit, crp.upper_limit) == (None, 10)  # the local limit is kept
        platelets = LabTest.objects.get(code="platelets")
        assert (platelets.lower_limit, platelets.upper_limit) == (150_000, 450_000)
        assert Ward.objects.get(name="Old ward").pk == ward.pk
        assert apps.get_model("patients", "Ward").objects.get().lab_units == "conventional"
    finally:
        # Every app back to its newest migration: going back to BEFORE also
        # unapplied the migrations of other apps that depend on later ones.
        _migrate(*MigrationExecutor(connection).loader.graph.leaf_nodes())
