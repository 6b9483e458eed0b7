import json
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from plotly.offline import get_plotlyjs_version

from grading import services
from patients import services as chart
from patients.models import Episode, Ward

pytestmark = pytest.mark.django_db


def _ago(hours: float):
    return timezone.now() - timedelta(hours=hours)


def _chart_hours(episode, nurse, hours: int):
    """`hours` of hourly vitals (fever and norepinephrine in the last 6), labs
    every 12 h and a tocilizumab dose, graded as they came."""
    chart.weight_record(episode=episode, observed_at=_ago(hours + 1), by=nurse, weight_kg=70)
    for hour in range(hours, 0, -1):
        sick = hour <= 6
        chart.vitals_record(
            episode=episode,
            observed_at=_ago(hour),
            by=nurse,
            temperature_c=Decimal("38.9" if sick else "36.9"),
            systolic=84 if sick else 121,
            diastolic=50 if sick else 74,
            spo2=93 if sick else 97,
            oxygen_device="nasal_cannula" if sick else "room_air",
            oxygen_flow_l_min=4 if sick else None,
            vasopressors=["norepinephrine"] if sick else [],
        )
        if hour % 12 == 0:
            chart.lab_record(
                episode=episode, observed_at=_ago(hour), by=nurse, test="crp", value=40
            )
        services.regrade(episode, trigger="new_data", at=_ago(hour))
    chart.medication_record(
        episode=episode, observed_at=_ago(3), by=nurse, drug="tocilizumab", dose_mg=560
    )
    chart.neuro_record(
        episode=episode, observed_at=_ago(2), by=nurse, tool="ICE", consciousness="alert"
    )
    services.regrade(episode, trigger="new_data")


def _figures(response) -> dict:
    page = response.content.decode()
    found = re.search(r'<script id="trajectory-data" type="application/json">(.*?)</script>', page)
    return json.loads(found.group(1))


def _traces(figure) -> dict:
    return {trace.get("name"): trace for trace in figure["data"] if trace.get("name")}


def test_the_trajectory_page_draws_every_panel_on_one_time_axis(
    client, physician, nurse, make_episode
):
    episode = make_episode(infused_hours_ago=30)
    _chart_hours(episode, nurse, 24)
    client.force_login(physician)
    response = client.get(reverse("trajectory", args=[episode.patient_id]))
    assert response.status_code == 200
    figures = _figures(response)

    vitals = _traces(figures["vitals"])
    for name in ("CRS", "ICANS", "Temperature", "Systolic", "MAP", "SpO₂", "Oxygen (L/min)"):
        assert vitals[name]["x"], name
    assert vitals["Norepinephrine"]["type"] == "bar"
    assert vitals["Tocilizumab"]["text"] == ["Tocilizumab 560 mg"]
    assert vitals["CRS"]["line"]["shape"] == "hv" and max(vitals["CRS"]["y"]) == 3
    assert "Grade 3: norepinephrine running" in " ".join(vitals["CRS"]["text"])
    labels = [note["text"] for note in figures["vitals"]["layout"]["annotations"]]
    assert "38.0 °C fever" in labels and "SBP < 90: hypotension" in labels
    assert "Infusion" in labels and "D1" in labels

    labs = _traces(figures["labs"])
    assert labs["C-reactive protein"]["y"] == [40, 40]
    ranges = {
        axis["range"][0]
        for figure in figures.values()
        if isinstance(figure, dict) and "layout" in figure
        for name, axis in figure["layout"].items()
        if name.startswith("xaxis")
    }
    assert ranges == {figures["range"][0]}  # one shared time axis


def test_the_trajectory_page_loads_plotly_from_this_site_and_runs_no_inline_script(
    client, physician, episode
):
    client.force_login(physician)
    page = client.get(reverse("trajectory", args=[episode.patient_id])).content.decode()
    scripts = re.findall(r"<script([^>]*)>", page)
    assert all("src=" in attrs or 'type="application/json"' in attrs for attrs in scripts)
    # No plotly.js tag of its own: the page's script fetches it from this site
    # once the grades chart (SVG in the HTML) is painted.
    assert 'data-plotly="/static/vendor/plotly/plotly-basic.min.js"' in page
    assert not re.search(r'<script[^>]*src="[^"]*plotly', page)
    assert "cdn" not in page.lower()
    assert 'id="plotly.js-style-global"' in page  # plotly's rules go in a sheet, not inline
    assert page.index('class="grade-chart-svg"') < page.index("js/trajectory.js")


PLOTLY_BASIC = settings.BASE_DIR / "static" / "vendor" / "plotly" / "plotly-basic.min.js"


def _bundled_trace_types() -> set[str]:
    return set(re.findall(r'moduleType:"trace",name:"(\w+)"', PLOTLY_BASIC.read_text()))


def test_the_basic_plotly_bundle_is_the_version_the_figures_are_built_for():
    header = PLOTLY_BASIC.read_text()[:200]
    assert f"plotly.js (basic - minified) v{get_plotlyjs_version()}" in header
    assert (PLOTLY_BASIC.parent / "LICENSE").is_file()


def test_every_trace_type_of_the_figures_is_in_the_basic_bundle(
    client, physician, nurse, make_episode
):
    """The basic bundle draws bar, pie and scatter traces only: a figure that
    starts using another type must bring a bigger bundle with it."""
    assert _bundled_trace_types() == {"bar", "pie", "scatter"}
    episode = make_episode(infused_hours_ago=30)
    _chart_hours(episode, nurse, 24)
    chart.medication_record(
        episode=episode, observed_at=_ago(1), by=nurse, drug="dexamethasone", dose_mg=10
    )
    client.force_login(physician)
    figures = _figures(client.get(reverse("trajectory", args=[episode.patient_id])))
    used = {trace["type"] for name in ("vitals", "labs") for trace in figures[name]["data"]}
    assert used == {"scatter", "bar"}
    assert used <= _bundled_trace_types()


def test_the_trajectory_of_a_patient_with_nothing_charted_still_has_its_panels(
    client, physician, episode
):
    client.force_login(physician)
    figures = _figures(client.get(reverse("trajectory", args=[episode.patient_id])))
    labels = [note["text"] for note in figures["vitals"]["layout"]["annotations"]]
    assert "not graded yet" in labels and "no vasopressor charted" in labels
    assert figures["vitals"]["layout"]["xaxis"]["type"] == "date"


def test_another_wards_patient_has_no_trajectory_here(client, physician, make_episode):
    elsewhere = make_episode(ward=Ward.objects.create(name="Elsewhere ward"))
    client.force_login(physician)
    for page in ("trajectory", "patient_downtime", "patient_detail"):
        assert client.get(reverse(page, args=[elsewhere.patient_id])).status_code == 404


def test_a_discharged_patients_trajectory_ends_at_discharge(client, physician, episode):
    discharged = timezone.now() - timedelta(hours=5)
    Episode.objects.filter(pk=episode.pk).update(discharged_at=discharged)
    client.force_login(physician)
    figures = _figures(client.get(reverse("trajectory", args=[episode.patient_id])))
    end = figures["range"][1]
    assert end.startswith(timezone.localtime(discharged + timedelta(hours=1)).strftime("%Y-%m-%d"))


def test_the_trajectory_costs_the_same_queries_for_a_short_or_long_episode(
    client, physician, nurse, make_episode
):
    client.force_login(physician)

    def count_for(hours):
        episode = make_episode(infused_hours_ago=hours + 6)
        _chart_hours(episode, nurse, hours)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("trajectory", args=[episode.patient_id])).status_code == 200
        return len(queries)

    assert count_for(12) == count_for(48)


def _shown_times(figures) -> list[str]:
    temperature = _traces(figures["vitals"])["Temperature"]
    return temperature["x"]


def test_the_trajectory_loads_the_last_72_hours_and_steps_back_by_as_much(
    client, physician, nurse, make_episode
):
    episode = make_episode(infused_hours_ago=110)
    _chart_hours(episode, nurse, 100)
    client.force_login(physician)
    url = reverse("trajectory", args=[episode.patient_id])
    response = client.get(url)
    page, figures = response.content.decode(), _figures(response)
    start = figures["range"][0]
    times = _shown_times(figures)
    # Hourly sets for 72 h (and the one before the window: its support still ran).
    assert 72 <= len(times) <= 74 and sorted(times)[1] >= start
    assert 'aria-current="true">Last 72 h' in page
    earlier = re.search(r'href="(\?window=72h&amp;until=[^"]+)" rel="prev"', page).group(1)
    assert 'rel="next"' not in page  # it ends now

    response = client.get(url + earlier.replace("&amp;", "&"))
    before, page = _figures(response), response.content.decode()
    assert before["range"][1] <= start or before["range"][0] < start
    assert max(_shown_times(before)) <= min(times[1:])
    assert 'rel="next"' in page and 'rel="prev"' not in page  # back at the infusion
    assert "aria-current" not in page  # no longer the last 72 h

    whole = _figures(client.get(url, {"window": "episode"}))
    assert len(_shown_times(whole)) == 100


def test_a_window_the_page_does_not_know_is_the_default_one(client, physician, episode):
    client.force_login(physician)
    url = reverse("trajectory", args=[episode.patient_id])
    for params in ({"window": "1y"}, {"until": "yesterday"}, {"until": "2026-01-01T00:00"}):
        response = client.get(url, params)
        assert response.status_code == 200
        assert 'aria-current="true">Last 72 h' in response.content.decode()
