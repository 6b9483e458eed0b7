"""The FHIR access log and import ledger are records: PostgreSQL refuses DELETE
and TRUNCATE on them, even for a replica session, with the functions of
grading 0013 and 0014. And the interface role, which the FHIR import charts
as (crsmonitor/policy.py), exists as a group like the clinical roles."""

from django.db import migrations

TABLES = ("interop_fhiraccess", "interop_fhirimport")


def forbid(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.get_or_create(name="interface")
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
        ("interop", "0003_fhir_clients_and_access_log"),
        ("grading", "0014_records_are_never_deleted"),
    ]

    operations = [migrations.RunPython(forbid, allow)]
