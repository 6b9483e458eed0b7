"""PostgreSQL refuses TRUNCATE on the clinical record and its audit trail.

Row triggers (patients 0003) refuse DELETE, but TRUNCATE fires no row
trigger: one statement would empty a chart table. A statement-level BEFORE
TRUNCATE trigger refuses it too. It is the second line: the first is that
the application's own role may not TRUNCATE at all.

Tests empty their database between transactional tests with TRUNCATE, so a
database may opt out with `crsmonitor.allow_truncate = on`; only the test
database does (tests/conftest.py).
"""

from django.db import migrations

RECORD_TABLES = (
    # The chart (as in patients 0003) and what it belongs to.
    "patients_patient",
    "patients_episode",
    "patients_weightmeasurement",
    "patients_vitalsset",
    "patients_vasopressor",
    "patients_neuroassessment",
    "patients_labresult",
    "patients_medicationadministration",
    "patients_workupevent",
    # What was graded and advised, and what clinicians answered and decided.
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
    # The audit trail (django-pghistory).
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
CREATE OR REPLACE FUNCTION records_are_never_truncated() RETURNS trigger AS $$
BEGIN
    IF current_setting('crsmonitor.allow_truncate', true) = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'Clinical records are never truncated (%): mark rows entered in error.',
        TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
"""


def forbid_truncate(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION, params=None)
    for table in RECORD_TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION records_are_never_truncated();"
        )


def allow_truncate(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in RECORD_TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};")
    schema_editor.execute("DROP FUNCTION IF EXISTS records_are_never_truncated();")


class Migration(migrations.Migration):
    dependencies = [
        ("grading", "0012_free_text_is_bounded"),
        ("patients", "0015_free_text_is_bounded_and_oxygen_flow_r2"),
        ("pghistory", "0007_auto_20250421_0444"),
    ]

    operations = [migrations.RunPython(forbid_truncate, allow_truncate)]
