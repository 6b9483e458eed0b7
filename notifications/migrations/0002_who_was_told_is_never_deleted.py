"""Who was told, through which channel, and who answered is audit: PostgreSQL
refuses DELETE and TRUNCATE on it, for replica sessions too, with the guards
of grading 0013 and 0014."""

from django.db import migrations

TABLES = ("notifications_alert", "notifications_notification", "notifications_delivery")


def forbid(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION records_are_never_deleted();"
        )
        schema_editor.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION records_are_never_truncated();"
        )
        schema_editor.execute(f"ALTER TABLE {table} ENABLE ALWAYS TRIGGER {table}_no_delete;")
        schema_editor.execute(f"ALTER TABLE {table} ENABLE ALWAYS TRIGGER {table}_no_truncate;")


def allow(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete ON {table};")
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};")


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_who_is_told"),
        ("grading", "0014_records_are_never_deleted"),
    ]

    operations = [migrations.RunPython(forbid, allow)]
