"""The inbox, an alert's page (acknowledge, and who was told), the rota and the noise."""

from datetime import datetime, time, timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from crsmonitor.policy import may
from patients import access
from patients.forms import add_service_errors

from . import selectors, services
from .forms import PeriodForm, ShiftForm
from .models import Alert, OnCallShift


@require_safe
def inbox(request):
    """This person's alerts; the badge on every page polls the same view."""
    if request.htmx and request.htmx.target == "alert-badge":
        return render(request, "notifications/inbox.html#badge")
    return render(
        request, "notifications/inbox.html", {"notifications": selectors.inbox(request.user)}
    )


def _alert_for(user, alert_id: int) -> Alert:
    alert = get_object_or_404(
        Alert.objects.select_related("episode__patient__ward", "prompt", "acknowledged_by", "ward"),
        pk=alert_id,
    )
    access.patient_for(user, alert.episode.patient_id)  # 404 off the ward
    return alert


@require_safe
def alert_detail(request, alert_id: int):
    alert = _alert_for(request.user, alert_id)
    timezone.activate(alert.ward.tzinfo)
    return render(
        request,
        "notifications/alert.html",
        {
            "alert": alert,
            "patient": alert.episode.patient,
            "trail": selectors.alert_trail(alert),
            "earlier": alert.episode.alerts.exclude(pk=alert.pk).order_by("-opened_at")[:10],
        },
    )


@require_POST
def alert_acknowledge(request, alert_id: int):
    alert = _alert_for(request.user, alert_id)
    if not may(request.user, "acknowledge_alert"):
        raise PermissionDenied("Only a physician acknowledges an alert.")
    try:
        services.acknowledge(alert, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Acknowledged: nobody else will be told of this alert.")
    return redirect("alert_detail", alert_id=alert.pk)


def _rota_page(request, ward, form, status=200):
    timezone.activate(ward.tzinfo)
    now = timezone.now()
    return render(
        request,
        "notifications/rota.html",
        {
            "ward": ward,
            "form": form,
            "shifts": selectors.rota(ward, since=now - timedelta(hours=12)),
            "on_call": selectors.on_call_now([ward], now)[0],
            "now": now,
        },
        status=status,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def ward_rota(request, ward_id: int):
    ward = access.ward_for(request.user, ward_id)
    timezone.activate(ward.tzinfo)
    if request.method != "POST":
        return _rota_page(request, ward, ShiftForm(ward=ward))
    if not may(request.user, "keep_rota"):
        raise PermissionDenied("Only a physician or an administrator keeps the rota.")
    form = ShiftForm(request.POST, ward=ward)
    if form.is_valid():
        try:
            services.shift_add(ward=ward, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Shift added to the rota.")
            return redirect("ward_rota", ward_id=ward.pk)
    return _rota_page(request, ward, form, status=422)


@require_POST
def rota_shift_remove(request, shift_id: int):
    shift = get_object_or_404(OnCallShift, pk=shift_id)
    access.ward_for(request.user, shift.ward_id)
    if not may(request.user, "keep_rota"):
        raise PermissionDenied("Only a physician or an administrator keeps the rota.")
    services.shift_cancel(shift, by=request.user)
    messages.success(request, "Shift taken off the rota.")
    return redirect("ward_rota", ward_id=shift.ward_id)


@require_safe
def notification_noise(request):
    if not may(request.user, "see_notification_noise"):
        raise PermissionDenied("The notification figures are for physicians.")
    wards = list(access.visible_wards(request.user))
    today = timezone.localdate()
    form = PeriodForm(request.GET or {"since": today - timedelta(days=6), "until": today})
    figures = None
    if form.is_valid():
        tz = timezone.get_current_timezone()
        if len({ward.time_zone for ward in wards}) == 1:
            tz = wards[0].tzinfo
        since = datetime.combine(form.cleaned_data["since"], time.min, tzinfo=tz)
        until = datetime.combine(
            form.cleaned_data["until"] + timedelta(days=1), time.min, tzinfo=tz
        )
        figures = selectors.noise(wards, since, until)
    return render(
        request,
        "notifications/noise.html",
        {"form": form, "figures": figures, "wards": wards},
        status=200 if form.is_valid() else 422,
    )
