"""The patient page at hospital scale: what it shows is bounded (the newest
assessments, older ones a page at a time), so its queries do not grow with
the stay, and every assessment stays within reach."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from grading import selectors, services
from grading.models import Assessment
from grading.rules import evaluate
from grading.snapshot import episode_snapshot
from patients.models import Episode

from .test_snapshot_loader import chart_a_long_stay

pytestmark = pytest.mark.django_db

EVERY = timedelta(hours=12)
PAGE = 8


@pytest.fixture(autouse=True)
def small_pages(monkeypatch):
    """Pages of 8 so that a ten-day stay graded twice a day fills several."""
    monkeypatch.setattr(selectors, "HISTORY_PAGE", PAGE)


def graded_stay(ward, nurse, days: int, seed: int) -> Episode:
    """A stay charted at random, regraded every 12 hours of it and now."""
    episode = chart_a_long_stay(ward, nurse, days, seed)
    at = episode.infusion_at
    while at < timezone.now():
        services.regrade(episode, trigger="new_data", at=at)
        at += EVERY
    services.regrade(episode, trigger="new_data")
    return episode


def page_of(client, episode, query: str = ""):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("patient_detail", args=[episode.patient_id]) + query)
    assert response.status_code == 200
    return response.content.decode(), len(queries)


# The "Older assessments" link (forms on the page carry ?before= in `next` too).
OLDER = r"\?before=(\d+)#assessment-history\">Older"


def shown_times(page: str) -> list[str]:
    return re.findall(r'<td class="nowrap">([^<]+)</td>', page)


def test_a_ten_day_stay_costs_the_patient_page_no_more_queries_than_a_two_day_one(
    client, physician, ward, nurse
):
    short = graded_stay(ward, nurse, 2, 21)
    long = graded_stay(ward, nurse, 10, 22)
    assert long.assessments.count() > PAGE > short.assessments.count()
    client.force_login(physician)
    (_, short_queries), (long_page, long_queries) = page_of(client, short), page_of(client, long)
    assert long_queries == short_queries
    assert len(shown_times(long_page)) == PAGE
    assert "Older assessments" in long_page
    # An older page costs the same again.
    older = re.search(OLDER, long_page).group(1)
    assert page_of(client, long, f"?before={older}")[1] == long_queries


def test_the_older_pages_reach_the_first_assessment_of_the_stay(client, physician, ward, nurse):
    episode = graded_stay(ward, nurse, 10, 23)
    client.force_login(physician)
    page, _ = page_of(client, episode)
    seen = shown_times(page)
    while (older := re.search(OLDER, page)) is not None:
        page, _ = page_of(client, episode, f"?before={older.group(1)}")
        assert "Newest assessments" in page
        seen += shown_times(page)
    # Every assessment once, newest first, the first one last.
    assert len(seen) == episode.assessments.count()
    assert "first grade" in page


def test_each_page_says_which_grades_moved_as_the_whole_history_would(
    client, physician, ward, nurse
):
    episode = graded_stay(ward, nurse, 10, 24)
    everything = list(episode.assessments.latest_first())
    moved = {
        a.pk: ", ".join(selectors.grade_moves(a, b))
        for a, b in zip(everything, everything[1:], strict=False)
    }
    moved[everything[-1].pk] = "first grade"
    cursor, pages = None, 0
    while True:
        page, cursor = selectors.history_page(episode, cursor)
        pages += 1
        assert [a.grade_changed for a in page] == [moved[a.pk] for a in page]
        if cursor is None:
            break
    assert pages == -(-len(everything) // PAGE)


def test_the_dose_counters_on_the_page_need_no_regrade_and_match_it(client, physician, ward, nurse):
    episode = graded_stay(ward, nurse, 3, 25)
    episode = Episode.objects.select_related("patient__ward").get(pk=episode.pk)
    current = episode.assessments.latest_first().first()
    regraded, regraded_steroids = selectors.dose_summary(episode)
    shown, steroids = selectors.shown_dose_summary(episode, current)
    assert shown.counters == regraded.counters
    assert shown.tocilizumab == regraded.tocilizumab
    assert (shown.steroid_mg_24h, shown.steroid_mg_total) == (
        regraded.steroid_mg_24h,
        regraded.steroid_mg_total,
    )
    # The steroid doses follow the grade the page shows, which is the grade now.
    assert current.crs_grade == evaluate(episode_snapshot(episode, timezone.now())).crs.grade
    assert steroids == regraded_steroids


def test_a_cursor_that_is_not_an_assessment_of_this_patient_shows_the_newest(
    client, physician, ward, nurse
):
    episode = graded_stay(ward, nurse, 2, 26)
    other = graded_stay(ward, nurse, 2, 27)
    client.force_login(physician)
    newest, _ = page_of(client, episode)
    foreign = Assessment.objects.filter(episode=other).first().pk
    for cursor in (str(foreign), "abc", "-1", ""):
        assert shown_times(page_of(client, episode, f"?before={cursor}")[0]) == shown_times(newest)
