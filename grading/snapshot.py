"""The one bridge from chart rows to the rules' snapshot.

Loads a whole episode in a fixed number of queries (one per chart table, and
one for the vasopressors of every vitals set), leaving out rows entered in
error; the rules decide what falls inside `at`.

The rules read the whole episode, not only their windows: the CRS course
(section 8) marks every vitals set since the infusion, the trajectory grades
any earlier moment (a repeat dose asks the grade when the last one was
given, `refractory_options` how long grade 3 has lasted), the labs keep each
test's latest value and the creatinine baseline, and the counters every dose.
So every valid row is loaded, but as plain column values (`values_list`), never
as model instances: on a four-week stay the chart is read in a few
milliseconds. tests/grading/test_snapshot_loader.py proves the snapshot equal
to the one built from model instances.
"""

from datetime import datetime

from django.db.models import QuerySet

from clinical.vocabulary import known_drug_named
from patients.models import (
    ICE_FIELDS,
    Episode,
    LabResult,
    MedicationAdministration,
    NeuroAssessment,
    Vasopressor,
    VitalsSet,
    Ward,
    WeightMeasurement,
    WorkupEvent,
)

from .rules import (
    EventEntry,
    LabEntry,
    MedicationEntry,
    NeuroEntry,
    Oxygen,
    Snapshot,
    VitalsEntry,
    WardSettings,
    WeightEntry,
)


def ward_settings(ward: Ward) -> WardSettings:
    return WardSettings(
        fever_lookback_hours=ward.fever_lookback_hours,
        adult_hypotension_age_years=ward.adult_hypotension_age_years,
        adult_systolic_below=ward.adult_systolic_below,
        adult_map_below=ward.adult_map_below,
        child_systolic_base=ward.child_systolic_base,
        infant_systolic_below=ward.infant_systolic_below,
        weight_valid_days=ward.weight_valid_days,
        refractory_after_hours=ward.refractory_after_hours,
        evidence_window_hours=ward.evidence_window_hours,
        crs_resolution_hours=ward.crs_resolution_hours,
        vitals_interval_hours=ward.vitals_interval_hours,
        vitals_interval_unwell_hours=ward.vitals_interval_unwell_hours,
        neuro_interval_hours=ward.neuro_interval_hours,
        neuro_interval_icans_hours=ward.neuro_interval_icans_hours,
    )


def _float(value) -> float | None:
    return None if value is None else float(value)


def vitals_entry(row: VitalsSet) -> VitalsEntry:
    return VitalsEntry(
        at=row.observed_at,
        temperature_c=_float(row.temperature_c),
        heart_rate=row.heart_rate,
        systolic=row.systolic,
        diastolic=row.diastolic,
        mean_arterial=row.mean_arterial,
        respiratory_rate=row.respiratory_rate,
        spo2=row.spo2,
        # Not recorded in this set: the rules carry the last recorded forward.
        oxygen=None
        if not row.oxygen_device
        else Oxygen(device=row.oxygen_device, flow_l_min=_float(row.oxygen_flow_l_min)),
        vasopressors=tuple(sorted(p.drug for p in row.vasopressors.all()))
        if row.vasopressors_recorded
        else None,
        ref=row.ref,
    )


def neuro_entry(row: NeuroAssessment) -> NeuroEntry:
    return NeuroEntry(
        at=row.observed_at,
        tool=row.tool,
        score=row.score,
        consciousness=row.consciousness,
        seizure=row.seizure,
        motor_weakness=row.motor_weakness,
        cerebral_edema=row.cerebral_edema,
        excluded=frozenset(row.excluded_domains or ()),
        ref=row.ref,
    )


def medication_entry(row: MedicationAdministration) -> MedicationEntry:
    drug = row.drug
    if drug == "other":
        # Clinical-rules section 5 r2: a listed drug charted under "Other" before
        # the forms refused it (e.g. "Actemra") still counts as that drug.
        drug = known_drug_named(row.drug_other) or drug
    return MedicationEntry(at=row.observed_at, drug=drug, dose_mg=float(row.dose_mg), ref=row.ref)


def weight_entry(row: WeightMeasurement) -> WeightEntry:
    return WeightEntry(at=row.observed_at, kg=float(row.weight_kg), ref=row.ref)


def lab_entry(row: LabResult) -> LabEntry:
    return LabEntry(
        at=row.observed_at,
        test=row.test.code,
        value=row.value,
        uln=row.test.upper_limit,
        ref=row.ref,
    )


def event_entry(row: WorkupEvent) -> EventEntry:
    return EventEntry(at=row.observed_at, kind=row.event, ref=row.ref)


VITALS_COLUMNS = (
    "pk",
    "observed_at",
    "temperature_c",
    "heart_rate",
    "systolic",
    "diastolic",
    "mean_arterial",
    "respiratory_rate",
    "spo2",
    "oxygen_device",
    "oxygen_flow_l_min",
    "vasopressors_recorded",
)
NEURO_COLUMNS = (
    "pk",
    "observed_at",
    "tool",
    "unable_to_perform",
    "capd_score",
    "consciousness",
    "seizure",
    "motor_weakness",
    "cerebral_edema",
    "excluded_domains",
    *ICE_FIELDS,
)


def _ref(model, pk: int) -> str:
    """ChartEntry.ref without the instance."""
    return f"{model._meta.model_name}:{pk}"


def _rows(model, episode: Episode, at: datetime):
    """The episode's valid rows of one chart table charted by `at`, in chart order."""
    return (
        model.objects.valid()
        .filter(episode=episode, observed_at__lte=at)
        .order_by("observed_at", "pk")
    )


def vitals_entries(rows: QuerySet[VitalsSet]) -> tuple[VitalsEntry, ...]:
    """The rules' entries of these vitals rows, in their order, in two queries
    (the sets, and the vasopressors running in them)."""
    running: dict[int, list[str]] = {}
    for vitals_id, drug in Vasopressor.objects.filter(
        vitals__in=rows.order_by().values("pk")
    ).values_list("vitals_id", "drug"):
        running.setdefault(vitals_id, []).append(drug)
    entries = []
    for (
        pk,
        observed_at,
        temperature_c,
        heart_rate,
        systolic,
        diastolic,
        mean_arterial,
        respiratory_rate,
        spo2,
        device,
        flow,
        vasopressors_recorded,
    ) in rows.values_list(*VITALS_COLUMNS):
        entries.append(
            VitalsEntry(
                at=observed_at,
                temperature_c=_float(temperature_c),
                heart_rate=heart_rate,
                systolic=systolic,
                diastolic=diastolic,
                mean_arterial=mean_arterial,
                respiratory_rate=respiratory_rate,
                spo2=spo2,
                # As vitals_entry: not recorded in this set is carried forward.
                oxygen=None if not device else Oxygen(device=device, flow_l_min=_float(flow)),
                vasopressors=tuple(sorted(running.get(pk, ()))) if vasopressors_recorded else None,
                ref=_ref(VitalsSet, pk),
            )
        )
    return tuple(entries)


def _neuro_score(row: dict) -> int | None:
    """NeuroAssessment.score from column values (None: could not perform)."""
    if row["unable_to_perform"]:
        return None
    if row["tool"] == "CAPD":
        return row["capd_score"]
    return sum(1 for field in ICE_FIELDS if row[field])


def neuro_entries(rows: QuerySet[NeuroAssessment]) -> tuple[NeuroEntry, ...]:
    return tuple(
        NeuroEntry(
            at=row["observed_at"],
            tool=row["tool"],
            score=_neuro_score(row),
            consciousness=row["consciousness"],
            seizure=row["seizure"],
            motor_weakness=row["motor_weakness"],
            cerebral_edema=row["cerebral_edema"],
            excluded=frozenset(row["excluded_domains"] or ()),
            ref=_ref(NeuroAssessment, row["pk"]),
        )
        for row in rows.values(*NEURO_COLUMNS)
    )


def medication_entries(rows: QuerySet[MedicationAdministration]) -> tuple[MedicationEntry, ...]:
    entries = []
    for pk, observed_at, drug, drug_other, dose_mg in rows.values_list(
        "pk", "observed_at", "drug", "drug_other", "dose_mg"
    ):
        if drug == "other":
            # As medication_entry (clinical-rules.md section 5 r2).
            drug = known_drug_named(drug_other) or drug
        entries.append(
            MedicationEntry(
                at=observed_at,
                drug=drug,
                dose_mg=float(dose_mg),
                ref=_ref(MedicationAdministration, pk),
            )
        )
    return tuple(entries)


def lab_entries(rows: QuerySet[LabResult]) -> tuple[LabEntry, ...]:
    return tuple(
        LabEntry(at=observed_at, test=code, value=value, uln=uln, ref=_ref(LabResult, pk))
        for pk, observed_at, code, value, uln in rows.values_list(
            "pk", "observed_at", "test__code", "value", "test__upper_limit"
        )
    )


def event_entries(rows: QuerySet[WorkupEvent]) -> tuple[EventEntry, ...]:
    return tuple(
        EventEntry(at=observed_at, kind=kind, ref=_ref(WorkupEvent, pk))
        for pk, observed_at, kind in rows.values_list("pk", "observed_at", "event")
    )


def weight_entries(rows: QuerySet[WeightMeasurement]) -> tuple[WeightEntry, ...]:
    # The whole history: a late dose is checked against the weight valid then.
    return tuple(
        WeightEntry(at=observed_at, kg=float(kg), ref=_ref(WeightMeasurement, pk))
        for pk, observed_at, kg in rows.values_list("pk", "observed_at", "weight_kg")
    )


# What each kind of entry of the snapshot is read from, and how.
ENTRY_SOURCES = {
    "vitals": (VitalsSet, vitals_entries),
    "neuro": (NeuroAssessment, neuro_entries),
    "medications": (MedicationAdministration, medication_entries),
    "labs": (LabResult, lab_entries),
    "events": (WorkupEvent, event_entries),
    "weights": (WeightMeasurement, weight_entries),
}


def _entries(kind: str, episode: Episode, at: datetime) -> tuple:
    model, entries = ENTRY_SOURCES[kind]
    return entries(_rows(model, episode, at))


def episode_snapshot(episode: Episode, at: datetime) -> Snapshot:
    """The episode's chart as the rules see it at `at` (rows after `at` are dropped)."""
    return snapshot_of(episode, at, {kind: _entries(kind, episode, at) for kind in ENTRY_SOURCES})


def snapshot_of(episode: Episode, at: datetime, entries: dict[str, tuple]) -> Snapshot:
    """The snapshot of the episode at `at` holding these entries (each kind in
    chart order, none after `at`)."""
    patient = episode.patient
    ward = patient.ward
    weights = entries["weights"]
    weight = weights[-1] if weights else None
    return Snapshot(
        # In the ward's zone so that the reasons speak the ward's clock.
        at=at.astimezone(ward.tzinfo),
        age_years=patient.age_years(at),
        weight_kg=weight.kg if weight else None,
        weight_at=weight.at if weight else None,
        weights=weights,
        infusion_at=episode.infusion_at,
        protocol=episode.protocol,
        news2_scale=episode.news2_scale,
        vitals=entries["vitals"],
        neuro=entries["neuro"],
        medications=entries["medications"],
        labs=entries["labs"],
        events=entries["events"],
        settings=ward_settings(ward),
    )


def chart_between(episode: Episode, since: datetime, until: datetime) -> Snapshot:
    """The chart rows observed from `since` to `until`, as the rules' entries,
    for drawing a stretch of the stay (the trajectory) without reading all of
    it. Not for grading: the rules need their look-backs (episode_snapshot).

    The last vitals set before `since` comes too: the oxygen and vasopressors
    it charted were still running when the stretch opens."""
    patient = episode.patient
    ward = patient.ward

    def rows(model, *related):
        query = model.objects.valid().filter(
            episode=episode, observed_at__gte=since, observed_at__lte=until
        )
        return query.select_related(*related) if related else query

    before = (
        VitalsSet.objects.valid()
        .filter(episode=episode, observed_at__lt=since)
        .order_by("-observed_at", "-pk")
        .prefetch_related("vasopressors")[:1]
    )
    vitals = [*before, *rows(VitalsSet).prefetch_related("vasopressors")]
    return Snapshot(
        at=until.astimezone(ward.tzinfo),
        age_years=patient.age_years(until),
        infusion_at=episode.infusion_at,
        protocol=episode.protocol,
        news2_scale=episode.news2_scale,
        vitals=tuple(vitals_entry(v) for v in vitals),
        medications=tuple(medication_entry(m) for m in rows(MedicationAdministration)),
        labs=tuple(lab_entry(lab) for lab in rows(LabResult, "test")),
        settings=ward_settings(ward),
    )


def dose_snapshots(episodes: list[Episode], at: datetime) -> dict[int, Snapshot]:
    """Snapshots with only what dose counters need (drugs given, weight), for many
    episodes in two queries: the pharmacist's queue covers every active patient."""
    medications: dict[int, list[MedicationEntry]] = {e.pk: [] for e in episodes}
    for row in MedicationAdministration.objects.valid().filter(
        episode__in=episodes, observed_at__lte=at
    ):
        medications[row.episode_id].append(medication_entry(row))
    weights: dict[int, list[WeightEntry]] = {e.pk: [] for e in episodes}
    for row in (
        WeightMeasurement.objects.valid()
        .filter(episode__in=episodes, observed_at__lte=at)
        .order_by("observed_at", "pk")
    ):
        weights[row.episode_id].append(weight_entry(row))
    snapshots = {}
    for episode in episodes:
        history = tuple(weights[episode.pk])
        weight = history[-1] if history else None
        ward = episode.patient.ward
        snapshots[episode.pk] = Snapshot(
            at=at.astimezone(ward.tzinfo),
            age_years=episode.patient.age_years(at),
            weight_kg=weight.kg if weight else None,
            weight_at=weight.at if weight else None,
            weights=history,
            infusion_at=episode.infusion_at,
            protocol=episode.protocol,
            medications=tuple(medications[episode.pk]),
            settings=ward_settings(ward),
        )
    return snapshots
