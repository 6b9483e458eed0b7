from django.db.models import Max
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_safe

from patients import access
from patients import selectors as patient_selectors
from patients.models import Episode, Ward

from . import board_services, selectors
from .chart_cache import CHARTS
from .models import DoseOverride
from .status import Status
from .workup import workup_checklists


def back(request, default: str):
    """Redirect to the page the form came from (`next`), if it is a path of ours.

    Only a path: redirect() would read "foo" as a URL name and fail to reverse it.
    """
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, request.is_secure()
    ):
        return HttpResponseRedirect(target)
    return redirect(default)


def in_ward_time(ward: Ward) -> None:
    # Times are stored in UTC and shown in the ward's own clock.
    timezone.activate(ward.tzinfo)


@require_safe
def home(request):
    wards = list(access.visible_wards(request.user))
    if len(wards) == 1:
        return redirect("ward_patients", ward_id=wards[0].pk)
    return render(request, "grading/home.html", {"wards": wards})


@require_safe
def patient_detail(request, patient_id: int):
    patient = access.patient_for(request.user, patient_id)
    in_ward_time(patient.ward)
    episode = selectors.shown_episode(patient)
    context = {"patient": patient, "age": int(patient.age_years(timezone.now()))}
    if episode:
        latest_two = list(episode.assessments.latest_first()[:2])
        current = latest_two[0] if latest_two else None
        # Opening the patient is what clears a "grade up" on this user's board.
        board_services.board_seen_record(user=request.user, episode=episode, assessment=current)
        # The history pages back from ?before=<assessment>, newest first.
        before = request.GET.get("before", "")
        cursor = episode.assessments.filter(pk=before).first() if before.isdigit() else None
        assessments, older = selectors.history_page(episode, cursor)
        doses, steroids = selectors.shown_dose_summary(episode, current)
        context |= {
            **_panel(patient, episode, latest_two),
            "assessments": assessments,
            "older": older,
            "paged": cursor is not None,
            "prompts": selectors.live_prompts(episode),
            "resolved": selectors.resolved_prompts(episode),
            "doses": doses,
            "steroids": steroids,
            "overrides": DoseOverride.objects.filter(medication__episode=episode)
            .select_related("medication", "by")
            .order_by("-at"),
        }
        # Read once for the work-up check-lists and the registry figures, from
        # the chart this process keeps (a nurse opens the same patients all day).
        chart = CHARTS.snapshot(episode, timezone.now())
        context |= {"course_chart": chart, "workups": workup_checklists(chart)}
    return render(request, "grading/patient_detail.html", context)


@require_safe
def grade_panel(request, patient_id: int):
    """The current grades with their reasons, for any page to embed.

    Pages load it with hx-get and reload it on the `chartChanged` event. While
    a regrade is still pending (a worker has not run it yet) it polls itself.
    """
    patient = access.patient_for(request.user, patient_id)
    in_ward_time(patient.ward)
    episode = Episode.objects.active().filter(patient=patient).first()
    latest_two = list(episode.assessments.latest_first()[:2]) if episode else []
    return render(request, "grading/_grade_panel.html", _panel(patient, episode, latest_two))


def _panel(patient, episode, latest_two) -> dict:
    current = latest_two[0] if latest_two else None
    previous = latest_two[1] if len(latest_two) > 1 else None
    status = None
    if episode is not None:
        vitals = patient_selectors.last_vitals(episode)
        neuro = patient_selectors.last_neuro(episode)
        status = Status(
            current,
            episode,
            timezone.now(),
            vitals.observed_at if vitals else None,
            neuro.observed_at if neuro else None,
        )
    return {
        "patient": patient,
        "episode": episode,
        "status": status,
        # The chart rows the grades were drawn from, for "why?".
        "used_rows": list(selectors.chart_rows(current.inputs_used).values()) if current else [],
        # Section 8: the course shows the episode's maximum grade.
        "max_crs": episode.assessments.aggregate(top=Max("crs_grade"))["top"] if episode else None,
        "current": current,
        "rose": selectors.grades_rose(current, previous),
        "pending": bool(episode and episode.is_active and selectors.regrade_pending(episode)),
    }
