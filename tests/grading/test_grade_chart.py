"""The trajectory page's first chart: the grades and acuity as SVG, drawn on the server."""

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from grading import services
from grading.grade_chart import BOTTOM, RIGHT, TOP, grade_chart
from patients import services as chart

LONDON = ZoneInfo("Europe/London")
START = datetime(2026, 11, 27, 6, tzinfo=UTC)
END = START + timedelta(hours=72)


@dataclass
class Graded:
    evaluated_at: datetime
    crs_grade: int
    icans_grade: int
    acuity: int


def _path(svg: str, css_class: str) -> str:
    found = re.search(rf'<path class="{css_class}" d="([^"]+)"', svg)
    return found.group(1) if found else ""


def _heights(path: str) -> list[float]:
    """The y of each step of a path, in drawing units (down is larger)."""
    first = float(re.match(r"M[\d.]+ ([\d.]+)", path).group(1))
    return [first, *(float(y) for y in re.findall(r"V([\d.]+)", path))]


def test_each_line_steps_where_its_grade_moved_and_holds_to_the_end():
    history = [
        Graded(START - timedelta(hours=5), 0, 0, 0),  # in force when the window opens
        Graded(START + timedelta(hours=10), 2, 0, 2),
        Graded(START + timedelta(hours=30), 3, 1, 3),
    ]
    drawn = grade_chart(history, START, END, LONDON)

    crs = _path(drawn.svg, "grade-chart-crs")
    assert crs.startswith("M64.0 ")  # from the window's left edge, not before it
    assert crs.endswith(f"H{RIGHT}")
    heights = _heights(crs)
    assert heights[0] == BOTTOM and heights[-1] < heights[1] < heights[0]
    assert "CRS 0 → 2 → 3 (highest 3)" in drawn.words
    assert "ICANS 0 → 1 (highest 1)" in drawn.words
    assert dict((name, top) for name, _, top in drawn.legend) == {"CRS": 3, "ICANS": 1, "Acuity": 3}


def test_shock_without_fever_reads_acuity_4_beside_crs_0():
    # Clinical-rules.md section 9: the chart must not look calmer than the rules.
    history = [Graded(START, 0, 0, 0), Graded(START + timedelta(hours=60), 0, 0, 4)]
    drawn = grade_chart(history, START, END, LONDON)

    assert "Acuity 0 → 4 (highest 4)" in drawn.words
    acuity = _heights(_path(drawn.svg, "grade-chart-acuity"))
    assert acuity[-1] == pytest.approx(TOP - 2.5)  # at the top of the chart
    assert "Grades and acuity over the window shown" in drawn.svg
    assert "Acuity 0 → 4" in drawn.svg  # the words travel with the drawing


def test_a_window_with_no_assessment_says_so_and_draws_no_line():
    drawn = grade_chart([], START, END, LONDON)
    assert drawn.words == "not graded in this window"
    assert "<path" not in drawn.svg
    assert all(highest is None for _, _, highest in drawn.legend)


def test_the_time_axis_reads_the_wards_clock_through_a_change_of_summer_time():
    # 25 Oct 2026: London goes back from 02:00 BST to 01:00 GMT.
    start = datetime(2026, 10, 24, 12, tzinfo=UTC)
    drawn = grade_chart([Graded(start, 1, 0, 1)], start, start + timedelta(hours=24), LONDON)
    labels = re.findall(r'text-anchor="middle">([^<]+)<', drawn.svg)
    assert labels == ["15:00", "18:00", "21:00", "25 Oct", "03:00", "06:00", "09:00", "12:00"]
    xs = [float(x) for x in re.findall(r'<line class="grade-chart-tick" x1="([\d.]+)"', drawn.svg)]
    gaps = [round(b - a, 1) for a, b in zip(xs, xs[1:], strict=False)]
    # Midnight to 03:00 that night lasted four hours, and is drawn so.
    assert gaps[3] == pytest.approx(gaps[2] * 4 / 3, abs=0.2)


def chart_shock_without_fever(episode, nurse, hours_ago: float) -> None:
    """Afebrile shock on two vasopressors, graded: CRS 0, acuity 3 or more."""
    chart.vitals_record(
        episode=episode,
        observed_at=datetime.now(UTC) - timedelta(hours=hours_ago),
        by=nurse,
        temperature_c=Decimal("36.8"),
        systolic=78,
        diastolic=40,
        spo2=96,
        oxygen_device="room_air",
        vasopressors=["norepinephrine", "vasopressin"],
    )
    services.regrade(episode, trigger="new_data")


@pytest.mark.django_db
def test_the_trajectory_page_shows_the_grades_chart_before_any_script(
    client, physician, nurse, make_episode
):
    episode = make_episode(infused_hours_ago=30)
    chart_shock_without_fever(episode, nurse, hours_ago=2)
    client.force_login(physician)
    page = client.get(reverse("trajectory", args=[episode.patient_id])).content.decode()

    drawing = page.index('<svg class="grade-chart-svg"')
    assert drawing < page.index("plotly-basic")
    caption = page[drawing : page.index("</figure>", drawing)]
    assert "CRS 0 (highest 0)" in caption
    assert re.search(r"Acuity 0 → [34] \(highest [34]\)|Acuity [34] \(highest [34]\)", caption)


def test_a_grade_given_a_moment_ago_shows_as_a_dot_at_now():
    # A single assessment at the window's end draws a line too short to see:
    # the value now is marked at the right edge whatever its history.
    drawn = grade_chart([Graded(END, 0, 0, 3)], START, END, LONDON)
    now = re.search(r'class="grade-chart-acuity-now" cx="([\d.]+)" cy="([\d.]+)"', drawn.svg)
    assert float(now.group(1)) == RIGHT
    assert float(now.group(2)) == pytest.approx(TOP + (BOTTOM - TOP) / 4 - 2.5)  # acuity 3
    assert "Acuity 3 (highest 3)" in drawn.words
