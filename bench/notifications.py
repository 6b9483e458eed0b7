"""Alert fatigue, measured: notifications per patient-day over a period, for
the wards in this database (the demo or bench seed). `manage.py bench` calls
`report(stdout, since, until)`; the same figures are on the "Alert figures" page."""

from datetime import datetime

from notifications.selectors import noise
from patients.models import Ward


def report(stdout, since: datetime, until: datetime) -> None:
    wards = list(Ward.objects.order_by("name"))
    figures = noise(wards, since, until)
    per_day = (
        "no patient-days" if figures.per_patient_day is None else f"{figures.per_patient_day:.2f}"
    )
    stdout.write(
        f"notifications per patient-day: {per_day} "
        f"({figures.notifications} notifications over {figures.patient_days:.1f} patient-days, "
        f"{since:%Y-%m-%d %H:%M} to {until:%Y-%m-%d %H:%M} UTC)\n"
    )
    if figures.acknowledged:
        stdout.write(
            f"time to acknowledge: median {figures.ack_median_minutes:.1f} min, "
            f"p90 {figures.ack_p90_minutes:.1f} min ({figures.acknowledged} acknowledged)\n"
        )
    stdout.write(
        f"alerts that told someone: {figures.alerts} ({figures.unanswered} still open), "
        f"escalations: {figures.escalations}\n"
    )
    if figures.causes:
        noisiest = ", ".join(f"{cause} {n}" for cause, n in figures.causes[:5])
        stdout.write(f"causes that notify most: {noisiest}\n")
