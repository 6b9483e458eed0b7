"""Checks a protocol's steroid rule can name in its `condition` field.

Each reads the snapshot (and the CRS trajectory, for conditions over time)
and returns the reason in words when the condition holds at T, else None.
A new protocol reuses these by name; a new kind of condition is a new
function here, never a branch on a protocol's code.
"""

from collections.abc import Callable

from .circulation import hypotension
from .tocilizumab import doses
from .trajectory import Trajectory
from .types import Snapshot
from .wording import clock


def refractory_hypotension(snapshot: Snapshot, trajectory: Trajectory) -> str | None:
    """Seed 000, Grade 2 CRS: "persistent refractory hypotension".

    **choice**: hypotension at every blood pressure charted since the last
    tocilizumab dose (at least one), i.e. treatment has not lifted it.
    """
    given = doses(snapshot)
    if not given:
        return None
    since = given[-1].at
    readings = [v for v in snapshot.vitals if v.at > since and v.has_pressure]
    if not readings:
        return None
    if all(hypotension(v, snapshot.age_years, snapshot.settings) for v in readings):
        return f"hypotension persisting since tocilizumab at {clock(since, snapshot.at)}"
    return None


def deterioration(snapshot: Snapshot, trajectory: Trajectory) -> str | None:
    """Seed 001, Grade 2 CRS: dexamethasone "if deterioration occurs".

    **choice**: the CRS grade now is higher than at some time since the first
    tocilizumab dose.
    """
    given = doses(snapshot)
    if not given:
        return None
    now = next(trajectory.backwards())[1]
    lowest = trajectory.lowest_since(given[0].at)
    if now > lowest:
        first = clock(given[0].at, snapshot.at)
        return f"CRS grade rose from {lowest} to {now} after tocilizumab at {first}"
    return None


CONDITIONS: dict[str, Callable[[Snapshot, Trajectory], str | None]] = {
    "refractory_hypotension": refractory_hypotension,
    "deterioration": deterioration,
}
