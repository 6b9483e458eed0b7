"""The patient's trajectory page: figures built on the server, drawn by Plotly."""

from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from patients import access

from . import board_services, selectors
from .trajectory import trajectory as build_trajectory
from .views import in_ward_time


@require_safe
def trajectory(request, patient_id: int):
    patient = access.patient_for(request.user, patient_id)
    in_ward_time(patient.ward)
    episode = selectors.shown_episode(patient)
    now = timezone.now() if episode is None or episode.is_active else episode.discharged_at
    context = {"patient": patient, "episode": episode, "now": now}
    if episode is not None:
        context["figures"] = build_trajectory(episode, now)
        current = episode.assessments.latest_first().first()
        board_services.board_seen_record(user=request.user, episode=episode, assessment=current)
    return render(request, "grading/trajectory.html", context)
