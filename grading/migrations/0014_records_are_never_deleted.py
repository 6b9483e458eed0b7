"""PostgreSQL refuses DELETE on the whole clinical record and its audit trail,
not only on the chart rows (patients 0003, 0013): what was graded and advised,
what clinicians answered and decided, and every audit event.

Every guard (these, the chart's and the TRUNCATE triggers of 0013) fires
ALWAYS: an ordinary trigger is skipped when a session sets
`session_replication_role = replica`, which would let a DELETE through.
Disabling a trigger needs the table's owner; the application's role owns
nothing (`manage.py grant_app_role`).
"""

from django.db import migrations

# Already refused by chart_rows_are_never_deleted (patients 0003 and 0013).
CHART_TABLES = (
    "patients_weightmeasurement",
    "patients_vitalsset",
    "patients_vasopressor",
    "patients_neuroassessment",
    "patients_labresult",
    "patients_medicationadministration",
    "patients_workupevent",
)

# The record tables of grading 0013 that no DELETE trigger guarded yet.
RECORD_TABLES = (
    "patients_patient",
    "patients_episode",
    "grading_assessment",
    "grading_prompt",
    "grading_promptresponse",
    "grading_doseoverride",
    "grading_doseconfirmation",
    "grading_doseverification",
    "grading_blockeddose",
    "grading_tocilizumabstock",
    "grading_protocolchange",
    "grading_episodeprotocolchange",
    "grading_news2scalechange",
    "pghistory_context",
    "patients_wardevent",
    "patients_patientevent",
    "patients_episodeevent",
    "patients_weightmeasurementevent",
    "patients_vitalssetevent",
    "patients_vasopressorevent",
    "patients_neuroassessmentevent",
    "patients_labresultevent",
    "patients_medicationadministrationevent",
    "patients_workupeventevent",
    "grading_promptevent",
    "grading_promptresponseevent",
    "grading_doseoverrideevent",
    "grading_doseconfirmationevent",
    "grading_doseverificationevent",
    "grading_blockeddoseevent",
    "grading_tocilizumabstockevent",
    "grading_episodeprotocolchangeevent",
    "grading_news2scalechangeevent",
)

FUNCTION = """
CREATE OR REPLACE FUNCTION records_are_never_deleted() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'Clinical records are never deleted (%): they are kept as written.',
        TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
"""


def forbid_deletes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION, params=None)
    for table in RECORD_TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION records_are_never_deleted();"
        )
    for table in CHART_TABLES + RECORD_TABLES:
        schema_editor.execute(f"ALTER TABLE {table} ENABLE ALWAYS TRIGGER {table}_no_delete;")
        schema_editor.execute(f"ALTER TABLE {table} ENABLE ALWAYS TRIGGER {table}_no_truncate;")


def allow_deletes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in CHART_TABLES + RECORD_TABLES:
        schema_editor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {table}_no_truncate;")
    for table in CHART_TABLES:
        schema_editor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {table}_no_delete;")
    for table in RECORD_TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete ON {table};")
    schema_editor.execute("DROP FUNCTION IF EXISTS records_are_never_deleted();")


class Migration(migrations.Migration):
    dependencies = [("grading", "0013_records_are_never_truncated")]

    operations = [migrations.RunPython(forbid_deletes, allow_deletes)]
