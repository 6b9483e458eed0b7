"""The infection work-up checklist of the patient page (clinical-rules section
9 and 13.4): from each CRS onset, the cultures drawn, the first antibiotic and
the time from fever to that antibiotic."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from clinical.vocabulary import DRUGS

from .rules import EventEntry, MedicationEntry, Snapshot
from .rules.course import crs_course
from .rules.fever import is_fever

# clinical-rules 13.4: a culture or antibacterial from 24 h before the onset counts.
COUNTS_FROM_BEFORE_ONSET = timedelta(hours=24)
# ASCO and institutional neutropenic fever pathways: antibiotics within 1 hour.
ANTIBIOTIC_WITHIN = timedelta(hours=1)

CULTURES = ("blood_culture", "urine_culture")
DRUG_WORDS = dict(DRUGS)


def crs_onsets(snapshot: Snapshot) -> tuple[datetime, ...]:
    """Every CRS onset of the episode, oldest first: the first fever after
    infusion and each fever after a resolution (clinical-rules section 8)."""
    return crs_course(snapshot).onsets


@dataclass(frozen=True)
class Checklist:
    onset: datetime
    fever_c: float | None
    blood_cultures: tuple[EventEntry, ...]
    urine_cultures: tuple[EventEntry, ...]
    first_antibiotic: MedicationEntry | None
    other_events: tuple[EventEntry, ...]  # the rest of the work-up since the onset
    at: datetime  # when the checklist was drawn up

    @property
    def antibiotic_words(self) -> str:
        drug = self.first_antibiotic
        return "" if drug is None else DRUG_WORDS.get(drug.drug, drug.drug)

    @property
    def fever_to_antibiotic(self) -> timedelta | None:
        """From the fever to the first antibiotic; zero when it was already running."""
        if self.first_antibiotic is None:
            return None
        return max(self.first_antibiotic.at - self.onset, timedelta(0))

    @property
    def antibiotic_before_fever(self) -> bool:
        return self.first_antibiotic is not None and self.first_antibiotic.at < self.onset

    @property
    def waiting_for_antibiotic(self) -> timedelta | None:
        """How long since the fever with no antibiotic charted."""
        return None if self.first_antibiotic is not None else self.at - self.onset

    @property
    def antibiotic_late(self) -> bool:
        waited = self.fever_to_antibiotic or self.waiting_for_antibiotic
        return waited is not None and waited > ANTIBIOTIC_WITHIN


def workup_checklists(snapshot: Snapshot) -> list[Checklist]:
    """One checklist per CRS onset, newest first. Each runs until the next
    onset: the resolution of a CRS does not close its checklist (13.4)."""
    onsets = crs_onsets(snapshot)
    checklists = []
    for index, onset in enumerate(onsets):
        start = onset - COUNTS_FROM_BEFORE_ONSET
        end = onsets[index + 1] - COUNTS_FROM_BEFORE_ONSET if index + 1 < len(onsets) else None

        def counted(entry, start=start, end=end) -> bool:
            return entry.at >= start and (end is None or entry.at < end)

        events = [e for e in snapshot.events if counted(e)]
        antibiotics = [
            m for m in snapshot.medications if m.drug_class == "antibacterial" and counted(m)
        ]
        fever = next(
            (v for v in snapshot.vitals if v.at == onset and is_fever(v.temperature_c)), None
        )
        checklists.append(
            Checklist(
                onset=onset,
                fever_c=fever.temperature_c if fever else None,
                blood_cultures=tuple(e for e in events if e.kind == "blood_culture"),
                urine_cultures=tuple(e for e in events if e.kind == "urine_culture"),
                first_antibiotic=antibiotics[0] if antibiotics else None,
                other_events=tuple(e for e in events if e.kind not in CULTURES and e.at >= onset),
                at=snapshot.at,
            )
        )
    return list(reversed(checklists))
