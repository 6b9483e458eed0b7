"""Prompts charted before r2 keep their meaning when the lifecycle arrives."""

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from grading import prompt_services, rules
from grading.models import Prompt, PromptResponse

BEFORE = [("grading", "0004_audit_trail_of_doses_and_prompts")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_live_prompts_stand_at_the_grade_of_their_last_answer(on_postgresql, episode, physician):
    apps = _migrate(BEFORE)
    try:
        Assessment = apps.get_model("grading", "Assessment")
        OldPrompt = apps.get_model("grading", "Prompt")
        OldResponse = apps.get_model("grading", "PromptResponse")
        now = timezone.now()

        def assess(hours_ago, crs):
            Assessment.objects.create(
                patient_id=episode.patient_id,
                episode_id=episode.pk,
                evaluated_at=now - timedelta(hours=hours_ago),
                trigger="new_data",
                crs_grade=crs,
                icans_grade=0,
                rules_version="r1",
                protocol="A",
            )

        def prompt(code, state="open", resolved_at=None):
            return OldPrompt.objects.create(
                episode_id=episode.pk,
                code=code,
                severity="critical",
                text="t",
                source="s",
                state=state,
                raised_at=now - timedelta(hours=5),
                resolved_at=resolved_at,
            )

        assess(5, 3)
        icu = prompt("icu_transfer", state="acknowledged")
        OldResponse.objects.create(
            prompt=icu,
            response="not_indicated",
            reason="Ward-based care",
            by_id=physician.pk,
            at=now - timedelta(hours=4),
        )
        assess(2, 4)  # rose after the answer: before r2 the answer still stood
        toci = prompt("tocilizumab_indicated")
        workup = prompt("infection_workup")
        gone = prompt("dexamethasone", state="resolved", resolved_at=now)
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    icu, toci, workup, gone = (Prompt.objects.get(pk=p.pk) for p in (icu, toci, workup, gone))
    assert (icu.state, icu.grade_scale, icu.grade) == ("acknowledged", "CRS", 3)
    assert PromptResponse.objects.get(prompt_id=icu.pk).grade == 3
    assert (toci.state, toci.grade) == ("open", 4)
    assert (workup.grade_scale, workup.grade) == ("", None)
    assert (gone.state, gone.grade) == ("resolved", None)

    # The next regrade at CRS 4 asks the ICU question again.
    found = rules.Prompt("icu_transfer", "critical", "CRS grade 4: Transfer to ICU", "seed 000")
    with transaction.atomic():
        prompt_services.sync_prompts(episode, (found,), timezone.now(), {"CRS": 4, "ICANS": 0})
    icu.refresh_from_db()
    assert icu.state == "superseded"
    assert Prompt.objects.live().get(code="icu_transfer").earlier_answer().grade == 3
