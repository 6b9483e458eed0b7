"""PostgreSQL keeps what the monitors sent and what nurses answered: no
DELETE, no TRUNCATE (even for a replica session), and a pending set never
moves to another episode. The guard functions are grading's (0013-0015)."""

from django.db import migrations

TABLES = ("interop_inboundmessage", "interop_devicevitalsset", "interop_deviceobservation")
PARENTS = (
    ("interop_devicevitalsset", "episode_id"),
    ("interop_devicevitalsset", "message_id"),
    ("interop_deviceobservation", "vitals_set_id"),
    ("interop_inboundmessage", "patient_id"),
)


def forbid(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        for trigger, when, each, function in (
            ("no_delete", "DELETE", "ROW", "records_are_never_deleted"),
            ("no_truncate", "TRUNCATE", "STATEMENT", "records_are_never_truncated"),
        ):
            schema_editor.execute(
                f"CREATE TRIGGER {table}_{trigger} BEFORE {when} ON {table} "
                f"FOR EACH {each} EXECUTE FUNCTION {function}();"
            )
            schema_editor.execute(f"ALTER TABLE {table} ENABLE ALWAYS TRIGGER {table}_{trigger};")
    for table, column in PARENTS:
        name = f"{table}_keeps_{column}"
        schema_editor.execute(
            f"CREATE TRIGGER {name} BEFORE UPDATE OF {column} ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION records_keep_their_parent('{column}');"
        )
        schema_editor.execute(f"ALTER TABLE {table} ENABLE ALWAYS TRIGGER {name};")


def allow(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, column in PARENTS:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_keeps_{column} ON {table};")
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete ON {table};")
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};")


class Migration(migrations.Migration):
    dependencies = [
        ("interop", "0001_bedside_monitor_messages"),
        ("grading", "0015_records_keep_their_parent"),
    ]

    operations = [migrations.RunPython(forbid, allow)]
