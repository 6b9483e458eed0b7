"""The CRS grade over time, for prompts that need persistence ("grade 1
lasting > 3 days", "grade >= 3 persisting 24 h after treatment").

The grade at an earlier time is the same rules applied to the same chart as
of that time, so the trajectory never disagrees with the grade shown then.
Grades are computed on demand, walking back from T, and only as far back as
a question needs.
"""

import heapq
import threading
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


class KnownGrades:
    """The CRS grades already worked out for the last few charts. The grade at
    a moment reads only the vitals and drugs charted by then, the infusion
    time, the age and the ward's settings (crs.py). So a chart that only grew
    since (the same patient's next regrade, the next hour of a `manage.py
    grade` batch) has the same grade at every moment before its first new
    entry, and takes it from here instead of grading its past again
    (tests/rules/test_trajectory_memo.py)."""

    def __init__(self, size: int = 32):
        self.size = size
        self._kept: list[tuple[tuple, tuple, tuple, dict[datetime, int]]] = []
        self._lock = threading.Lock()

    def clear(self) -> None:
        with self._lock:
            self._kept = []

    def for_chart(self, snapshot: Snapshot) -> dict[datetime, int]:
        """The grades known for this chart's past, in a dict its trajectory
        fills in and that later charts may read."""
        inputs = (snapshot.infusion_at, snapshot.age_years, snapshot.settings)
        vitals, drugs = snapshot.vitals, snapshot.medications
        with self._lock:
            kept = list(self._kept)
        known: dict[datetime, int] = {}
        for kept_inputs, kept_vitals, kept_drugs, grades in kept:
            if (
                kept_inputs == inputs
                and len(kept_vitals) <= len(vitals)
                and len(kept_drugs) <= len(drugs)
                and vitals[: len(kept_vitals)] == kept_vitals
                and drugs[: len(kept_drugs)] == kept_drugs
            ):
                # Entries past the kept ones are the same time or later: the
                # kept grades hold strictly before the first of them.
                new = (*vitals[len(kept_vitals) :][:1], *drugs[len(kept_drugs) :][:1])
                until = min((entry.at for entry in new), default=None)
                known = {m: g for m, g in grades.items() if until is None or m < until}
                break
        with self._lock:
            self._kept = [(inputs, vitals, drugs, known), *self._kept][: self.size]
        return known


KNOWN_GRADES = KnownGrades()


class Trajectory:
    """The CRS grades of one snapshot's past, computed once each when asked."""

    def __init__(self, snapshot: Snapshot):
        self.snapshot = snapshot
        self._points = change_points(snapshot)
        self._seen: list[datetime] = []
        self._grades = KNOWN_GRADES.for_chart(snapshot)

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
