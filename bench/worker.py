"""Chart to grade through a real worker: a nurse's vitals set saved through
the chart service, its regrade queued on Redis, run by a Celery worker
process, and the new assessment committed where the board reads it."""

import time
from datetime import timedelta

from django.db.models import Max
from django.utils import timezone

from bench.timing import Timing
from grading.models import Assessment
from patients import services as chart

# Fever with low-flow oxygen (CRS 2), then fever on room air (CRS 1), in
# turn: every set changes the grade, so every one writes an assessment.
SETS = (
    {"oxygen_device": "nasal_cannula", "oxygen_flow_l_min": 3, "spo2": 94},
    {"oxygen_device": "room_air", "oxygen_flow_l_min": None, "spo2": 97},
)


def chart_to_grade(episode, nurse, times: int, timeout: float = 15) -> Timing:
    samples = []
    for n in range(times + 2):  # the first two warm the worker up, not counted
        newest = Assessment.objects.filter(episode=episode).aggregate(pk=Max("pk"))["pk"] or 0
        started = time.perf_counter()
        chart.vitals_record(
            episode=episode,
            observed_at=timezone.now() - timedelta(seconds=30),
            by=nurse,
            temperature_c=38.6,
            heart_rate=112,
            systolic=118,
            diastolic=70,
            respiratory_rate=20,
            **SETS[n % 2],
        )
        while not Assessment.objects.filter(episode=episode, pk__gt=newest).exists():
            if time.perf_counter() - started > timeout:
                raise RuntimeError(f"no new assessment {timeout:.0f} s after charting vitals")
            time.sleep(0.005)
        if n >= 2:
            samples.append((time.perf_counter() - started) * 1000)
    return Timing("chart to new grade through the worker", 0, 0, samples)
