"""The CRS grade over time, for prompts that need persistence ("grade 1
lasting > 3 days", "grade >= 3 persisting 24 h after treatment").

The grade at an earlier time is the same rules applied to the same chart as
of that time, so the trajectory never disagrees with the grade shown then.
Grades are computed on demand, walking back from T, and only as far back as
a question needs.
"""

import heapq
from collections.abc import Iterator
from datetime import datetime, timedelta

from .crs import grade_crs
from .fever import lookback
from .temperature import is_fever
from .types import Snapshot

# Just past the end of a fever's look-back, when it stops counting.
TICK = timedelta(microseconds=1)


def change_points(snapshot: Snapshot) -> Iterator[datetime]:
    """Every time the CRS grade can change, latest first: T itself, a vitals
    set, a drug (it can start the fever exemption) and a fever leaving the
    look-back, from the infusion on. Found lazily from the end of the sorted
    chart, so a question that looks back a day reads a day of it."""
    at = snapshot.at
    yield at
    leaves = lookback(snapshot) + TICK
    merged = heapq.merge(
        (v.at for v in reversed(snapshot.vitals)),
        (m.at for m in reversed(snapshot.medications)),
        (
            v.at + leaves
            for v in reversed(snapshot.vitals)
            if is_fever(v.temperature_c) and snapshot.since(v.at)
        ),
        reverse=True,
    )
    last = at
    for moment in merged:
        if moment >= last:
            continue  # after T, or a moment already given
        if not snapshot.since(moment):
            return  # before the infusion, as is everything after it here
        yield moment
        last = moment


class Trajectory:
    """The CRS grades of one snapshot's past, computed once each when asked."""

    def __init__(self, snapshot: Snapshot):
        self.snapshot = snapshot
        self._points = change_points(snapshot)
        self._seen: list[datetime] = []
        self._grades: dict[datetime, int] = {}

    def _moments(self) -> Iterator[datetime]:
        yield from self._seen
        for moment in self._points:
            self._seen.append(moment)
            yield moment

    def backwards(self) -> Iterator[tuple[datetime, int]]:
        """(time, grade) at each change point, latest first."""
        for moment in self._moments():
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
