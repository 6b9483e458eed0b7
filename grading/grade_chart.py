"""The grades over the trajectory page's window as SVG, drawn on the server.

The page's first chart: it is in the HTML, so a tablet shows how the CRS,
ICANS and acuity moved as soon as the page arrives, while plotly.js (a
megabyte of script to parse on a slow CPU) is still loading for the
interactive figures below it. It also stands where script does not run.

Acuity is drawn beside the grades because a patient in shock without fever
has CRS 0: the chart must not look calmer than the rules say (clinical-rules.md
section 9).
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .board.drawing import grade_moves, step_path

WIDTH, HEIGHT = 960, 176
LEFT, RIGHT, TOP, BOTTOM = 64, 948, 10, 146  # the plotting area inside the drawing
TOP_GRADE = 4

# (name, attribute, css class, offset in px so equal values stay separate lines)
SERIES = (
    ("CRS", "crs_grade", "grade-chart-crs", 0.0),
    ("ICANS", "icans_grade", "grade-chart-icans", 2.5),
    ("Acuity", "acuity", "grade-chart-acuity", -2.5),
)


def _y(grade: float) -> float:
    return round(BOTTOM - grade * (BOTTOM - TOP) / TOP_GRADE, 1)


@dataclass(frozen=True)
class Span:
    start: datetime
    end: datetime
    zone: ZoneInfo

    def x(self, moment: datetime) -> float:
        fraction = (moment - self.start) / (self.end - self.start)
        return round(LEFT + min(max(fraction, 0.0), 1.0) * (RIGHT - LEFT), 1)

    def ticks(self) -> list[tuple[datetime, str]]:
        """Ward-local hours to label: about eight along the axis, on the hour,
        each day's midnight named by its date."""
        hours = (self.end - self.start) / timedelta(hours=1)
        step = next((s for s in (3, 6, 12, 24, 48, 96, 168) if hours / s <= 8), 336)
        # Hour by hour in absolute time, read on the ward's clock: a change of
        # summer time neither skips nor repeats a tick.
        floor = self.start.astimezone(self.zone).replace(minute=0, second=0, microsecond=0)
        moment = floor.astimezone(UTC)
        ticks = []
        while moment <= self.end:
            local = moment.astimezone(self.zone)
            if moment >= self.start and local.hour % min(step, 24) == 0:
                label = local.strftime("%-d %b") if local.hour == 0 else local.strftime("%H:%M")
                ticks.append((moment, label))
            moment += timedelta(hours=1)
        if step > 24:
            ticks = ticks[:: step // 24]
        return ticks


@dataclass(frozen=True)
class GradeChart:
    svg: SafeString
    words: str  # the same in words: how each line moved, and its highest value
    legend: tuple[tuple[str, str, int | None], ...]  # (name, css class, highest)


def grade_chart(history: list, start: datetime, end: datetime, zone: ZoneInfo) -> GradeChart:
    """`history`: assessments (evaluated_at, crs_grade, icans_grade, acuity)
    oldest first, the first the one in force at `start`."""
    span = Span(start, end, zone)
    grid = "".join(
        f'<line class="grade-chart-grid" x1="{LEFT}" x2="{RIGHT}" y1="{_y(g)}" y2="{_y(g)}"/>'
        f'<text class="grade-chart-label" x="{LEFT - 8}" y="{_y(g) + 4}"'
        f' text-anchor="end">{g}</text>'
        for g in range(TOP_GRADE + 1)
    )
    ticks = "".join(
        f'<line class="grade-chart-tick" x1="{span.x(at)}" x2="{span.x(at)}" y1="{TOP}"'
        f' y2="{BOTTOM + 4}"/><text class="grade-chart-label" x="{span.x(at)}"'
        f' y="{BOTTOM + 20}" text-anchor="middle">{label}</text>'
        for at, label in span.ticks()
    )
    paths, words, legend = [], [], []
    for name, attribute, css_class, offset in SERIES:
        points = [(max(a.evaluated_at, start), getattr(a, attribute)) for a in history]
        grades = [grade for _, grade in points]
        path = step_path(points, span.x, lambda g, o=offset: _y(g) + o, RIGHT)
        if path:
            # Unfilled even without the stylesheet: a filled step reads as a wedge.
            paths.append(
                f'<path class="{css_class}" d="{path}" fill="none" stroke="currentColor"/>'
            )
            # The value now, as a dot at the right edge: a grade that changed a
            # minute ago is a line too short to see, never a calm chart.
            paths.append(
                f'<circle class="{css_class}-now" cx="{RIGHT}" cy="{_y(grades[-1]) + offset}"'
                ' r="5"/>'
            )
            words.append(f"{name} {grade_moves(grades)} (highest {max(grades)})")
        legend.append((name, css_class, max(grades) if grades else None))
    said = "; ".join(words) if words else "not graded in this window"
    title = escape(f"Grades and acuity over the window shown: {said}")
    svg = (
        f'<svg class="grade-chart-svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img"'
        f' aria-label="{title}"><title>{title}</title>{grid}{ticks}{"".join(paths)}</svg>'
    )
    return GradeChart(mark_safe(svg), said, tuple(legend))
