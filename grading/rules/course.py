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
    window = snapshot.evidence_window
    pressure = pressors = oxygen = None
    marked = []
    for entry in snapshot.vitals:
        if entry.has_pressure:
            pressure = entry
        if entry.vasopressors is not None:
            pressors = entry
        if entry.oxygen is not None:
            oxygen = entry
        if not snapshot.since(entry.at):
            continue

        def recent(source, now=entry.at):
            return source is not None and now - window < source.at

        abnormal = (
            is_fever(entry.temperature_c)
            or (recent(pressors) and bool(pressors.vasopressors))
            or (recent(oxygen) and oxygen.oxygen.device != "room_air")
            or (
                recent(pressure)
                and hypotension(pressure, snapshot.age_years, snapshot.settings) is not None
            )
        )
        if abnormal:
            marked.append((entry, ABNORMAL))
        elif entry.temperature_c is not None and all(
            recent(source) for source in (pressure, pressors, oxygen)
        ):
            marked.append((entry, QUIET))
        else:
            marked.append((entry, UNKNOWN))
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


def _walk(snapshot: Snapshot) -> list[_State]:
    """The state after each prefix of the snapshot's vitals: walk[k] is where the
    course stands after vitals[:k].

    The marks and the steps read only the vitals before them, the infusion
    time, the age and the ward's settings; none depends on the snapshot's own
    time. So an earlier view of the same chart (Snapshot.as_of keeps all of
    these and cuts the vitals) stands where this walk stood at its length: the
    trajectory grades dozens of earlier moments from one walk of the stay.
    """
    walk = [_State()]
    marks = iter(marked_sets(snapshot))
    state = walk[0]
    for entry in snapshot.vitals:
        if snapshot.since(entry.at):
            marked, mark = next(marks)
            assert marked is entry
            state = _step(state, entry, mark, snapshot)
        walk.append(state)
    return walk


def _state_of(snapshot: Snapshot) -> _State:
    """The course state after all of the snapshot's vitals, from the walk of the
    snapshot it was cut from (Snapshot.as_of), computed once for all its cuts."""
    origin = snapshot.origin
    count = len(snapshot.vitals)
    if not (
        count <= len(origin.vitals)
        and snapshot.vitals == origin.vitals[:count]
        and snapshot.infusion_at == origin.infusion_at
        and snapshot.age_years == origin.age_years
        and snapshot.settings == origin.settings
    ):
        return _walk(snapshot)[-1]
    # Kept beside the very tuple it walked, so a copy can never reuse it wrongly.
    cached = origin.__dict__.get("_course_walk")
    if cached is None or cached[0] is not origin.vitals:
        cached = (origin.vitals, _walk(origin))
        object.__setattr__(origin, "_course_walk", cached)
    return cached[1][count]


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
