"""The registry export page (a date range, the CSV) and the FHIR bundle of
one episode. Physicians and admins (crsmonitor/policy.py "export_registry"),
for the patients of the wards they may see."""

import json
from datetime import date, timedelta

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from crsmonitor.policy import may

from .registry import (
    LONGEST_RANGE,
    episode_summaries,
    episode_summary,
    episodes_infused_between,
    visible_episodes,
)
from .registry_csv import COLUMNS, registry_csv
from .registry_fhir import episode_bundle

FHIR_JSON = "application/fhir+json"


class RangeForm(forms.Form):
    start = forms.DateField(
        label="Infused from",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": "Give the first infusion date.",
            "invalid": "Infused from: enter a date as YYYY-MM-DD.",
        },
    )
    end = forms.DateField(
        label="Infused until (inclusive)",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": "Give the last infusion date.",
            "invalid": "Infused until: enter a date as YYYY-MM-DD.",
        },
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                self.add_error("end", "Infused until must be on or after infused from.")
            elif end - start > LONGEST_RANGE:
                self.add_error("end", "Export at most a year of infusions at a time.")
        return data


def _may_export(request) -> None:
    if not may(request.user, "export_registry"):
        raise PermissionDenied("Registry export is for physicians.")


def default_range(today: date) -> dict[str, date]:
    """The last seven days, today included."""
    return {"start": today - timedelta(days=6), "end": today}


@require_safe
def registry_export(request):
    """The page on a plain GET; the CSV when `download=csv` asks for it."""
    _may_export(request)
    asked = "start" in request.GET or "end" in request.GET
    form = RangeForm(request.GET if asked else None, initial=default_range(timezone.localdate()))
    if asked and not form.is_valid():
        return render(request, "interop/registry_export.html", {"form": form}, status=400)
    span = form.cleaned_data if asked else default_range(timezone.localdate())
    summaries = episode_summaries(
        episodes_infused_between(request.user, span["start"], span["end"])
    )
    if request.GET.get("download") == "csv":
        response = HttpResponse(registry_csv(summaries), content_type="text/csv; charset=utf-8")
        name = f"crs-registry-{span['start']:%Y%m%d}-{span['end']:%Y%m%d}.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    return render(
        request,
        "interop/registry_export.html",
        {"form": form, "span": span, "summaries": summaries, "columns": COLUMNS},
    )


@require_safe
def registry_episode_fhir(request, episode_id: int):
    """The episode's registry summary as a FHIR R4 collection Bundle, downloaded."""
    episode = get_object_or_404(visible_episodes(request.user), pk=episode_id)
    _may_export(request)
    now = timezone.now()
    bundle = episode_bundle(episode_summary(episode, now), now)
    response = HttpResponse(json.dumps(bundle, indent=2), content_type=FHIR_JSON)
    name = f"crs-registry-episode-{episode.pk}.fhir.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
