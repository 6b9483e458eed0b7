"""What a bedside form sends, as a browser would send it."""

import re
import uuid
from datetime import datetime, timedelta

from django.urls import reverse
from django.utils import timezone

from patients.models import ICE_FIELDS

TIME_FORMAT = "%Y-%m-%dT%H:%M"


def ward_time(episode, moment: datetime | None = None) -> str:
    """A datetime-local value in the patient's ward clock, as the tablet shows it."""
    moment = moment or timezone.now() - timedelta(minutes=1)
    return moment.astimezone(episode.patient.ward.tzinfo).strftime(TIME_FORMAT)


def vitals(episode, **changes) -> dict:
    data = {
        "idempotency_key": str(uuid.uuid4()),
        "observed_at": ward_time(episode),
        "temperature": "37.2",
        "temperature_unit": "C",
        "heart_rate": "88",
        "systolic": "118",
        "diastolic": "72",
        "mean_arterial": "",
        "respiratory_rate": "16",
        "spo2": "97",
        "oxygen_device": "room_air",
        "oxygen_flow_l_min": "",
    }
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


def ice(episode, score: int = 10, **changes) -> dict:
    data = {
        "idempotency_key": str(uuid.uuid4()),
        "observed_at": ward_time(episode),
        "consciousness": "alert",
        "seizure": "none",
        "cerebral_edema": "none",
        "modified_for": "",
        **{name: str(index < score) for index, name in enumerate(ICE_FIELDS)},
    }
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


def drug(episode, **changes) -> dict:
    data = {
        "idempotency_key": str(uuid.uuid4()),
        "observed_at": ward_time(episode),
        "drug": "acetaminophen",
        "dose_mg": "1000",
        "route": "oral",
    }
    data.update(changes)
    return data


def weight(episode, **changes) -> dict:
    data = {
        "idempotency_key": str(uuid.uuid4()),
        "observed_at": ward_time(episode),
        "weight_kg": "72.5",
    }
    data.update(changes)
    return data


def workup(episode, event="blood_culture", **changes) -> dict:
    """What the work-up panel sends when a kind's button is tapped."""
    data = {
        "idempotency_key": str(uuid.uuid4()),
        "observed_at": ward_time(episode),
        "note": "",
        "event": event,
    }
    data.update(changes)
    return data


def labs(episode, **values) -> dict:
    data = {"idempotency_key": str(uuid.uuid4()), "observed_at": ward_time(episode)}
    data.update({f"lab_{code}": value for code, value in values.items()})
    return data


def url(name: str, episode, *args) -> str:
    return reverse(name, args=[episode.patient_id, *args])


def htmx(client, path: str, data: dict | None = None):
    """A request as htmx sends it from the bedside page."""
    headers = {"HX-Request": "true"}
    if data is None:
        return client.get(path, headers=headers)
    return client.post(path, data, headers=headers)


def is_checked(page: str, name: str, value: str) -> bool:
    """Whether the page's button for name=value is selected."""
    pattern = rf'<input[^>]*name="{name}" value="{re.escape(value)}"[^>]*\bchecked\b[^>]*>'
    return re.search(pattern, page) is not None


def typed_value(page: str, name: str) -> str | None:
    """What a text box on the page holds."""
    found = re.search(rf'<input type="text" name="{name}" value="([^"]*)"', page)
    return found.group(1) if found else None
