"""The patient's trajectory page: figures built on the server, drawn by Plotly.

The page loads one window of the stay (`?window=24h|72h|episode`, three days
by default) ending now or at `?until=` (UTC, ISO 8601), with links to the
window before and after: a month's stay loads as fast as three days.
"""

from datetime import UTC, datetime
from urllib.parse import urlencode

from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from patients import access

from . import board_services, selectors
from .grade_chart import grade_chart
from .trajectory import DEFAULT_WINDOW, WINDOWS, grade_history
from .trajectory import trajectory as build_trajectory
from .trajectory import window as window_of
from .views import in_ward_time

WINDOW_WORDS = {"24h": "24 h", "72h": "72 h", "episode": "Whole episode"}


def _until(request) -> datetime | None:
    """`until` when it is a moment with its offset; anything else ends the window now."""
    value = request.GET.get("until", "")
    if not value or len(value) > 40:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _link(name: str, until: datetime | None = None) -> str:
    params = {"window": name}
    if until is not None:
        params["until"] = until.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return "?" + urlencode(params)


@require_safe
def trajectory(request, patient_id: int):
    patient = access.patient_for(request.user, patient_id)
    in_ward_time(patient.ward)
    episode = selectors.shown_episode(patient)
    now = timezone.now() if episode is None or episode.is_active else episode.discharged_at
    context = {"patient": patient, "episode": episode, "now": now}
    if episode is not None:
        asked = request.GET.get("window", DEFAULT_WINDOW)
        shown = window_of(episode, now, asked, _until(request))
        history = grade_history(episode, shown)
        context["grades"] = grade_chart(history, shown.start, shown.end, patient.ward.tzinfo)
        context["figures"] = build_trajectory(episode, now, shown, history)
        context["shown"] = shown
        context["windows"] = [
            (name, WINDOW_WORDS[name], _link(name), name == shown.name and shown.reaches_now)
            for name in WINDOWS
        ]
        if shown.earlier is not None:
            context["earlier_link"] = _link(shown.name, shown.earlier)
        if not shown.reaches_now:
            later = shown.later
            context["later_link"] = _link(shown.name, None if later >= now else later)
        current = episode.assessments.latest_first().first()
        board_services.board_seen_record(user=request.user, episode=episode, assessment=current)
    return render(request, "grading/trajectory.html", context)
