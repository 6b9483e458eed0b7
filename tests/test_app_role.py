"""The application's PostgreSQL role (`manage.py grant_app_role`) charts and
grades as the app does, and cannot undo the record: no DELETE of a chart row
or an assessment, no TRUNCATE, no disabling a trigger, no replica session."""

import io
import uuid
from datetime import timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.utils import timezone

from grading.management.commands.grant_app_role import DELETABLE, append_only
from grading.models import Assessment
from patients import services
from patients.models import VitalsSet

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def app_role(on_postgresql):
    """A throwaway role of the application's kind (roles belong to the whole
    server, hence a name of its own), granted its rights by the command."""
    role = f"crs_app_{uuid.uuid4().hex[:12]}"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {role} LOGIN")
    try:
        call_command("grant_app_role", role, stdout=io.StringIO())
        yield role
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP OWNED BY {role}")
            cursor.execute(f"DROP ROLE {role}")


@pytest.fixture
def as_app_role(app_role):
    """The app's own connection, signed in as the application's role."""

    def connect():
        connection.close()
        connection.settings_dict["USER"] = app_role
        connection.settings_dict["PASSWORD"] = ""

    owner = (connection.settings_dict["USER"], connection.settings_dict["PASSWORD"])
    connection.close()
    yield connect
    connection.close()
    connection.settings_dict["USER"], connection.settings_dict["PASSWORD"] = owner


def _refused(sql: str, match: str) -> None:
    with pytest.raises(Exception, match=match), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(sql)


def test_the_app_role_charts_and_grades_but_cannot_undo_the_record(
    as_app_role, app_role, episode, nurse
):
    as_app_role()
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        assert cursor.fetchone()[0] == app_role
    # The app's own path: INSERT and UPDATE, the audit trail, the regrade.
    services.vitals_record(
        episode=episode,
        observed_at=timezone.now() - timedelta(minutes=5),
        by=nurse,
        temperature_c=38.6,
    )
    assert VitalsSet.objects.count() == 1
    assert Assessment.objects.filter(episode=episode).exists()
    assessments = Assessment.objects.count()

    _refused("DELETE FROM patients_vitalsset", "permission denied")
    _refused("DELETE FROM grading_assessment", "permission denied")
    _refused("TRUNCATE patients_vitalsset", "permission denied")
    _refused("TRUNCATE grading_assessment CASCADE", "permission denied")
    _refused(
        "ALTER TABLE patients_vitalsset DISABLE TRIGGER patients_vitalsset_no_delete",
        "must be owner",
    )
    _refused("ALTER TABLE grading_assessment DISABLE TRIGGER ALL", "must be owner")
    _refused("SET session_replication_role = replica", "permission denied")
    _refused("DROP TRIGGER patients_vitalsset_no_delete ON patients_vitalsset", "must be owner")
    # Assessments and the audit trail are only ever added to.
    _refused("UPDATE grading_assessment SET crs_grade = 0", "permission denied")
    _refused("UPDATE patients_vitalssetevent SET temperature_c = 37", "permission denied")

    assert VitalsSet.objects.count() == 1
    assert Assessment.objects.count() == assessments


def test_the_app_role_still_signs_people_out(as_app_role):
    as_app_role()
    session = SessionStore()
    session.create()
    session.delete()
    assert not SessionStore().exists(session.session_key)


def test_the_app_role_deletes_only_rows_that_are_no_record(app_role):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relkind = 'r' "
            "AND relnamespace = current_schema()::regnamespace "
            "AND has_table_privilege(%s, oid, 'DELETE')",
            [app_role],
        )
        deletable = {row[0] for row in cursor.fetchall()}
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relkind = 'r' "
            "AND relnamespace = current_schema()::regnamespace "
            "AND (has_table_privilege(%s, oid, 'TRUNCATE') "
            "OR has_table_privilege(%s, oid, 'TRIGGER'))",
            [app_role, app_role],
        )
        truncatable = {row[0] for row in cursor.fetchall()}
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relkind = 'r' "
            "AND relnamespace = current_schema()::regnamespace "
            "AND has_table_privilege(%s, oid, 'INSERT') "
            "AND NOT has_table_privilege(%s, oid, 'UPDATE')",
            [app_role, app_role],
        )
        added_only = {row[0] for row in cursor.fetchall()}
    assert deletable == {model._meta.db_table for model in DELETABLE}
    assert truncatable == set()
    assert added_only == {model._meta.db_table for model in append_only()}
    assert {"grading_assessment", "patients_vitalssetevent"} <= added_only


def test_granting_twice_changes_nothing(app_role):
    def rights():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT table_name, privilege_type FROM information_schema.role_table_grants "
                "WHERE grantee = %s ORDER BY 1, 2",
                [app_role],
            )
            return cursor.fetchall()

    before = rights()
    call_command("grant_app_role", app_role, stdout=io.StringIO())
    assert rights() == before
    assert ("patients_vitalsset", "INSERT") in before
    assert ("patients_vitalsset", "DELETE") not in before


def test_a_role_that_could_undo_the_record_is_refused(on_postgresql):
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        owner = cursor.fetchone()[0]
    with pytest.raises(CommandError, match="owns the tables"):
        call_command("grant_app_role", owner)
    with pytest.raises(CommandError, match="does not exist"):
        call_command("grant_app_role", f"crs_nobody_{uuid.uuid4().hex[:8]}")


def test_a_member_of_the_owner_role_is_refused(on_postgresql):
    role = f"crs_app_{uuid.uuid4().hex[:12]}"
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        owner = cursor.fetchone()[0]
        cursor.execute(f"CREATE ROLE {role} LOGIN IN ROLE {owner}")
    try:
        with pytest.raises(CommandError, match="superuser|owner"):
            call_command("grant_app_role", role)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP ROLE {role}")


def test_the_app_role_signs_a_nurse_in_and_out_and_shows_the_board(
    as_app_role, client, nurse, episode
):
    as_app_role()
    # A failed attempt first: django-axes records it, and forgets it on success.
    client.post("/login/", {"username": "nina.nurse", "password": "wrong-password"})
    signed_in = client.post(
        "/login/", {"username": "nina.nurse", "password": "a-long-test-password"}
    )
    assert signed_in.status_code == 302
    board = client.get("/", follow=True)
    assert board.status_code == 200
    assert board.redirect_chain[-1][0] == f"/wards/{episode.patient.ward_id}/"
    assert client.post("/logout/").status_code == 302
    assert client.get("/")["Location"].startswith("/login/")
