"""The chart cache gives regrade exactly the snapshot the loader reads, however
the chart changed since it last looked: rows added, rows added late with an
earlier time, rows struck out, a lab limit changed in the catalogue."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from grading.chart_cache import ChartCache
from grading.snapshot import episode_snapshot
from patients import services as chart
from patients.models import Episode, LabTest, VitalsSet

from .test_snapshot_loader import chart_a_long_stay

pytestmark = pytest.mark.django_db


def _moments(episode: Episode):
    now = timezone.now()
    return [now, now - timedelta(hours=5), episode.infusion_at + timedelta(hours=30)]


def _same(cache: ChartCache, episode: Episode) -> None:
    episode = Episode.objects.select_related("patient__ward").get(pk=episode.pk)
    for at in _moments(episode):
        assert cache.snapshot(episode, at) == episode_snapshot(episode, at)


def test_a_kept_chart_follows_every_change_to_the_chart(ward, nurse):
    episode = chart_a_long_stay(ward, nurse, days=4, seed=7)
    cache = ChartCache()
    _same(cache, episode)  # first look: everything read

    now = timezone.now()
    chart.vitals_record(
        episode=episode,
        observed_at=now - timedelta(minutes=5),
        by=nurse,
        temperature_c=Decimal("39.1"),
        systolic=82,
        diastolic=45,
        oxygen_device="nasal_cannula",
        oxygen_flow_l_min=3,
        vasopressors=["norepinephrine", "vasopressin"],
    )
    _same(cache, episode)  # one set added

    # Charted late: a set from yesterday, after the newer ones were seen.
    chart.vitals_record(
        episode=episode,
        observed_at=now - timedelta(hours=26, minutes=7),
        by=nurse,
        temperature_c=Decimal("38.4"),
        systolic=88,
        diastolic=50,
        oxygen_device="room_air",
        vasopressors=[],
    )
    chart.lab_record(
        episode=episode, observed_at=now - timedelta(hours=40), by=nurse, test="crp", value=212
    )
    chart.medication_record(
        episode=episode,
        observed_at=now - timedelta(hours=2),
        by=nurse,
        drug="tocilizumab",
        dose_mg=560,
    )
    _same(cache, episode)

    # Struck out: a set the cache already holds.
    struck = VitalsSet.objects.valid().filter(episode=episode).order_by("observed_at")[3]
    chart.enter_in_error(struck, by=nurse, reason="Charted on the wrong patient")
    _same(cache, episode)

    # The catalogue's upper limit of a test changed: labs carry it.
    LabTest.objects.filter(code="crp").update(upper_limit=8)
    _same(cache, episode)


def test_an_unchanged_chart_costs_two_queries_however_long_the_stay(ward, nurse):
    cache = ChartCache()
    counts = []
    for days, seed in ((2, 1), (8, 2)):
        episode = chart_a_long_stay(ward, nurse, days=days, seed=seed)
        episode = Episode.objects.select_related("patient__ward").get(pk=episode.pk)
        cache.snapshot(episode, timezone.now())
        with CaptureQueriesContext(connection) as queries:
            cache.snapshot(episode, timezone.now())
        counts.append(len(queries))
    assert counts == [2, 2]


def test_the_cache_keeps_only_its_size_of_episodes(ward, nurse):
    cache = ChartCache(size=1)
    first = chart_a_long_stay(ward, nurse, days=1, seed=3)
    second = chart_a_long_stay(ward, nurse, days=1, seed=4)
    for episode in (first, second, first):
        episode = Episode.objects.select_related("patient__ward").get(pk=episode.pk)
        with CaptureQueriesContext(connection) as queries:
            cache.snapshot(episode, timezone.now())
        # Each look reads the whole chart again: the other episode pushed it out.
        assert len(queries) > 2
