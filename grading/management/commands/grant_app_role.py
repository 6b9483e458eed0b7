"""`manage.py grant_app_role [ROLE]`: give the application's PostgreSQL role
exactly what the web server, worker and beat need, and nothing that could
undo the record.

Run by the owner of the tables (the role `migrate` runs as), after every
migrate; it starts from nothing each time, so running it twice changes
nothing. The application's role may read, add and update rows (only add
assessments and audit events), and delete only what is not the clinical
record (sessions, sign-in attempts, accounts, ward staff, lab limits, what a
user has seen on the board). It owns no table,
so it can neither TRUNCATE, nor DISABLE TRIGGER, nor drop a guard; it is no
superuser, so it cannot set `session_replication_role`.
"""

import pghistory.models
from axes.models import AccessAttempt, AccessAttemptExpiration, AccessFailureLog, AccessLog
from django.apps import apps
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group, User
from django.contrib.sessions.models import Session
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.migrations.recorder import MigrationRecorder

from grading.models import Assessment, BoardSeen
from interop.models import FhirAccess, FhirImport, InboundMessage
from notifications.models import OnCallShift
from patients.models import Ward, WardLabLimit

# Rows the application deletes in its ordinary work; none is a clinical record.
DELETABLE = (
    Session,  # signing out, expiry
    AccessAttempt,  # django-axes forgets failures after a good sign-in
    AccessAttemptExpiration,
    AccessFailureLog,
    AccessLog,
    User,  # an account that never charted (records PROTECT the others)
    User.groups.through,
    User.user_permissions.through,
    Group,
    Group.permissions.through,
    LogEntry,  # goes with a deleted account
    Ward.staff.through,  # assigning staff to wards
    WardLabLimit,  # a ward's lab reference limits, edited in the admin
    BoardSeen,  # what a user last saw on the board
    OnCallShift,  # goes with a deleted account (a shift taken off the rota is kept, cancelled)
)


def append_only() -> list[type]:
    """Rows the application adds and never changes: the assessments and every
    audit event (pghistory's context is updated as a request goes on)."""
    events = [m for m in apps.get_models() if issubclass(m, pghistory.models.Event)]
    # What the bedside monitors sent, as received, and the FHIR access log
    # and import ledger (interop): each written once.
    return [Assessment, InboundMessage, FhirAccess, FhirImport, *events]


class Command(BaseCommand):
    help = "Grant the application's database role its rights (run as the owner, after migrate)."

    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "role",
            nargs="?",
            default=settings.DATABASE_APP_ROLE,
            help="the role the web server, worker and beat connect as (default: DATABASE_APP_ROLE)",
        )

    def handle(self, *args, role: str, **options):
        if connection.vendor != "postgresql":
            raise CommandError("Database roles need PostgreSQL (set DATABASE_URL).")
        if not role:
            raise CommandError("Name the application's role, or set DATABASE_APP_ROLE.")
        with transaction.atomic(), connection.cursor() as cursor:
            self._refuse_a_role_that_could_undo_the_record(cursor, role)
            tables = self._grant(cursor, role)
        self.stdout.write(
            f"{role} may read, add and update rows in {tables} tables, only add to the "
            f"{len(append_only())} of assessments and audit events, and delete rows only "
            f"in the {len(DELETABLE)} that hold no clinical record."
        )

    def _refuse_a_role_that_could_undo_the_record(self, cursor, role: str) -> None:
        cursor.execute(
            "SELECT rolsuper OR rolbypassrls OR rolcreaterole, rolname = current_user "
            "FROM pg_roles WHERE rolname = %s",
            [role],
        )
        found = cursor.fetchone()
        if found is None:
            raise CommandError(
                f"Role {role} does not exist: create it first "
                f"(CREATE ROLE {role} LOGIN PASSWORD '...')."
            )
        powerful, is_owner = found
        if is_owner:
            raise CommandError(
                f"{role} is the role running this command, which owns the tables: "
                "the application needs a role of its own."
            )
        if powerful:
            raise CommandError(
                f"{role} is a superuser or may create roles or bypass row security: "
                "it could switch off the record's guards."
            )
        # Owning a table, or being able to SET ROLE to its owner, allows TRUNCATE
        # and DISABLE TRIGGER.
        cursor.execute(
            "SELECT count(*) FROM pg_class WHERE relnamespace = current_schema()::regnamespace "
            "AND pg_has_role(%s, relowner, 'MEMBER')",
            [role],
        )
        if owned := cursor.fetchone()[0]:
            raise CommandError(
                f"{role} owns, or may act as the owner of, {owned} tables or sequences: "
                "an owner may TRUNCATE and disable triggers. Give the application a role "
                "of its own, member of no other."
            )

    def _grant(self, cursor, role: str) -> int:
        name = connection.ops.quote_name(role)
        schema = connection.ops.quote_name(self._schema(cursor))
        database = connection.ops.quote_name(connection.settings_dict["NAME"])
        deletable = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in DELETABLE)
        added_only = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in append_only())
        migrations = connection.ops.quote_name(MigrationRecorder.Migration._meta.db_table)
        for statement in (
            # From nothing, so that a right taken away here is taken away there.
            f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {name}",
            f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM {name}",
            f"GRANT CONNECT ON DATABASE {database} TO {name}",
            f"GRANT USAGE ON SCHEMA {schema} TO {name}",
            f"GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA {schema} TO {name}",
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {name}",
            f"GRANT DELETE ON {deletable} TO {name}",
            f"REVOKE UPDATE ON {added_only} FROM {name}",
            # Which migrations ran is the owner's to say.
            f"REVOKE INSERT, UPDATE ON {migrations} FROM {name}",
            # Tables a later migration adds, until this command runs again.
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} "
            f"GRANT SELECT, INSERT, UPDATE ON TABLES TO {name}",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} "
            f"GRANT USAGE, SELECT ON SEQUENCES TO {name}",
        ):
            cursor.execute(statement)
        cursor.execute(
            "SELECT count(*) FROM pg_class WHERE relkind IN ('r', 'p') "
            "AND relnamespace = current_schema()::regnamespace"
        )
        return cursor.fetchone()[0]

    @staticmethod
    def _schema(cursor) -> str:
        cursor.execute("SELECT current_schema()")
        return cursor.fetchone()[0]
