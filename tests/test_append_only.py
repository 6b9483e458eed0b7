"""PostgreSQL itself keeps the clinical record append-only: no DELETE on any
record or audit table, even with `session_replication_role = replica`, and no
record moved to another parent (grading migrations 0014 and 0015)."""

from datetime import timedelta
from decimal import Decimal

import pghistory
import pghistory.models
import pytest
from django.apps import apps
from django.contrib.sessions.models import Session
from django.db import connection, transaction
from django.utils import timezone

from grading import prompt_services
from grading.models import (
    Assessment,
    BlockedDose,
    DoseConfirmation,
    DoseOverride,
    DoseVerification,
    EpisodeProtocolChange,
    News2ScaleChange,
    Prompt,
    PromptResponse,
    ProtocolChange,
    TocilizumabStock,
)
from interop.models import (
    DeviceObservation,
    DeviceVitalsSet,
    FhirAccess,
    FhirImport,
    InboundMessage,
)
from notifications.models import Alert, Delivery, Notification
from patients import services as chart
from patients.models import CHART_MODELS, Episode, Patient, Vasopressor, VitalsSet

pytestmark = pytest.mark.django_db

RECORDS = [
    *CHART_MODELS,
    Vasopressor,
    Patient,
    Episode,
    Assessment,
    Prompt,
    PromptResponse,
    DoseOverride,
    DoseConfirmation,
    DoseVerification,
    BlockedDose,
    TocilizumabStock,
    ProtocolChange,
    EpisodeProtocolChange,
    News2ScaleChange,
    # What bedside monitors sent and what nurses answered (interop).
    InboundMessage,
    DeviceVitalsSet,
    DeviceObservation,
    # What FHIR clients read and imported (interop).
    FhirAccess,
    FhirImport,
    Alert,
    Notification,
    Delivery,
]
GUARDS = ("chart_rows_are_never_deleted", "records_are_never_deleted")


def _audit_tables() -> list[str]:
    events = [m for m in apps.get_models() if issubclass(m, pghistory.models.Event)]
    return [pghistory.models.Context._meta.db_table, *(m._meta.db_table for m in events)]


def _triggers(functions) -> dict[str, str]:
    """Guarded table -> how its trigger is enabled ('A': always, even for replicas)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgrelid::regclass::text, tgenabled FROM pg_trigger "
            "WHERE tgfoid::regproc::text = ANY(%s)",
            [list(functions)],
        )
        return dict(cursor.fetchall())


def _ago(minutes: float):
    return timezone.now() - timedelta(minutes=minutes)


@pytest.fixture
def answered(episode, nurse, physician, committed):
    """Febrile on nasal cannula, weighed: graded, prompted and answered."""
    with committed():
        chart.weight_record(episode=episode, observed_at=_ago(600), by=nurse, weight_kg=80)
        chart.vitals_record(
            episode=episode,
            observed_at=_ago(5),
            by=nurse,
            temperature_c=Decimal("38.9"),
            oxygen_device="nasal_cannula",
            oxygen_flow_l_min=3,
        )
    prompt = Prompt.objects.filter(episode=episode).live().first()
    with pghistory.context(url="/test/"):  # as a request records who and where
        prompt_services.prompt_respond(prompt, by=physician, response="done")
    return episode


def _run(sql: str, *, replica: bool = False) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        if replica:
            # What a superuser could do to skip ordinary triggers.
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql)


def test_every_record_and_audit_table_refuses_delete_even_for_a_replica(on_postgresql):
    # Built from the models: a new record or audit table without the trigger fails here.
    wanted = {model._meta.db_table for model in RECORDS} | set(_audit_tables())
    guarded = _triggers(GUARDS)
    assert wanted - set(guarded) == set()
    assert {table: guarded[table] for table in wanted if guarded[table] != "A"} == {}


def test_truncate_guards_fire_for_a_replica_too(on_postgresql):
    wanted = {model._meta.db_table for model in RECORDS} | set(_audit_tables())
    guarded = _triggers(["records_are_never_truncated"])
    assert {table: guarded.get(table) for table in wanted if guarded.get(table) != "A"} == {}


@pytest.mark.parametrize(
    "model",
    [
        Assessment,
        Prompt,
        PromptResponse,
        Patient,
        Episode,
        pghistory.models.Context,
        apps.get_model("patients", "VitalsSetEvent"),
        apps.get_model("grading", "PromptResponseEvent"),
    ],
    ids=lambda m: m._meta.db_table,
)
@pytest.mark.parametrize("replica", [False, True], ids=["plain", "replica"])
def test_a_delete_is_refused_and_the_rows_stay(on_postgresql, answered, model, replica):
    table = model._meta.db_table
    before = model.objects.count()
    assert before > 0
    with pytest.raises(Exception, match="never deleted"):
        _run(f"DELETE FROM {connection.ops.quote_name(table)}", replica=replica)
    assert model.objects.count() == before


def test_sessions_are_still_deleted_on_logout(client, nurse):
    client.force_login(nurse)
    assert Session.objects.count() == 1
    client.post("/logout/")
    assert Session.objects.count() == 0


# --- parents ------------------------------------------------------------------


def test_an_episode_is_never_moved_to_another_patient(on_postgresql, answered, make_episode):
    other = make_episode().patient
    with pytest.raises(Exception, match="keeps its parent"):
        _run(f"UPDATE patients_episode SET patient_id = {other.pk} WHERE id = {answered.pk}")
    answered.refresh_from_db()
    assert answered.patient_id != other.pk


@pytest.mark.parametrize(
    ("model", "column"),
    [(VitalsSet, "episode_id"), (Assessment, "episode_id"), (Prompt, "episode_id")],
)
def test_a_record_is_never_moved_to_another_episode(
    on_postgresql, answered, make_episode, model, column
):
    other = make_episode()
    with pytest.raises(Exception, match="keeps its parent"):
        _run(f"UPDATE {model._meta.db_table} SET {column} = {other.pk}")
    assert not model.objects.filter(episode=other).exists()


def test_an_assessment_is_never_moved_to_another_patient(on_postgresql, answered, make_episode):
    other = make_episode().patient
    with pytest.raises(Exception, match="keeps its parent"):
        _run(f"UPDATE grading_assessment SET patient_id = {other.pk}", replica=True)


def test_a_patient_still_moves_ward_and_rows_still_change(on_postgresql, answered, ward):
    from patients.models import Ward

    other = Ward.objects.create(name="Ward 2", time_zone="Europe/London", protocol="A")
    Patient.objects.filter(pk=answered.patient_id).update(ward=other)
    # Updating a parent column to the same value is no move.
    VitalsSet.objects.filter(episode=answered).update(episode=answered)
    assert Patient.objects.get(pk=answered.patient_id).ward == other
