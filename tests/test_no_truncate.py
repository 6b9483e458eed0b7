"""PostgreSQL itself refuses TRUNCATE on the clinical record and its audit
trail: DELETE triggers do not fire for it (grading migration 0013)."""

from datetime import timedelta

import pghistory.models
import pytest
from django.apps import apps
from django.db import connection, transaction
from django.utils import timezone

from grading.models import Assessment, Prompt, PromptResponse
from interop.models import (
    DeviceObservation,
    DeviceVitalsSet,
    FhirAccess,
    FhirImport,
    InboundMessage,
)
from notifications.models import Alert, Delivery, Notification
from patients import services
from patients.models import CHART_MODELS, Episode, Patient, Vasopressor, VitalsSet

pytestmark = pytest.mark.django_db

RECORDS = [*CHART_MODELS, Vasopressor, Patient, Episode, Assessment, Prompt, PromptResponse]
RECORDS += [InboundMessage, DeviceVitalsSet, DeviceObservation, FhirAccess, FhirImport]
RECORDS += [Alert, Notification, Delivery]


def _audit_tables() -> list[str]:
    events = [m for m in apps.get_models() if issubclass(m, pghistory.models.Event)]
    return [pghistory.models.Context._meta.db_table, *(m._meta.db_table for m in events)]


def _guarded_tables() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgrelid::regclass::text FROM pg_trigger "
            "WHERE tgfoid = 'records_are_never_truncated'::regproc"
        )
        return {row[0] for row in cursor.fetchall()}


def _truncate(table: str) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        # As on a real database: only the test database lets TRUNCATE through.
        cursor.execute("SET LOCAL crsmonitor.allow_truncate = 'off'")
        # Check this transaction's deferred foreign keys now, as a commit would:
        # PostgreSQL refuses to TRUNCATE a table with checks still pending.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"TRUNCATE {connection.ops.quote_name(table)} CASCADE")


def test_every_record_and_audit_table_refuses_truncate(on_postgresql):
    # Built from the models: a new audit table without the trigger fails here.
    wanted = {model._meta.db_table for model in RECORDS} | set(_audit_tables())
    assert wanted - _guarded_tables() == set()


@pytest.mark.parametrize(
    "table", ["patients_vitalsset", "grading_assessment", "pghistory_context", "patients_patient"]
)
def test_a_truncate_is_refused_and_the_rows_stay(on_postgresql, episode, nurse, table):
    services.vitals_record(
        episode=episode,
        observed_at=timezone.now() - timedelta(minutes=1),
        by=nurse,
        temperature_c=38.1,
    )
    with pytest.raises(Exception, match="never truncated"):
        _truncate(table)
    assert VitalsSet.objects.count() == 1
    assert Patient.objects.count() == 1
