"""Bedside charting: one page per patient and an HTMX form per kind of entry.

Views parse the request, call the chart services and render. A save answers
with `HX-Trigger: chartChanged`, which reloads the grade panel, the summary
and the history on the page.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe
from django_htmx.http import reswap, trigger_client_event

from crsmonitor.policy import may

from . import access, forms, selectors, services
from .models import ChartEntry, Episode, Patient


@dataclass(frozen=True)
class Bedside:
    patient: Patient
    episode: Episode | None
    can_chart: bool

    def context(self, **extra) -> dict:
        return {
            "patient": self.patient,
            "episode": self.episode,
            "can_chart": self.can_chart,
            **extra,
        }


def may_chart(user) -> bool:
    """Nurses and physicians write to the chart; everyone signed in may read it."""
    return may(user, "chart")


def _bedside_for(request: HttpRequest, patient_id: int, *, entry: bool = False) -> Bedside:
    """The patient if this user may see them (404 otherwise); 403 on a write they may not do."""
    patient = access.patient_for(request.user, patient_id)
    can_chart = may_chart(request.user)
    if (entry or request.method == "POST") and not can_chart:
        raise PermissionDenied("Only nurses and physicians write to the chart.")
    episode = Episode.objects.active().filter(patient=patient).first()
    if entry and episode is None:
        raise Http404("This patient has no active CAR-T episode to chart on.")
    if episode is not None:
        episode.patient = patient
    return Bedside(patient, episode, can_chart)


def _form_data(request: HttpRequest):
    return request.POST if request.method == "POST" else None


@require_safe
def bedside(request: HttpRequest, patient_id: int) -> HttpResponse:
    """The bedside page, or the one part of it an HTMX request targets."""
    chart = _bedside_for(request, patient_id)
    with timezone.override(chart.patient.ward.tzinfo):
        part = {"bedside-summary": "summary", "bedside-history": "history"}.get(
            request.htmx.target if request.htmx else ""
        )
        context = _page_context(request, chart, part)
        template = f"patients/bedside.html#{part}" if part else "patients/bedside.html"
        return render(request, template, context)


def _page_context(request: HttpRequest, chart: Bedside, part: str | None = None, **extra) -> dict:
    now = timezone.now()
    context = chart.context(now=now, age=int(chart.patient.age_years(now)), **extra)
    if chart.episode is None:
        return context
    if part in (None, "summary"):
        context.update(selectors.bedside_summary(chart.episode, now))
    if part in (None, "history"):
        everything = request.GET.get("history") == "all"
        context["history"] = selectors.chart_history(chart.episode, now, everything=everything)
        context["whole_history"] = everything
    return context


def _entry_response(
    request: HttpRequest, chart: Bedside, template: str, form, **extra
) -> HttpResponse:
    """The form alone for HTMX; the bedside page around it otherwise (no script, deep link)."""
    if request.htmx:
        return render(request, template, chart.context(form=form, **extra))
    context = _page_context(request, chart, entry_template=template, form=form, **extra)
    return render(request, "patients/bedside.html", context)


def _saved(request: HttpRequest, chart: Bedside, what: str, rows: list[ChartEntry]):
    if not request.htmx:
        messages.success(request, f"Saved: {what}.")
        return redirect("bedside", chart.patient.pk)
    rows = [selectors.dressed(row, chart.episode) for row in rows]
    response = render(
        request, "patients/_saved.html", chart.context(what=what, rows=rows, now=timezone.now())
    )
    # Back to the top: the saved entry, and just below it the grade it led to.
    return trigger_client_event(reswap(response, "innerHTML show:window:top"), "chartChanged")


@require_http_methods(["GET", "POST"])
def vitals_entry(request: HttpRequest, patient_id: int) -> HttpResponse:
    chart = _bedside_for(request, patient_id, entry=True)
    with timezone.override(chart.patient.ward.tzinfo):
        form = forms.VitalsForm(
            _form_data(request),
            episode=chart.episode,
            support=selectors.carried_support(chart.episode),
            unit=request.session.get("temperature_unit", "C"),
        )
        if form.is_valid():
            # Nurses keep to one scale: offer the one used last.
            request.session["temperature_unit"] = form.cleaned_data["temperature_unit"]
            try:
                vitals = services.vitals_record(
                    episode=chart.episode,
                    by=request.user,
                    idempotency_key=form.cleaned_data["idempotency_key"],
                    **form.chart_values(),
                )
            except ValidationError as error:
                forms.add_service_errors(form, error)
            else:
                return _saved(request, chart, "vitals", [vitals])
        return _entry_response(request, chart, "patients/vitals_form.html", form)


@require_http_methods(["GET", "POST"])
def neuro_entry(request: HttpRequest, patient_id: int) -> HttpResponse:
    chart = _bedside_for(request, patient_id, entry=True)
    with timezone.override(chart.patient.ward.tzinfo):
        form = forms.NeuroForm(
            _form_data(request),
            episode=chart.episode,
            baseline=request.GET.get("baseline") == "1",
        )
        if form.is_valid():
            try:
                neuro = services.neuro_record(
                    episode=chart.episode,
                    by=request.user,
                    idempotency_key=form.cleaned_data["idempotency_key"],
                    **form.chart_values(),
                )
            except ValidationError as error:
                forms.add_service_errors(form, error)
            else:
                what = "baseline neuro check" if form.is_baseline else "neuro check"
                return _saved(request, chart, what, [neuro])
        baseline = selectors.baseline_neuro(chart.episode)
        return _entry_response(request, chart, "patients/neuro_form.html", form, baseline=baseline)


@require_http_methods(["GET", "POST"])
def lab_entry(request: HttpRequest, patient_id: int) -> HttpResponse:
    chart = _bedside_for(request, patient_id, entry=True)
    with timezone.override(chart.patient.ward.tzinfo):
        form = forms.LabPanelForm(_form_data(request), episode=chart.episode)
        if form.is_valid():
            try:
                rows = services.lab_panel_record(
                    episode=chart.episode,
                    observed_at=form.cleaned_data["observed_at"],
                    by=request.user,
                    results=form.results(),
                    idempotency_key=form.cleaned_data["idempotency_key"],
                )
            except ValidationError as error:
                forms.add_service_errors(form, error)
            else:
                return _saved(request, chart, "lab results", rows)
        return _entry_response(request, chart, "patients/lab_form.html", form)


@require_http_methods(["GET", "POST"])
def weight_entry(request: HttpRequest, patient_id: int) -> HttpResponse:
    return _simple_entry(
        request, patient_id, forms.WeightForm, services.weight_record, "weight", "weight"
    )


def _simple_entry(request, patient_id: int, form_class, record, what: str, name: str):
    """A one-row entry: validate, write through the chart service, show it saved."""
    chart = _bedside_for(request, patient_id, entry=True)
    with timezone.override(chart.patient.ward.tzinfo):
        form = form_class(_form_data(request), episode=chart.episode)
        if form.is_valid():
            try:
                row = record(
                    episode=chart.episode,
                    by=request.user,
                    idempotency_key=form.cleaned_data["idempotency_key"],
                    **form.chart_values(),
                )
            except ValidationError as error:
                forms.add_service_errors(form, error)
            else:
                return _saved(request, chart, what, [row])
        return _entry_response(request, chart, f"patients/{name}_form.html", form)


@require_http_methods(["GET", "POST"])
def workup_entry(request: HttpRequest, patient_id: int) -> HttpResponse:
    """The work-up panel: one button per kind. A save answers with the panel
    again (a fresh key, the event listed) so the next event is one tap away."""
    chart = _bedside_for(request, patient_id, entry=True)
    with timezone.override(chart.patient.ward.tzinfo):
        form = forms.WorkupForm(_form_data(request), episode=chart.episode)
        saved = None
        if form.is_valid():
            try:
                saved = services.workup_record(
                    episode=chart.episode,
                    by=request.user,
                    idempotency_key=form.cleaned_data["idempotency_key"],
                    **form.chart_values(),
                )
            except ValidationError as error:
                forms.add_service_errors(form, error)
            else:
                if not request.htmx:
                    messages.success(request, f"Saved: {saved.get_event_display()}.")
                    return redirect("bedside", chart.patient.pk)
                form = forms.WorkupForm(episode=chart.episode)
        now = timezone.now()
        extra = {"saved": saved, "events": selectors.recent_events(chart.episode, now)}
        if request.htmx:
            extra["now"] = now  # the whole page brings its own
        response = _entry_response(request, chart, "patients/workup_form.html", form, **extra)
        if saved is not None:
            return trigger_client_event(response, "chartChanged")
        return response


@require_http_methods(["GET", "POST"])
def entered_in_error(request: HttpRequest, patient_id: int, kind: str, entry_id: int):
    """Strike a row out with a reason; the row stays in the history, struck through."""
    chart = _bedside_for(request, patient_id, entry=True)
    with timezone.override(chart.patient.ward.tzinfo):
        row = selectors.chart_row(chart.episode, kind, entry_id)
        if row is None:
            raise Http404("No such entry on this patient's chart.")
        form = None
        if request.method == "POST":
            form = forms.EnteredInErrorForm(request.POST)
            if form.is_valid():
                try:
                    services.enter_in_error(row, by=request.user, reason=form.full_reason)
                except ValidationError as error:
                    form.add_error(None, error.messages)
                # Already struck (a double tap) or struck now: show it struck.
                row = selectors.chart_row(chart.episode, kind, entry_id)
                if row.is_entered_in_error:
                    return _struck(request, chart, row)
        elif request.GET.get("cancel") != "1":
            form = forms.EnteredInErrorForm()
        context = chart.context(row=row, error_form=form, now=timezone.now())
        if not request.htmx:
            return render(request, "patients/entered_in_error.html", context)
        return render(request, "patients/_chart.html#row", context)


def _struck(request: HttpRequest, chart: Bedside, row: ChartEntry) -> HttpResponse:
    if not request.htmx:
        messages.success(request, "Marked entered in error; it stays in the history.")
        return redirect("bedside", chart.patient.pk)
    response = render(
        request, "patients/_chart.html#row", chart.context(row=row, now=timezone.now())
    )
    return trigger_client_event(response, "chartChanged")
