"""regrade: snapshot -> rules -> assessment. Safe to run twice or at once."""

import logging
from datetime import datetime

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from patients.models import Episode

from .chart_cache import CHARTS
from .models import Assessment
from .prompt_services import sync_prompts
from .rules import Snapshot, evaluate
from .rules.case import case_of, evaluation_to_json
from .rules.catalogue import RULES
from .rules.evaluate import Evaluation
from .signals import assessment_written

log = logging.getLogger(__name__)


def assessment_details(evaluation: Evaluation, snapshot: Snapshot) -> dict:
    """What the screens show beside the grades: the `manage.py grade` output,
    plus the words of NEWS2 and the due times with their intervals."""
    details = evaluation_to_json(evaluation)
    for kind, grade in (
        ("crs", evaluation.crs),
        ("icans", evaluation.icans),
        ("acuity", evaluation.acuity),
    ):
        # Each reason with the rule that produced it and its source ("why?").
        details[kind]["why"] = [
            {
                "rule": rule,
                "title": RULES[rule].title,
                "source": RULES[rule].source,
                "reason": reason,
            }
            for rule, reason in grade.why()
        ]
    details["news2"]["reason"] = evaluation.news2.reason
    details["news2"]["missing_words"] = list(evaluation.news2.missing_words)
    details["due"]["vitals_reason"] = evaluation.due.vitals_reason
    details["due"]["neuro_reason"] = evaluation.due.neuro_reason
    # The intervals, so a set charted after this assessment is timed right.
    details["due"]["vitals_interval_minutes"] = evaluation.due.vitals_interval.total_seconds() / 60
    details["due"]["neuro_interval_minutes"] = evaluation.due.neuro_interval.total_seconds() / 60
    return details


def regrade(episode: Episode, *, trigger: str, at: datetime | None = None) -> Assessment | None:
    """Grade the episode as of `at` (default now); store it if anything changed.

    Returns the new assessment, or None when the latest one already says the
    same. The episode row is locked for the whole run so that two regrades
    of one patient (a save and the sweep, say) write at most one assessment.
    """
    as_of_now = at is None
    with transaction.atomic():
        episode = (
            Episode.objects.select_for_update(of=("self",))
            .select_related("patient__ward")
            .get(pk=episode.pk)
        )
        at = at or timezone.now()
        chart_seen = episode.chart_changed_at
        snapshot = CHARTS.snapshot(episode, at)
        evaluation = evaluate(snapshot)
        candidate = Assessment(
            patient=episode.patient,
            episode=episode,
            evaluated_at=at,
            trigger=trigger,
            crs_grade=evaluation.crs.grade,
            icans_grade=evaluation.icans.grade,
            crs_reasons=list(evaluation.crs.reasons),
            icans_reasons=list(evaluation.icans.reasons),
            inputs_used=sorted(set(evaluation.crs.used) | set(evaluation.icans.used)),
            rules_version=evaluation.rules_version,
            protocol=episode.protocol,
            acuity=evaluation.acuity.level,
            news2_score=evaluation.news2.score,
            vitals_due_at=evaluation.due.vitals_at,
            neuro_due_at=evaluation.due.neuro_at,
            details=assessment_details(evaluation, snapshot),
        )
        previous = episode.assessments.filter(evaluated_at__lte=at).latest_first().first()
        changed = not candidate.same_result_as(previous)
        if changed:
            # The whole chart as the rules saw it, for replays: written only
            # with a new assessment, so an unchanged regrade never builds it.
            candidate.inputs = case_of(snapshot)
            candidate.save()
            if as_of_now:
                _announce(candidate, previous)
        if as_of_now:
            # Prompts are about now: a replay of past times leaves them alone.
            sync_prompts(
                episode,
                evaluation.prompts,
                at,
                {"CRS": evaluation.crs.grade, "ICANS": evaluation.icans.grade},
            )
            Episode.objects.filter(pk=episode.pk).update(graded_through=chart_seen)
    return candidate if changed else None


def _announce(assessment: Assessment, previous: Assessment | None) -> None:
    kwargs = {
        "episode_id": assessment.episode_id,
        "assessment_id": assessment.pk,
        "acuity": assessment.acuity,
        "previous_acuity": previous.acuity if previous else None,
    }
    transaction.on_commit(lambda: assessment_written.send(sender=Assessment, **kwargs))


def regrade_patient(patient_id: int, *, trigger: str) -> Assessment | None:
    episode = Episode.objects.active().filter(patient_id=patient_id).first()
    if episode is None:
        log.info("regrade skipped: patient %s has no active CAR-T episode", patient_id)
        return None
    return regrade(episode, trigger=trigger)


def stale_episodes():
    """Active episodes whose chart changed after their last regrade."""
    return Episode.objects.active().filter(
        Q(graded_through__isnull=True) | Q(chart_changed_at__gt=F("graded_through"))
    )
