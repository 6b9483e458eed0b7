"""The card's sparkline: the last 72 h of both grades as SVG step paths.

Drawn from the grade changes only (the reading keeps the rows where a grade
moved), so a week of hourly regrades is a handful of points per card. The
series (`Series`) is small and kept with a cached card: the drawing slides with
the clock (its right edge is now), so it is drawn again from the series on each
look, which costs no query and no template, and the card's HTML need not be
drawn again every minute.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# The sparkline covers the three days in which CRS usually turns.
SPARKLINE_WINDOW = timedelta(hours=72)
SPARK_WIDTH, SPARK_HEIGHT, SPARK_PAD = 216, 44, 4


def _spark_y(grade: float) -> float:
    return round(SPARK_HEIGHT - SPARK_PAD - grade * (SPARK_HEIGHT - 2 * SPARK_PAD) / 4, 1)


# The grid lines are the same on every card: worked out and written once.
GRID = tuple((grade, _spark_y(grade)) for grade in range(5))
GRID_LINES = mark_safe(
    "".join(
        f'<line class="spark-grid" x1="0" x2="{SPARK_WIDTH}" y1="{y}" y2="{y}"'
        ' vector-effect="non-scaling-stroke"/>'
        for _, y in GRID
    )
)


@dataclass(frozen=True)
class Sparkline:
    """The last 72 h of both grades as SVG step paths, and the same in words."""

    crs_path: str
    icans_path: str
    words: str
    width: int = SPARK_WIDTH
    height: int = SPARK_HEIGHT

    @property
    def grid(self) -> tuple[tuple[int, float], ...]:
        return GRID

    @cached_property
    def svg(self) -> SafeString:
        """The drawing as SVG, written here once rather than number by number
        in the template. Drawn on every look at a kept card, so plain string
        formatting: the paths are numbers and letters, the words escaped."""
        words = escape(self.words)
        paths = "".join(
            f'<path class="{css_class}" d="{path}" vector-effect="non-scaling-stroke"/>'
            for css_class, path in (("spark-icans", self.icans_path), ("spark-crs", self.crs_path))
            if path
        )
        return mark_safe(
            f'<svg viewBox="0 0 {self.width} {self.height}" preserveAspectRatio="none"'
            f' role="img" aria-label="{words}"><title>{words}</title>{GRID_LINES}{paths}</svg>'
        )


def _spark_x(moment: datetime, since: datetime) -> float:
    fraction = (moment - since) / SPARKLINE_WINDOW
    return round(min(max(fraction, 0.0), 1.0) * SPARK_WIDTH, 1)


def step_path(
    points: list[tuple[datetime, int]],
    x: Callable[[datetime], float],
    y: Callable[[int], float],
    right: float,
) -> str:
    """An SVG step path through (time, grade) points: each grade holds until
    the next and the last until `right`; `x` and `y` place a time and a grade."""
    if not points:
        return ""
    first_at, first_grade = points[0]
    parts = [f"M{x(first_at)} {y(first_grade)}"]
    grade_before = first_grade
    for at, grade in points[1:]:
        # Only where the grade moves: the same line, whichever rows of an
        # unchanged grade the series happens to hold.
        if grade != grade_before:
            parts.append(f"H{x(at)} V{y(grade)}")
            grade_before = grade
    parts.append(f"H{right}")
    return "".join(parts)


def grade_moves(grades: list[int]) -> str:
    """How a grade moved, in words: "0 → 2 → 3"."""
    steps = [grade for i, grade in enumerate(grades) if i == 0 or grades[i - 1] != grade]
    return " → ".join(str(grade) for grade in steps)


def _step_path(points: list[tuple[datetime, int]], since: datetime, offset: float) -> str:
    return step_path(
        points, lambda at: _spark_x(at, since), lambda g: _spark_y(g) + offset, SPARK_WIDTH
    )


# (evaluated_at, CRS grade, ICANS grade) per point, oldest first.
Series = tuple[tuple[datetime, int, int], ...]


def series(history: list) -> Series:
    """`history`: rows with evaluated_at, crs_grade and icans_grade, oldest first."""
    return tuple((a.evaluated_at, a.crs_grade, a.icans_grade) for a in history)


def sparkline(points: Series, now: datetime) -> Sparkline:
    """The drawing of a series as of `now`. A series kept since an earlier
    moment draws the same as one read now, as long as no grade was added: the
    grade in force when the window opens is the last point at or before it."""
    since = now - SPARKLINE_WINDOW
    anchor = 0
    for i, (at, _, _) in enumerate(points):
        if at <= since:
            anchor = i
    points = points[anchor:]
    crs = [(max(at, since), crs_grade) for at, crs_grade, _ in points]
    icans = [(max(at, since), icans_grade) for at, _, icans_grade in points]
    if not points:
        words = "not graded in the last 72 h"
    else:
        words = (
            f"last 72 h: CRS {grade_moves([g for _, g in crs])},"
            f" ICANS {grade_moves([g for _, g in icans])}"
        )
    # ICANS sits a pixel and a half lower so that equal grades stay two lines.
    return Sparkline(
        crs_path=_step_path(crs, since, 0), icans_path=_step_path(icans, since, 1.5), words=words
    )
