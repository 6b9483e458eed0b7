"""The CRS grade over time, for prompts that need persistence ("grade 1
lasting > 3 days", "grade >= 3 persisting 24 h after treatment").

The grade at an earlier time is the same rules applied to the same chart as
of that time, so the trajectory never disagrees with the grade shown then.
Grades are computed on demand, walking back from T, and only as far back as
a question needs.
"""

from collections.abc import Iterator
from datetime import datetime, timedelta

from .crs import grade_crs
from .fever import episode_fevers, lookback
from .types import Snapshot

# Just past the end of a fever's look-back, when it stops counting.
TICK = timedelta(microseconds=1)


def change_points(snapshot: Snapshot) -> tuple[datetime, ...]:
    """Every time the CRS grade can change: a vitals set, a drug (it can start
    the fever exemption), a fever leaving the look-back, and T itself."""
    moments = {v.at for v in snapshot.vitals}
    moments |= {m.at for m in snapshot.medications}
    moments |= {f.at + lookback(snapshot) + TICK for f in episode_fevers(snapshot)}
    moments = {t for t in moments if t <= snapshot.at and snapshot.since(t)}
    moments.add(snapshot.at)
    return tuple(sorted(moments))


class Trajectory:
    """The CRS grades of one snapshot's past, computed once each when asked."""

    def __init__(self, snapshot: Snapshot):
        self.snapshot = snapshot
        self._points = change_points(snapshot)
        self._grades: dict[datetime, int] = {}

    def backwards(self) -> Iterator[tuple[datetime, int]]:
        """(time, grade) at each change point, latest first."""
        for moment in reversed(self._points):
            if moment not in self._grades:
                self._grades[moment] = grade_crs(self.snapshot.as_of(moment)).grade
            yield moment, self._grades[moment]

    def run_start(self, min_grade: int, back_to: datetime | None = None) -> datetime | None:
        """When the current run of grade >= min_grade began; None if the grade
        at T is below it. With `back_to`, stops once the run reaches before it."""
        start = None
        for moment, grade in self.backwards():
            if grade < min_grade:
                break
            start = moment
            if back_to is not None and moment < back_to:
                break
        return start

    def lowest_since(self, moment: datetime) -> int:
        """The lowest grade from `moment` (the grade in force then) to T."""
        lowest = 4
        for at, grade in self.backwards():
            lowest = min(lowest, grade)
            if at <= moment:
                break
        return lowest


def crs_history(snapshot: Snapshot) -> tuple[tuple[datetime, int], ...]:
    """(time, CRS grade) at every change point up to T, oldest first."""
    return tuple(reversed(list(Trajectory(snapshot).backwards())))
