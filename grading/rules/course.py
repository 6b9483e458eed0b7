"""The course of CRS: onset, active, resolution and a new onset
(clinical-rules.md section 8 and the quiet period of section 13.1).

A vitals set is *abnormal* when, with what it carries forward from earlier
sets (section 2 r2: not recorded is never "none"), it shows a fever, hypotension,
a vasopressor or oxygen beyond room air; otherwise it is *quiet*. A CRS
starts with a fever after infusion while none is active, and resolves at the
first moment T when the last abnormal set is at least the ward's resolution
time (24 h) old and a quiet set lies inside the evidence window before T:
nothing charted is not quiet. The resolution time is the first quiet set
after the last abnormal one.
"""

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from .circulation import hypotension
from .temperature import is_fever
from .types import Snapshot, VitalsEntry


@dataclass(frozen=True)
class Spell:
    """One CRS, from its onset fever to its resolution (None while active)."""

    onset_at: datetime
    resolved_at: datetime | None = None


@dataclass(frozen=True)
class CrsCourse:
    spells: tuple[Spell, ...]

    @property
    def status(self) -> str:
        """`none` (no CRS yet), `active` or `resolved` (spec/grade-command.md r2)."""
        if not self.spells:
            return "none"
        return "active" if self.spells[-1].resolved_at is None else "resolved"

    @property
    def active(self) -> bool:
        return self.status == "active"

    @property
    def current(self) -> Spell | None:
        """The current CRS, or the last one when it has resolved."""
        return self.spells[-1] if self.spells else None

    @property
    def onset_at(self) -> datetime | None:
        return self.current.onset_at if self.current else None

    @property
    def resolved_at(self) -> datetime | None:
        return self.current.resolved_at if self.current else None

    @property
    def first_onset_at(self) -> datetime | None:
        return self.spells[0].onset_at if self.spells else None

    @property
    def onsets(self) -> tuple[datetime, ...]:
        return tuple(spell.onset_at for spell in self.spells)


ABNORMAL, QUIET, UNKNOWN = "abnormal", "quiet", "unknown"


@dataclass(frozen=True)
class Support:
    """The latest vitals sets that recorded a blood pressure, the vasopressors
    and the oxygen: what a set carries forward (section 2 r2)."""

    pressure: VitalsEntry | None = None
    pressors: VitalsEntry | None = None
    oxygen: VitalsEntry | None = None

    def after(self, entry: VitalsEntry) -> "Support":
        return Support(
            entry if entry.has_pressure else self.pressure,
            entry if entry.vasopressors is not None else self.pressors,
            entry if entry.oxygen is not None else self.oxygen,
        )


def _mark(entry: VitalsEntry, support: Support, snapshot: Snapshot) -> str:
    window = snapshot.evidence_window
    pressure, pressors, oxygen = support.pressure, support.pressors, support.oxygen

    def recent(source):
        return source is not None and entry.at - window < source.at

    if (
        is_fever(entry.temperature_c)
        or (recent(pressors) and bool(pressors.vasopressors))
        or (recent(oxygen) and oxygen.oxygen.device != "room_air")
        or (
            recent(pressure)
            and hypotension(pressure, snapshot.age_years, snapshot.settings) is not None
        )
    ):
        return ABNORMAL
    if entry.temperature_c is not None and all(
        recent(source) for source in (pressure, pressors, oxygen)
    ):
        return QUIET
    return UNKNOWN


def marked_sets(snapshot: Snapshot) -> list[tuple[VitalsEntry, str]]:
    """Each vitals set since the infusion, marked abnormal, quiet or unknown.

    Pressure, vasopressors and oxygen come from the latest set that recorded
    them within the evidence window of that set (section 2 r2). A set is
    quiet only when it shows everything was normal: its temperature and all
    three support records inside the window. A set that leaves one of them
    unknown (a temperature alone after 12 h without a blood pressure, say)
    neither continues nor breaks a quiet period: nothing charted is not quiet
    (section 13.1).
    """
    support = Support()
    marked = []
    for entry in snapshot.vitals:
        support = support.after(entry)
        if snapshot.since(entry.at):
            marked.append((entry, _mark(entry, support, snapshot)))
    return marked


def _resolved(
    last_abnormal: datetime, quiet: Sequence[datetime], until: datetime, snapshot: Snapshot
) -> bool:
    """Whether some moment up to `until` (exclusive) lies at least the resolution
    time after the last abnormal set with a quiet set inside the evidence window
    before it (section 13.1)."""
    needed = timedelta(hours=snapshot.settings.crs_resolution_hours)
    window = snapshot.evidence_window
    for moment in quiet:
        earliest = max(last_abnormal + needed, moment)
        if earliest < moment + window and earliest < until:
            return True
    return False


@dataclass(frozen=True)
class _State:
    """Where the course stands after some vitals sets: the resolved spells,
    and the CRS still open (its onset, its last abnormal set, the quiet sets
    since)."""

    spells: tuple[Spell, ...] = ()
    onset: datetime | None = None
    last_abnormal: datetime | None = None
    quiet: tuple[datetime, ...] = ()


def _step(state: _State, entry: VitalsEntry, mark: str, snapshot: Snapshot) -> _State:
    spells, onset, last_abnormal, quiet = (
        state.spells,
        state.onset,
        state.last_abnormal,
        state.quiet,
    )
    if onset is not None and _resolved(last_abnormal, quiet, entry.at, snapshot):
        spells = (*spells, Spell(onset, quiet[0]))
        onset = None
    if onset is None:
        # Section 8: a fever after infusion while no CRS is active starts one.
        if is_fever(entry.temperature_c):
            onset, last_abnormal, quiet = entry.at, entry.at, ()
        return _State(spells, onset, last_abnormal, quiet)
    if mark == ABNORMAL:
        last_abnormal, quiet = entry.at, ()
    elif mark == QUIET:
        quiet = (*quiet, entry.at)
    return _State(spells, onset, last_abnormal, quiet)


@dataclass(frozen=True)
class Walked:
    """Where the walk of the vitals stands after some sets: the course, and
    the support those sets carry forward. All a later set needs of the ones
    before it, so a walk can go on from here (Walk.resume)."""

    course: _State = _State()
    support: Support = Support()


def _advance(walked: Walked, entry: VitalsEntry, snapshot: Snapshot) -> Walked:
    support = walked.support.after(entry)
    if not snapshot.since(entry.at):
        return Walked(walked.course, support)
    course = _step(walked.course, entry, _mark(entry, support, snapshot), snapshot)
    return Walked(course, support)


def _walk(snapshot: Snapshot, start: Walked | None = None, done: int = 0) -> list[Walked]:
    """Where the walk stands after each prefix of the snapshot's vitals:
    walk[k] after vitals[:k]. With `start`, where it stood after the first
    `done` sets, and walk[k] for k < done is not known (None).

    The marks and the steps read only the vitals before them, the infusion
    time, the age and the ward's settings; none depends on the snapshot's own
    time. So an earlier view of the same chart (Snapshot.as_of keeps all of
    these and cuts the vitals) stands where this walk stood at its length: the
    trajectory grades dozens of earlier moments from one walk of the stay.
    """
    walked = start or Walked()
    walk: list[Walked | None] = [None] * done + [walked]
    for entry in snapshot.vitals[done:]:
        walked = _advance(walked, entry, snapshot)
        walk.append(walked)
    return walk


def _same_course_inputs(a: Snapshot, b: Snapshot) -> bool:
    return (
        a.infusion_at == b.infusion_at and a.age_years == b.age_years and a.settings == b.settings
    )


def _state_of(snapshot: Snapshot) -> _State:
    """The course state after all of the snapshot's vitals, from the walk of the
    snapshot it was cut from (Snapshot.as_of), computed once for all its cuts."""
    origin = snapshot.origin
    count = len(snapshot.vitals)
    if not (
        count <= len(origin.vitals)
        and snapshot.vitals == origin.vitals[:count]
        and _same_course_inputs(snapshot, origin)
    ):
        return _walk(snapshot)[-1].course
    # Kept beside the very tuple it walked, so a copy can never reuse it wrongly.
    cached = origin.__dict__.get("_course_walk")
    if cached is None or cached[0] is not origin.vitals:
        cached = (origin.vitals, RECENT_WALKS.walk(origin))
        object.__setattr__(origin, "_course_walk", cached)
    return cached[1][count].course


class RecentWalks:
    """The last few walks, each kept with the vitals it walked: a chart that
    only grew since (the next hour of a `manage.py grade` batch, the next
    regrade of the same patient) goes on from where its walk ended instead of
    walking the whole stay again. Only a walk of the same sets, in the same
    order, with the same infusion, age and settings is reused, so the result
    is the walk from scratch (tests/rules/test_course_walk.py)."""

    def __init__(self, size: int = 32):
        self.size = size
        self._walks: list[tuple[tuple, tuple[VitalsEntry, ...], list[Walked | None]]] = []
        self._lock = threading.Lock()

    def clear(self) -> None:
        with self._lock:
            self._walks = []

    def walk(self, snapshot: Snapshot) -> list[Walked | None]:
        vitals = snapshot.vitals
        inputs = (snapshot.infusion_at, snapshot.age_years, snapshot.settings)
        with self._lock:
            earlier = next(
                (
                    kept
                    for kept in self._walks
                    if kept[0] == inputs
                    and len(kept[1]) <= len(vitals)
                    and vitals[: len(kept[1])] == kept[1]
                ),
                None,
            )
        if earlier is None:
            walk = _walk(snapshot)
        else:
            done, walked = len(earlier[1]), earlier[2]
            walk = walked + _walk(snapshot, walked[-1], done)[done + 1 :]
        with self._lock:
            self._walks = [(inputs, vitals, walk), *(k for k in self._walks if k is not earlier)]
            del self._walks[self.size :]
        return walk


RECENT_WALKS = RecentWalks()


def crs_course(snapshot: Snapshot) -> CrsCourse:
    state = _state_of(snapshot)
    spells = list(state.spells)
    if state.onset is not None:
        # At T itself the quiet period may have just completed: `until` is
        # inclusive, hence the microsecond.
        if _resolved(
            state.last_abnormal,
            state.quiet,
            snapshot.at + timedelta(microseconds=1),
            snapshot,
        ):
            spells.append(Spell(state.onset, state.quiet[0]))
        else:
            spells.append(Spell(state.onset))
    return CrsCourse(tuple(spells))
