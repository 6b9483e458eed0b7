"""Which weight a dose is checked against (clinical-rules.md section 5 r2)."""

from datetime import datetime, timedelta

from .types import Snapshot, WeightEntry

# clinical-rules.md section 5 r2: with no weight in the days before a dose, a
# weight measured within 24 h after it is used (admission weights are often
# charted late). Exactly 24 h after still counts, as exactly 7 days before does.
WEIGHED_AFTER_WITHIN = timedelta(hours=24)


def weight_history(snapshot: Snapshot) -> tuple[WeightEntry, ...]:
    """The weights charted by T, oldest first: the `weights` history and the
    snapshot's single weight (at its time, or at T when it has none)."""
    history = list(snapshot.weights)
    if snapshot.weight_kg is not None:
        moment = snapshot.at if snapshot.weight_at is None else snapshot.weight_at
        if moment <= snapshot.at:  # weighed after T: not known yet
            history.append(WeightEntry(at=moment, kg=snapshot.weight_kg))
    return tuple(sorted(history, key=lambda w: w.at))


def weight_valid_at(snapshot: Snapshot, moment: datetime) -> WeightEntry | None:
    """The weight valid for a dose given at `moment`, or None (`no_weight`).

    Clinical-rules.md section 5 r2: the latest weight measured at or before
    the dose and within the ward's validity (**choice**: 7 days) before it;
    if none, the first weight measured within 24 h after the dose. Only what
    is charted by T counts. A weight without a time (`patient.weight_kg`
    alone, spec/grade-command.md r2) applies at every time.
    """
    if not snapshot.weights and snapshot.weight_kg is not None and snapshot.weight_at is None:
        return WeightEntry(at=moment, kg=snapshot.weight_kg)
    history = weight_history(snapshot)
    valid_for = timedelta(days=snapshot.settings.weight_valid_days)
    before = [w for w in history if w.at <= moment and moment - w.at <= valid_for]
    if before:
        return before[-1]  # sorted by time; of two at one time, the later charted
    after = [w for w in history if moment < w.at <= moment + WEIGHED_AFTER_WITHIN]
    return after[0] if after else None
