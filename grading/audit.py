"""A patient's audit trail: every recorded change to their chart and care,
who made it, when, from which page, and what changed (before and after)."""

from dataclasses import dataclass
from datetime import datetime

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import connection
from pghistory.models import MiddlewareEvents

from patients.models import Episode, MedicationAdministration, Patient

# Bookkeeping fields that change on every save and say nothing to a clinician.
QUIET_FIELDS = frozenset({"chart_changed_at", "graded_through"})


@dataclass
class AuditEntry:
    at: datetime
    user: object
    url: str | None
    action: str  # "created" or "changed"
    what: str
    object_id: int
    changes: list[tuple[str, object, object]]  # (field, before, after)
    snapshot: dict


def _describe(event, people: dict[int, str]) -> AuditEntry:
    tracked = apps.get_model(event.pgh_obj_model)
    changes = [
        (field.removesuffix("_id"), _named(field, before, people), _named(field, after, people))
        for field, (before, after) in sorted((event.pgh_diff or {}).items())
        if field not in QUIET_FIELDS
    ]
    return AuditEntry(
        at=event.pgh_created_at,
        user=event.user,
        url=event.url,
        action="created" if event.pgh_label == "insert" else "changed",
        what=str(tracked._meta.verbose_name),
        object_id=int(event.pgh_obj_id),
        changes=changes,
        snapshot=event.pgh_data,
    )


def audit_trail_available() -> bool:
    """The trail is kept by PostgreSQL triggers; SQLite (the demo) keeps none."""
    return connection.vendor == "postgresql"


def patient_audit(patient: Patient, limit: int = 500) -> list[AuditEntry]:
    """Newest first: the patient, their episodes, everything charted on them and
    the decisions on their doses (overrides, verifications)."""
    if not audit_trail_available():
        return []
    episodes = list(Episode.objects.filter(patient=patient))
    medications = list(MedicationAdministration.objects.filter(episode__in=episodes))
    groups = [[patient], episodes, medications]
    events = []
    for objects in groups:
        if objects:
            query = MiddlewareEvents.objects.references(objects).select_related("user")
            events.extend(query.order_by("-pgh_created_at")[:limit])
    unique = {event.pgh_slug: event for event in events}.values()
    ordered = sorted(unique, key=lambda e: e.pgh_created_at, reverse=True)[:limit]
    people = _people(ordered)
    entries = [_describe(event, people) for event in ordered]
    return [entry for entry in entries if entry.action == "created" or entry.changes]


def _people(events) -> dict[int, str]:
    """Names for the user ids in the changes ("entered_in_error_by_id": 7)."""
    ids = {
        value
        for event in events
        for field, pair in (event.pgh_diff or {}).items()
        if field.endswith("_by_id")
        for value in pair
        if value is not None
    }
    return {
        user.pk: user.get_full_name() or user.username
        for user in get_user_model().objects.filter(pk__in=ids)
    }


def _named(field: str, value, people: dict[int, str]):
    return people.get(value, value) if field.endswith("_by_id") else value
