"""PostgreSQL refuses to move a record to another parent: an episode to
another patient, a chart row to another episode, an assessment to another
episode or patient. Moving an episode would carry its chart rows to the new
patient and leave its assessments on the old one; whatever path tries it
(the admin, a console, a script), the row stays where it was written.

A patient moving ward is a real transfer and stays allowed.
"""

from django.db import migrations

PARENTS = (
    ("patients_episode", "patient_id"),
    ("patients_weightmeasurement", "episode_id"),
    ("patients_vitalsset", "episode_id"),
    ("patients_vasopressor", "vitals_id"),
    ("patients_neuroassessment", "episode_id"),
    ("patients_labresult", "episode_id"),
    ("patients_medicationadministration", "episode_id"),
    ("patients_workupevent", "episode_id"),
    ("grading_assessment", "episode_id"),
    ("grading_assessment", "patient_id"),
    ("grading_prompt", "episode_id"),
    ("grading_promptresponse", "prompt_id"),
    ("grading_doseoverride", "medication_id"),
    ("grading_doseconfirmation", "medication_id"),
    ("grading_doseverification", "medication_id"),
    ("grading_blockeddose", "episode_id"),
    ("grading_tocilizumabstock", "episode_id"),
    ("grading_protocolchange", "ward_id"),
    ("grading_episodeprotocolchange", "episode_id"),
    ("grading_news2scalechange", "episode_id"),
)

FUNCTION = """
CREATE OR REPLACE FUNCTION records_keep_their_parent() RETURNS trigger AS $$
BEGIN
    IF to_jsonb(OLD) -> TG_ARGV[0] IS DISTINCT FROM to_jsonb(NEW) -> TG_ARGV[0] THEN
        RAISE EXCEPTION 'A record keeps its parent (%.%): it is never moved to another.',
            TG_TABLE_NAME, TG_ARGV[0];
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""


def _trigger(table: str, column: str) -> str:
    return f"{table}_keeps_{column}"


def forbid_moves(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION, params=None)
    for table, column in PARENTS:
        name = _trigger(table, column)
        schema_editor.execute(
            f"CREATE TRIGGER {name} BEFORE UPDATE OF {column} ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION records_keep_their_parent('{column}');"
        )
        # Fires under session_replication_role = replica too (grading 0014).
        schema_editor.execute(f"ALTER TABLE {table} ENABLE ALWAYS TRIGGER {name};")


def allow_moves(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, column in PARENTS:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {_trigger(table, column)} ON {table};")
    schema_editor.execute("DROP FUNCTION IF EXISTS records_keep_their_parent();")


class Migration(migrations.Migration):
    dependencies = [("grading", "0014_records_are_never_deleted")]

    operations = [migrations.RunPython(forbid_moves, allow_moves)]
