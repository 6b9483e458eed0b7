"""PostgreSQL refuses DELETE on chart tables: the last guard behind the
"entered in error, never deleted" rule, whatever code or console issues it."""

from django.db import migrations

CHART_TABLES = (
    "patients_weightmeasurement",
    "patients_vitalsset",
    "patients_vasopressor",
    "patients_neuroassessment",
    "patients_labresult",
    "patients_medicationadministration",
)

FUNCTION = """
CREATE OR REPLACE FUNCTION chart_rows_are_never_deleted() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'Chart rows are never deleted (%): mark the row entered in error.',
        TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
"""


def forbid_deletes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION, params=None)
    for table in CHART_TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION chart_rows_are_never_deleted();"
        )


def allow_deletes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in CHART_TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete ON {table};")
    schema_editor.execute("DROP FUNCTION IF EXISTS chart_rows_are_never_deleted();")


class Migration(migrations.Migration):
    dependencies = [("patients", "0002_roles_and_lab_catalogue")]

    operations = [migrations.RunPython(forbid_deletes, allow_deletes)]
