"""The registry summary of CAR-T episodes: read the chart and the stored
assessments of many episodes in a fixed number of queries, replay the CRS
course and the infection work-up with grading's own rules, and hand the
plain rows to interop.registry_figures.

Nothing is stored: a summary is computed when it is asked for, as of now or,
for a discharged episode, as of its discharge.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from grading.models import Assessment
from grading.rules import EventEntry, Snapshot, VitalsEntry
from grading.rules.course import crs_course
from grading.snapshot import event_entry, medication_entry, vitals_entry, ward_settings
from grading.workup import workup_checklists
from patients import access
from patients.models import Episode, MedicationAdministration, VitalsSet, WorkupEvent

from .registry_figures import (
    Course,
    Dose,
    Drugs,
    Vasopressors,
    Workup,
    course_figures,
    drug_figures,
    spells_from_grades,
    vasopressor_figures,
)

ICU_TRANSFER = "icu_transfer"
# A registry export covers at most a year of infusions per download.
LONGEST_RANGE = timedelta(days=366)


@dataclass(frozen=True)
class EpisodeSummary:
    episode: Episode
    as_of: datetime  # now, or the discharge for a discharged episode
    crs: Course
    icans: Course
    drugs: Drugs
    vasopressors: Vasopressors
    icu_transfer_at: datetime | None
    workup: Workup

    @property
    def tz(self):
        return self.episode.patient.ward.tzinfo

    @property
    def infusion_date(self) -> date:
        return self.episode.infusion_at.astimezone(self.tz).date()

    @property
    def complete(self) -> bool:
        """A discharged episode's summary no longer changes."""
        return self.episode.discharged_at is not None


def _episodes(query: QuerySet[Episode]) -> list[Episode]:
    return list(query.select_related("patient__ward").order_by("infusion_at", "pk"))


def visible_episodes(user) -> QuerySet[Episode]:
    """Episodes of the patients this user may see (their wards, or all)."""
    return Episode.objects.filter(patient__in=access.visible_patients(user))


def episodes_infused_between(user, first: date, last: date) -> list[Episode]:
    """Episodes infused on a day from `first` to `last` (inclusive), each day
    read in its ward's own zone, of the patients this user may see."""
    # A day in any zone lies within a day either side of the UTC day.
    start = datetime.combine(first - timedelta(days=1), time.min, tzinfo=UTC)
    end = datetime.combine(last + timedelta(days=2), time.min, tzinfo=UTC)
    candidates = _episodes(
        visible_episodes(user).filter(infusion_at__gte=start, infusion_at__lt=end)
    )
    return [
        e
        for e in candidates
        if first <= e.infusion_at.astimezone(e.patient.ward.tzinfo).date() <= last
    ]


def episode_summaries(episodes: list[Episode], now: datetime | None = None) -> list[EpisodeSummary]:
    """The summary of each episode, in the order given: five queries whatever
    the number of episodes (vitals, their vasopressors, drugs, work-up events,
    assessments). Rows entered in error are left out, as the rules leave them."""
    now = now or timezone.now()
    ids = [e.pk for e in episodes]
    vitals = defaultdict(list)
    for row in (
        VitalsSet.objects.valid()
        .filter(episode_id__in=ids, observed_at__lte=now)
        .prefetch_related("vasopressors")
        .order_by("observed_at", "pk")
    ):
        vitals[row.episode_id].append(vitals_entry(row))
    events = defaultdict(list)
    for row in (
        WorkupEvent.objects.valid()
        .filter(episode_id__in=ids, observed_at__lte=now)
        .order_by("observed_at", "pk")
    ):
        events[row.episode_id].append(event_entry(row))
    drugs, grades = _drugs(ids, now), _grades(ids, now)
    return [
        _summary(e, now, vitals[e.pk], drugs[e.pk], events[e.pk], grades[e.pk]) for e in episodes
    ]


def _drugs(ids: list[int], now: datetime) -> dict[int, list[MedicationAdministration]]:
    # As rows: a drug charted under "Other" keeps the name it was charted with.
    drugs = defaultdict(list)
    for row in (
        MedicationAdministration.objects.valid()
        .filter(episode_id__in=ids, observed_at__lte=now)
        .order_by("observed_at", "pk")
    ):
        drugs[row.episode_id].append(row)
    return drugs


def _grades(ids: list[int], now: datetime) -> dict[int, list[tuple[datetime, int, int]]]:
    grades = defaultdict(list)
    for episode_id, at, crs, icans in (
        Assessment.objects.filter(episode_id__in=ids, evaluated_at__lte=now)
        .order_by("evaluated_at", "pk")
        .values_list("episode_id", "evaluated_at", "crs_grade", "icans_grade")
    ):
        grades[episode_id].append((at, crs, icans))
    return grades


def _summary(
    episode: Episode,
    now: datetime,
    vitals: Sequence[VitalsEntry],
    drugs: list[MedicationAdministration],
    events: Sequence[EventEntry],
    grades: list[tuple[datetime, int, int]],
) -> EpisodeSummary:
    ward = episode.patient.ward
    tz = ward.tzinfo
    as_of = min(now, episode.discharged_at) if episode.discharged_at else now
    vitals = tuple(v for v in vitals if v.at <= as_of)
    drugs = [d for d in drugs if d.observed_at <= as_of]
    events = tuple(e for e in events if e.at <= as_of)
    medications = tuple(medication_entry(d) for d in drugs)
    # The rules' own snapshot, with what the course and the work-up read.
    snapshot = Snapshot(
        at=as_of.astimezone(tz),
        age_years=episode.patient.age_years(as_of),
        infusion_at=episode.infusion_at,
        protocol=episode.protocol,
        vitals=vitals,
        medications=medications,
        events=events,
        settings=ward_settings(ward),
    )
    spells = [(s.onset_at, s.resolved_at) for s in crs_course(snapshot).spells]
    common = {"infusion_at": episode.infusion_at, "as_of": as_of, "tz": tz}
    crs = course_figures(spells, [(at, c) for at, c, _ in grades], **common)
    icans_grades = [(at, i) for at, _, i in grades]
    icans = course_figures(spells_from_grades(icans_grades), icans_grades, **common)
    checklists = workup_checklists(snapshot)
    first = checklists[-1] if checklists else None  # newest first: the last is the first onset
    workup = Workup(
        fever_at=first.onset if first else None,
        blood_culture_at=first.blood_cultures[0].at if first and first.blood_cultures else None,
        antibiotic_at=first.first_antibiotic.at if first and first.first_antibiotic else None,
    )
    doses = [
        Dose(m.at, m.drug, m.dose_mg, d.drug_other if m.drug == "other" else "")
        for m, d in zip(medications, drugs, strict=True)
    ]
    icu = next((e.at for e in events if e.kind == ICU_TRANSFER), None)
    return EpisodeSummary(
        episode=episode,
        as_of=as_of,
        crs=crs,
        icans=icans,
        drugs=drug_figures(doses, tz=tz),
        vasopressors=vasopressor_figures(
            (v.at, len(v.vasopressors)) for v in vitals if v.vasopressors is not None
        ),
        icu_transfer_at=icu,
        workup=workup,
    )


def episode_summary(
    episode: Episode, now: datetime | None = None, chart: Snapshot | None = None
) -> EpisodeSummary:
    """One episode's summary; with `chart` (the episode's snapshot, read by the
    caller as of `now` or later) its vitals and events are not read again."""
    if chart is None:
        (summary,) = episode_summaries(_episodes(Episode.objects.filter(pk=episode.pk)), now)
        return summary
    now = now or chart.at
    return _summary(
        episode,
        now,
        chart.vitals,
        _drugs([episode.pk], now)[episode.pk],
        chart.events,
        _grades([episode.pk], now)[episode.pk],
    )
