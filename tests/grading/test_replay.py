"""`manage.py grade --assessment N` replays a stored assessment from its
stored inputs and says whether today's rules agree."""

import io
import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from grading import services
from grading.models import Assessment
from patients import services as chart

pytestmark = pytest.mark.django_db


def _replay(pk: int) -> dict:
    out = io.StringIO()
    call_command("grade", assessment=pk, stdout=out)
    return json.loads(out.getvalue())


@pytest.fixture
def graded(episode, nurse):
    chart.vitals_record(
        episode=episode,
        observed_at=timezone.now() - timedelta(minutes=20),
        by=nurse,
        temperature_c=Decimal("38.9"),
        systolic=88,
        diastolic=50,
        vasopressors=["norepinephrine"],
    )
    return services.regrade(episode, trigger="new_data")


def test_a_stored_assessment_replays_and_agrees(graded):
    assert graded.crs_grade == 3
    result = _replay(graded.pk)
    assert result["agrees"] is True and result["differences"] == []
    assert result["result"]["crs"]["grade"] == 3
    assert result["stored_rules_version"] == result["rules_version"]


def test_a_replay_names_what_today_s_rules_decide_differently(graded):
    stored = Assessment.objects.defer(None).get(pk=graded.pk)
    # As if an older rules version had stored grade 2 for the same inputs.
    details = {**stored.details, "crs": {**stored.details["crs"], "grade": 2}}
    Assessment.objects.filter(pk=graded.pk).update(details=details)
    result = _replay(graded.pk)
    assert result["agrees"] is False
    assert {"what": "crs.grade", "stored": 2, "today": 3} in result["differences"]


def test_the_board_does_not_load_the_stored_inputs(graded):
    assessment = Assessment.objects.get(pk=graded.pk)
    assert "inputs" in assessment.get_deferred_fields()


@pytest.mark.parametrize(
    "pk, words",
    [(999_999, "no assessment 999999"), (None, "stored without its inputs")],
)
def test_what_cannot_be_replayed_exits_2_naming_why(graded, capsys, pk, words):
    if pk is None:
        Assessment.objects.filter(pk=graded.pk).update(inputs={})
        pk = graded.pk
    err = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("grade", assessment=pk, stderr=err)
    assert exit_.value.code == 2
    assert words in err.getvalue()


def test_every_reason_on_the_grade_panel_answers_why(client, physician, graded):
    client.force_login(physician)
    panel = client.get(reverse("grade_panel", args=[graded.episode.patient_id])).content.decode()
    reasons = graded.crs_reasons + graded.icans_reasons + graded.details["acuity"]["reasons"]
    assert panel.count("<summary>why?</summary>") == len(reasons)
    assert "Rule <code>acuity.crs</code>" in panel
    assert "Rule <code>crs.circulation</code>" in panel
    assert "ASTCT 2019 (Lee et al.), table 2" in panel
    # The CRS course with its maximum grade (clinical-rules section 8).
    assert "CRS active: onset day" in panel and "maximum grade 3" in panel
    # The chart rows the grades were drawn from, in words.
    assert "Chart rows these grades used" in panel and "norepinephrine" in panel.lower()
