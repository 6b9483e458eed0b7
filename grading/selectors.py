"""Reads for the pages, each in a fixed number of queries."""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import F, Prefetch, Q
from django.utils import timezone

from patients import access
from patients.models import (
    Episode,
    LabResult,
    MedicationAdministration,
    NeuroAssessment,
    VitalsSet,
    WeightMeasurement,
    WorkupEvent,
)

from . import rules
from .models import Assessment, BlockedDose, Prompt, TocilizumabStock
from .rules.tocilizumab import warning_words
from .rules.wording import number
from .snapshot import dose_snapshots, episode_snapshot


def bed_order(bed: str) -> tuple:
    """Bed 2 before bed 10, as the ward counts them."""
    return tuple(
        (0, int(part), "") if part.isdigit() else (1, 0, part)
        for part in re.findall(r"\d+|\D+", bed)
    )


def shown_episode(patient) -> Episode | None:
    """The episode a patient's pages show: the active one, else the latest, so a
    discharged patient's course stays readable."""
    return (
        Episode.objects.filter(patient=patient)
        .select_related("patient__ward")
        .order_by(F("discharged_at").desc(nulls_first=True), "-infusion_at")
        .first()
    )


# The patient page shows this many assessments at a time, newest first, and
# pages back through the rest: a four-week stay writes hundreds.
HISTORY_PAGE = 25


def history_page(
    episode: Episode, before: Assessment | None = None, size: int | None = None
) -> tuple[list[Assessment], Assessment | None]:
    """Up to `size` assessments older than `before` (or the newest), newest first,
    each with `.grade_changed` and `.chart_rows`, and the last one shown when
    older ones remain (None otherwise): the cursor of the next page.

    A fixed number of queries however long the stay: one more assessment than
    shown tells whether the last one moved a grade, and the chart rows are
    fetched only for the page.
    """
    size = size or HISTORY_PAGE
    query = episode.assessments.latest_first()
    if before is not None:
        query = query.filter(
            Q(evaluated_at__lt=before.evaluated_at)
            | Q(evaluated_at=before.evaluated_at, pk__lt=before.pk)
        )
    rows = list(query[: size + 1])
    more = len(rows) > size
    page = _dressed_history(rows, complete=not more)[:size]
    return page, (page[-1] if more else None)


def _dressed_history(rows: list[Assessment], complete: bool) -> list[Assessment]:
    """`rows` newest first; when not `complete`, the last one only tells the
    one before it whether a grade moved and is not dressed itself."""
    shown = rows if complete else rows[:-1]
    if not shown:
        return shown
    found = chart_rows(ref for assessment in shown for ref in assessment.inputs_used)
    for assessment, before in zip(shown, rows[1:] + [None], strict=False):
        assessment.grade_changed = _change(assessment, before)
        assessment.chart_rows = [found[ref] for ref in assessment.inputs_used if ref in found]
    return shown


@dataclass(frozen=True)
class ChartRow:
    """A chart row an assessment used, as the history shows it."""

    ref: str
    kind: str
    at: datetime
    words: str
    entered_in_error: bool


def chart_rows(refs) -> dict[str, ChartRow]:
    """The rows behind refs like "vitalsset:17", one query per kind of row."""
    wanted: dict[str, set[int]] = {}
    for ref in refs:
        name, _, pk = ref.partition(":")
        if name in CHART_ROW_KINDS and pk.isdigit():
            wanted.setdefault(name, set()).add(int(pk))
    found = {}
    for name, pks in wanted.items():
        kind = CHART_ROW_KINDS[name]
        query = kind.model.objects.filter(pk__in=pks)
        # select_related() with no field follows every foreign key (episode,
        # patient, ward, authors): join only what the words read.
        if kind.joined:
            query = query.select_related(*kind.joined)
        if kind.prefetched:
            query = query.prefetch_related(*kind.prefetched)
        for row in query:
            found[row.ref] = ChartRow(
                row.ref, kind.label, row.observed_at, kind.words(row), row.is_entered_in_error
            )
    return found


def _vitals_words(row: VitalsSet) -> str:
    parts = []
    if row.temperature_c is not None:
        parts.append(f"T {row.temperature_c} °C")
    if row.heart_rate is not None:
        parts.append(f"HR {row.heart_rate}")
    if row.systolic is not None:
        pressure = f"BP {row.systolic}/{row.diastolic}" if row.diastolic else f"SBP {row.systolic}"
        if row.derived_mean_arterial is not None:
            pressure += f" (MAP {row.derived_mean_arterial:.0f})"
        parts.append(pressure)
    if row.respiratory_rate is not None:
        parts.append(f"RR {row.respiratory_rate}")
    if row.spo2 is not None:
        parts.append(f"SpO2 {row.spo2} %")
    if not row.oxygen_device:
        parts.append("oxygen not recorded")
    else:
        oxygen = row.get_oxygen_device_display()
        if row.oxygen_flow_l_min:
            oxygen += f" {number(float(row.oxygen_flow_l_min))} L/min"
        parts.append(oxygen)
    if not row.vasopressors_recorded:
        parts.append("vasopressors not recorded")
    else:
        pressors = [f"{pressor.get_drug_display()} running" for pressor in row.vasopressors.all()]
        parts += pressors or ["no vasopressor"]
    return ", ".join(parts)


def _neuro_words(row: NeuroAssessment) -> str:
    if row.score is None:
        score = f"{row.tool} not possible"
    else:
        score = f"{row.tool} {row.score}" + ("/10" if row.tool == "ICE" else "")
    parts = [score, row.get_consciousness_display().lower()]
    if row.seizure != "none":
        parts.append(row.get_seizure_display().lower())
    if row.motor_weakness:
        parts.append("motor weakness")
    if row.cerebral_edema != "none":
        parts.append(row.get_cerebral_edema_display().lower())
    if row.excluded_domains:
        parts.append(f"attributed to another cause: {', '.join(row.excluded_domains)}")
    return ", ".join(parts)


def _medication_words(row: MedicationAdministration) -> str:
    return f"{row.drug_name} {row.dose_mg:g} mg {row.get_route_display()}"


def _lab_words(row: LabResult) -> str:
    # In the units the ward reads (clinical-rules.md section 11), flagged in letters.
    ward = row.episode.patient.ward
    words = f"{row.test.name} {row.shown(ward.lab_units)}"
    flag = {"L": " L (low)", "H": " H (high)"}.get(row.flag_on(ward), "")
    return words + flag


def _weight_words(row: WeightMeasurement) -> str:
    return f"weight {row.weight_kg} kg"


def _event_words(row: WorkupEvent) -> str:
    words = row.get_event_display()
    return f"{words}: {row.note}" if row.note else words


@dataclass(frozen=True)
class ChartRowKind:
    model: type
    label: str
    words: Callable
    joined: tuple[str, ...] = ()
    prefetched: tuple[str, ...] = ()


# By the prefix of a chart row's ref (ChartEntry.ref).
CHART_ROW_KINDS = {
    "vitalsset": ChartRowKind(VitalsSet, "Vitals", _vitals_words, prefetched=("vasopressors",)),
    "neuroassessment": ChartRowKind(NeuroAssessment, "Neuro", _neuro_words),
    "medicationadministration": ChartRowKind(MedicationAdministration, "Drug", _medication_words),
    "labresult": ChartRowKind(
        LabResult,
        "Lab",
        _lab_words,
        joined=("test", "episode__patient__ward"),
        prefetched=("episode__patient__ward__lab_limits",),
    ),
    "weightmeasurement": ChartRowKind(WeightMeasurement, "Weight", _weight_words),
    "workupevent": ChartRowKind(WorkupEvent, "Work-up", _event_words),
}


def _change(assessment: Assessment, before: Assessment | None) -> str:
    if before is None:
        return "first grade"
    return ", ".join(grade_moves(assessment, before))


def grades_rose(current: Assessment | None, previous: Assessment | None) -> list[str]:
    """The grades that went up from the previous assessment, e.g. ["CRS 1 → 2"]."""
    if current is None or previous is None:
        return []
    return grade_moves(current, previous, upward_only=True)


def grade_moves(current: Assessment, previous: Assessment, upward_only=False) -> list[str]:
    return [
        f"{kind} {old} → {new}"
        for kind, old, new in (
            ("CRS", previous.crs_grade, current.crs_grade),
            ("ICANS", previous.icans_grade, current.icans_grade),
        )
        if new > old or (new != old and not upward_only)
    ]


def regrade_pending(episode: Episode) -> bool:
    """True while the chart holds a change no regrade has seen yet."""
    return episode.graded_through is None or episode.chart_changed_at > episode.graded_through


@dataclass
class DoseSummary:
    """What the dose screens show, from the same rules as `manage.py grade`."""

    weight_kg: float | None  # the weight valid now (clinical-rules section 5 r2)
    weight_at: datetime | None
    tocilizumab: rules.TocilizumabStatus
    blocks: list[tuple[str, str]]  # (code, words) for a dose now
    warnings: list[tuple[str, str]]  # (code, words), e.g. off_label_age
    counters: tuple[rules.DrugCounter, ...]
    steroid_mg_24h: float
    steroid_mg_total: float
    stock: TocilizumabStock | None

    @property
    def stock_short(self) -> bool:
        return self.stock is None or self.stock.is_short


def summarise_doses(snapshot: rules.Snapshot, stock: TocilizumabStock | None) -> DoseSummary:
    steroid_24h, steroid_total = rules.steroid_dexamethasone_equivalent_mg(snapshot)
    toci = rules.tocilizumab_status(snapshot)
    weight = rules.weight_valid_at(snapshot, snapshot.at)
    return DoseSummary(
        weight_kg=weight.kg if weight else None,
        weight_at=weight.at if weight else None,
        tocilizumab=toci,
        blocks=[(code, rules.block_words(code, snapshot)) for code in toci.blocked_because],
        warnings=[(code, warning_words(code, snapshot)) for code in toci.warnings],
        counters=rules.drug_counters(snapshot),
        steroid_mg_24h=steroid_24h,
        steroid_mg_total=steroid_total,
        stock=stock,
    )


def dose_summary(episode: Episode, at: datetime | None = None):
    """(summary, steroid recommendations for the current CRS grade) for one patient."""
    snapshot = episode_snapshot(episode, at or timezone.now())
    stock = episode.toci_stock.first()
    grade = rules.grade_crs(snapshot).grade
    return summarise_doses(snapshot, stock), rules.steroid_recommendations(snapshot, grade)


def shown_dose_summary(episode: Episode, current: Assessment | None):
    """dose_summary for the patient page, without grading the chart again: the
    counters read only the drugs given and the weights (dose_snapshots, as
    the pharmacist's queue), and the steroid doses follow the CRS grade of
    the assessment the page shows. With no assessment yet, dose_summary."""
    if current is None:
        return dose_summary(episode)
    snapshot = dose_snapshots([episode], timezone.now())[episode.pk]
    summary = summarise_doses(snapshot, episode.toci_stock.first())
    return summary, rules.steroid_recommendations(snapshot, current.crs_grade)


@dataclass(frozen=True)
class DoseHint:
    """What the dose form shows beside the dose for one drug, and only for it."""

    drug: str
    computed_mg: int | None  # a dose the form may fill in (tocilizumab's label dose)
    lines: list[str]
    warnings: list[str]


def dose_hints(summary: DoseSummary, steroids, drugs, *, child: bool) -> list[DoseHint]:
    """One hint per drug of the form: the computed tocilizumab dose, or the
    protocol's steroid doses at the current grade and the ceiling; a child
    sees no adult steroid figure at all (clinical-rules section 4)."""
    hints = []
    for drug in drugs:
        if drug == "tocilizumab":
            toci = summary.tocilizumab
            lines = (
                [
                    f"Label dose {toci.dose_mg} mg ({toci.mg_per_kg} mg/kg for"
                    f" {number(summary.weight_kg)} kg, max 800 mg)"
                ]
                if toci.dose_mg is not None
                else [words for code, words in summary.blocks if code == "no_weight"]
            )
            warned = [words for _, words in summary.warnings]
            hints.append(DoseHint(drug, toci.dose_mg, lines, warned))
            continue
        if child:
            hints.append(DoseHint(drug, None, [rules.NO_PAEDIATRIC_DOSE], []))
            continue
        lines = list(dict.fromkeys(s.text for s in steroids if s.drug == drug))
        if not lines:
            lines = ["No dose of this drug in the protocol at the current CRS grade"]
        ceiling = rules.STEROID_CEILING_MG.get(drug)
        if ceiling is not None:
            lines.append(f"Blocked above {ceiling} mg per dose")
        hints.append(DoseHint(drug, None, lines, []))
    return hints


@dataclass(frozen=True)
class PharmacyWork:
    """What is waiting for the pharmacist on one patient."""

    to_review: int  # overrides (late entries too) and blocked doses not yet reviewed
    to_verify: int  # doses not yet verified
    warnings: list[str]  # e.g. off-label age, fewer than 2 tocilizumab doses on site

    @property
    def order(self) -> tuple[int, int, int]:
        return (-self.to_review, -self.to_verify, -len(self.warnings))

    @property
    def anything(self) -> bool:
        return bool(self.to_review or self.to_verify or self.warnings)


def _pharmacy_work(episode: Episode) -> PharmacyWork:
    unverified = [
        m
        for m in episode.recent_doses
        if not m.is_entered_in_error and not hasattr(m, "verification")
    ]
    overrides = [m for m in unverified if hasattr(m, "override")]
    blocks = [b for b in episode.recent_blocks if b.reviewed_at is None]
    warnings = [words for _, words in episode.doses.warnings]
    warnings += [
        f"{m.drug_name} {m.dose_mg:g} mg: {words}"
        for m in unverified
        if hasattr(m, "confirmation")
        for words in m.confirmation.words
    ]
    if episode.doses.stock_short:
        warnings.append("Fewer than 2 tocilizumab doses on site")
    return PharmacyWork(len(overrides) + len(blocks), len(unverified), warnings)


def pharmacy_rows(user, at: datetime | None = None) -> list[Episode]:
    """Every active episode this user may see (their wards; every ward for a
    pharmacist) with `.doses` (a DoseSummary), `.recent_doses`,
    `.recent_blocks` and `.work`, the patients with most to do first: a fixed
    number of queries however many patients.

    Doses and blocks of the last 72 h are listed, and older ones while they
    still wait for the pharmacist: work never drops off the queue by age.
    """
    at = at or timezone.now()
    since = at - timedelta(hours=72)
    episodes = list(
        Episode.objects.active()
        .filter(patient__in=access.visible_patients(user))
        .select_related("patient__ward")
        .prefetch_related(
            Prefetch(
                "medicationadministration_set",
                queryset=MedicationAdministration.objects.filter(
                    Q(observed_at__gte=since)
                    | Q(verification__isnull=True, entered_in_error_at__isnull=True)
                )
                .select_related("override__by", "verification__by", "given_by", "confirmation")
                .order_by("-observed_at"),
                to_attr="recent_doses",
            ),
            Prefetch(
                "blocked_doses",
                queryset=BlockedDose.objects.filter(Q(at__gte=since) | Q(reviewed_at__isnull=True))
                .select_related("by", "reviewed_by")
                .order_by("-at"),
                to_attr="recent_blocks",
            ),
        )
    )
    latest_stock = {}
    for stock in TocilizumabStock.objects.filter(episode__in=episodes).order_by(
        "recorded_at", "pk"
    ):
        latest_stock[stock.episode_id] = stock
    snapshots = dose_snapshots(episodes, at)
    for episode in episodes:
        episode.doses = summarise_doses(snapshots[episode.pk], latest_stock.get(episode.pk))
        episode.work = _pharmacy_work(episode)
    return sorted(
        episodes,
        key=lambda e: (e.work.order, e.patient.ward.name, bed_order(e.patient.bed)),
    )


def live_prompts(episode: Episode) -> list[Prompt]:
    """Open and acknowledged prompts, most severe first, with their responses
    and the answers given to the instances they superseded."""
    prompts = list(
        episode.prompts.live().prefetch_related(
            "responses__by", "supersedes__responses__by", "supersedes__supersedes"
        )
    )
    return sorted(prompts, key=lambda p: (p.severity_rank, p.raised_at))


def resolved_prompts(episode: Episode, limit: int = 50) -> list[Prompt]:
    """Prompts no longer live, newest first: resolved, or superseded by a newer one."""
    return list(
        episode.prompts.closed()
        .select_related("superseded_by")
        .order_by("-resolved_at", "-pk")
        .prefetch_related("responses__by")[:limit]
    )
