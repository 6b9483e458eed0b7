"""The infection work-up of a CRS onset (clinical-rules.md sections 9 and
13.4): which blood culture and which antibacterial count for it.

Read by the prompts (infection_workup, the protocol's repeat-dose condition
"infection excluded") and by the page that shows the checklist, so all of
them count the same entries.
"""

from datetime import datetime, timedelta

from .types import EventEntry, MedicationEntry, Snapshot

# Clinical-rules.md 13.4: a blood culture or antibacterial charted from 24 h
# before the CRS onset counts (cultures are often drawn at the first rigor,
# before the fever is charted).
COUNTS_FROM_BEFORE_ONSET = timedelta(hours=24)

BLOOD_CULTURE = "blood_culture"
ANTIBACTERIAL = "antibacterial"


def counts_from(onset: datetime) -> datetime:
    return onset - COUNTS_FROM_BEFORE_ONSET


def first_event(snapshot: Snapshot, kind: str, since: datetime | None) -> EventEntry | None:
    """The first event of this kind charted at or after `since` (None: any)."""
    return next(
        (e for e in snapshot.events if e.kind == kind and (since is None or e.at >= since)),
        None,
    )


def current_crs_start(onsets: tuple[datetime, ...], snapshot: Snapshot) -> datetime | None:
    """The latest CRS onset; without one, the infusion (None: the whole chart)."""
    return onsets[-1] if onsets else snapshot.infusion_at


def first_blood_culture(snapshot: Snapshot, onset: datetime) -> EventEntry | None:
    return first_event(snapshot, BLOOD_CULTURE, counts_from(onset))


def first_antibacterial(snapshot: Snapshot, onset: datetime) -> MedicationEntry | None:
    """The first drug of the class "antibacterial" that counts for this onset."""
    since = counts_from(onset)
    return next(
        (m for m in snapshot.medications if m.drug_class == ANTIBACTERIAL and m.at >= since),
        None,
    )
