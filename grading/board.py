"""Reads for the unit board and the downtime sheets: every active CAR-T patient
as a card, in a fixed number of queries however many patients there are.

A card carries what a physician scans for: the grades and where they are
heading, the last vitals and support, the doses, the open prompts, and what
is late. The board's version token lets a poll learn that nothing changed
without building a single card.
"""

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property

from django.db.models import Max, OuterRef, Q, Subquery
from django.utils import timezone

from patients.models import Episode, NeuroAssessment, VitalsSet, Ward

from . import rules
from .models import Assessment, BoardSeen, Prompt, PromptResponse, TocilizumabStock
from .rules.circulation import hypotension
from .rules.fever import is_fever
from .rules.safety_prompts import ASSESSMENT_INTERVAL, SPO2_ASSESS_BELOW
from .rules.wording import clock, number
from .selectors import DoseSummary, bed_order, regrade_pending, summarise_doses
from .snapshot import dose_snapshots, vitals_entry
from .status import Status, late_words

# The sparkline covers the three days in which CRS usually turns.
SPARKLINE_WINDOW = timedelta(hours=72)
# A grade that went up this recently still sorts as rising.
RISING_WINDOW = timedelta(hours=24)
# The sweep regrades missed changes every 5 minutes; a change still waiting
# after two sweeps means grading is stuck, not just busy.
REGRADE_GRACE = timedelta(minutes=10)
# Seed 001 asks for a CRS grade from new data at least every 12 hours.
GRADED_FROM_NEW_DATA = ("new_data", "correction")


SPARK_WIDTH, SPARK_HEIGHT, SPARK_PAD = 216, 44, 4


@dataclass(frozen=True)
class Rise:
    kind: str  # "CRS" or "ICANS"
    before: int
    now: int
    at: datetime

    def __str__(self) -> str:
        return f"{self.kind} {self.before} → {self.now}"


@dataclass(frozen=True)
class Sparkline:
    """The last 72 h of both grades as SVG step paths, and the same in words."""

    crs_path: str
    icans_path: str
    words: str
    width: int = SPARK_WIDTH
    height: int = SPARK_HEIGHT

    @property
    def grid(self) -> list[tuple[int, float]]:
        return [(grade, _spark_y(grade)) for grade in range(5)]


@dataclass
class Card:
    """One patient on the board. What a card shows is worked out once per
    request (cached properties): the template asks for most of it twice."""

    episode: Episode
    now: datetime
    current: Assessment | None
    max_crs: int | None
    max_icans: int | None
    # The 72 h window oldest first, from the grade in force when it opens: rows
    # with evaluated_at, crs_grade and icans_grade; the last is `current`.
    history: list
    vitals: VitalsSet | None
    neuro: NeuroAssessment | None
    prompts: list[Prompt]
    snapshot: rules.Snapshot  # drugs and weight only: what the dose counters read
    doses: DoseSummary
    last_graded_from_new_data: datetime | None
    seen_grades: tuple[int, int] | None  # (CRS, ICANS) when this user last opened the patient
    rises: list[Rise] = field(default_factory=list)
    sparkline: Sparkline | None = None
    # The latest sets that recorded the oxygen and the vasopressors: a set that
    # left them out carries them over (clinical-rules section 2 r2).
    oxygen_vitals: VitalsSet | None = None
    pressor_vitals: VitalsSet | None = None

    @property
    def patient(self):
        return self.episode.patient

    @property
    def ward(self) -> Ward:
        return self.episode.patient.ward

    @property
    def day(self) -> int:
        return self.episode.day_after_infusion(self.now)

    @cached_property
    def product(self) -> str:
        """ "axi-cel (Yescarta)": the short name a CAR-T team says, with the brand."""
        display = self.episode.get_product_display()
        brand = display[display.find("(") :] if "(" in display else ""
        return f"{self.episode.product} {brand}".strip()

    @property
    def crs(self) -> int | None:
        return self.current.crs_grade if self.current else None

    @property
    def icans(self) -> int | None:
        return self.current.icans_grade if self.current else None

    @property
    def worst(self) -> int | None:
        return None if self.current is None else max(self.crs, self.icans)

    @cached_property
    def highlight(self) -> bool:
        """A grade is higher than when this user last opened the patient (or,
        never opened, the grade rose in the last 24 h)."""
        if self.current is None:
            return False
        if self.seen_grades is None:
            return bool(self.rises)
        seen_crs, seen_icans = self.seen_grades
        return self.crs > seen_crs or self.icans > seen_icans

    @cached_property
    def rise_words(self) -> str:
        """What went up, for the highlighted card: since this user last looked,
        or in the last 24 h."""
        if self.seen_grades is None:
            return self.rises_words
        moves = zip(("CRS", "ICANS"), self.seen_grades, (self.crs, self.icans), strict=True)
        return ", ".join(f"{kind} {seen} → {now}" for kind, seen, now in moves if now > seen)

    def _when(self, moment: datetime | None) -> str:
        # A clock time alone is ambiguous across midnight: the date when not today.
        return "" if moment is None else clock(moment, timezone.localtime(self.now))

    @property
    def vitals_when(self) -> str:
        return self._when(self.vitals.observed_at if self.vitals else None)

    @property
    def neuro_when(self) -> str:
        return self._when(self.neuro.observed_at if self.neuro else None)

    @property
    def next_tocilizumab_when(self) -> str:
        return self._when(self.doses.tocilizumab.next_allowed_at)

    @cached_property
    def rises_words(self) -> str:
        """ "CRS 1 → 2 at 14:05", with the date when it was not today."""
        return ", ".join(f"{rise} at {self._when(rise.at)}" for rise in self.rises)

    @cached_property
    def open_prompts(self) -> list[Prompt]:
        return [p for p in self.prompts if p.state == Prompt.OPEN]

    @cached_property
    def acknowledged_prompts(self) -> list[Prompt]:
        return [p for p in self.prompts if p.state == Prompt.ACKNOWLEDGED]

    @property
    def vitals_age(self) -> timedelta | None:
        return None if self.vitals is None else self.now - self.vitals.observed_at

    @cached_property
    def vitals_age_words(self) -> str:
        return "" if self.vitals is None else ago(self.vitals_age)

    @cached_property
    def vitals_items(self) -> list[tuple[str, str, str]]:
        """(name, value, what is abnormal in words or "") for the last vitals set."""
        vitals = self.vitals
        if vitals is None:
            return []
        entry = vitals_entry(vitals)
        items = []
        if entry.temperature_c is not None:
            fever = "fever" if is_fever(entry.temperature_c) else ""
            items.append(("T", f"{entry.temperature_c:.1f} °C", fever))
        if entry.heart_rate is not None:
            items.append(("HR", number(entry.heart_rate), ""))
        if entry.has_pressure:
            low = hypotension(entry, self.snapshot.age_years, self.snapshot.settings)
            pressure = "/".join(
                number(value) for value in (entry.systolic, entry.diastolic) if value is not None
            )
            if entry.map_mmhg is not None:
                pressure += f" (MAP {number(round(entry.map_mmhg))})"
            items.append(("BP", pressure, "low" if low else ""))
        if entry.respiratory_rate is not None:
            items.append(("RR", number(entry.respiratory_rate), ""))
        if entry.spo2 is not None:
            low = "low" if entry.spo2 < SPO2_ASSESS_BELOW else ""
            items.append(("SpO2", f"{number(entry.spo2)} %", low))
        return items

    @cached_property
    def status(self) -> Status:
        return Status(
            self.current,
            self.episode,
            self.now,
            self.vitals.observed_at if self.vitals else None,
            self.neuro.observed_at if self.neuro else None,
        )

    @property
    def details(self) -> dict:
        return self.status.details

    @property
    def acuity(self) -> int | None:
        """Clinical-rules.md section 9: orders the board and colours the card."""
        return self.status.acuity

    @property
    def vitals_overdue(self) -> bool:
        return self.status.vitals_due.is_due

    @property
    def neuro_overdue(self) -> bool:
        """Overdue once due; with none charted, once the infusion is a neuro
        interval old (section 7: a due time that has passed is overdue)."""
        if self.neuro is None:
            return self.now - self.episode.infusion_at >= self.status.neuro_due.every
        return self.status.neuro_due.is_due

    @cached_property
    def regrade_waiting_since(self) -> datetime | None:
        changed_at = self.episode.chart_changed_at
        if regrade_pending(self.episode) and self.now - changed_at > REGRADE_GRACE:
            return changed_at
        return None

    @cached_property
    def grading_overdue(self) -> bool:
        """No grade from new data in 12 h (seed 001), or a chart change whose
        regrade never ran."""
        if self.regrade_waiting_since is not None:
            return True
        cutoff = self.now - ASSESSMENT_INTERVAL
        if self.episode.infusion_at > cutoff:
            return False
        last = self.last_graded_from_new_data
        return last is None or last < cutoff

    @cached_property
    def overdue(self) -> bool:
        return self.vitals_overdue or self.neuro_overdue or self.grading_overdue

    def _carried(self, vitals: VitalsSet) -> str:
        """ " (charted 21:52)" when the support comes from an earlier set than the last."""
        if self.vitals is None or vitals.pk == self.vitals.pk:
            return ""
        return f" (charted {self._when(vitals.observed_at)})"

    @cached_property
    def oxygen_label(self) -> str:
        vitals = self.oxygen_vitals
        if vitals is None:
            return "not charted"
        label = vitals.get_oxygen_device_display()
        if vitals.oxygen_flow_l_min:
            label += f" {number(float(vitals.oxygen_flow_l_min))} L/min"
        return label + self._carried(vitals)

    @cached_property
    def vasopressors(self) -> list[str]:
        vitals = self.pressor_vitals
        if vitals is None:
            return []
        names = [pressor.get_drug_display() for pressor in vitals.vasopressors.all()]
        if names:
            names[-1] += self._carried(vitals)
        return names

    @cached_property
    def counters(self) -> tuple[rules.DrugCounter, ...]:
        return rules.drug_counters(self.snapshot)

    @property
    def age(self) -> int:
        return int(self.snapshot.age_years)

    @property
    def stock_short(self) -> bool:
        return self.doses.stock_short

    @property
    def protocol_actions(self) -> tuple[rules.Action, ...]:
        """The episode protocol's next steps for the current CRS grade."""
        if not self.crs:
            return ()
        return rules.PROTOCOLS[self.episode.protocol].actions.get(self.crs, ())

    @cached_property
    def sort_key(self) -> tuple:
        # Severity first (the worse grade, then the other), then where it is
        # heading, then what waits for a decision, then what is late.
        crs, icans = self.crs or 0, self.icans or 0
        return (
            # Section 9: acuity orders the board; shock without fever sorts
            # with grade 3-4 CRS, not among the calm.
            -(self.acuity or 0),
            -max(crs, icans),
            -min(crs, icans),
            not self.rises,
            -len(self.open_prompts),
            not self.overdue,
            self.ward.name,
            bed_order(self.patient.bed),
            self.patient.family_name,
        )


def ago(delta: timedelta) -> str:
    """How long ago, as a nurse says it: "35 min ago", "3 h 20 min ago", "just now"."""
    if delta < timedelta(minutes=1):
        return "just now"
    return f"{late_words(delta)} ago"


def _scope(wards: Iterable[Ward], patient_id: int | None) -> Q:
    scope = Q(patient__ward__in=list(wards))
    if patient_id is not None:
        scope &= Q(patient_id=patient_id)
    return scope


def _newest(queryset, field_name: str, per: str = "episode"):
    """The largest value of one field among an episode's related rows, as a
    subquery. An aggregate, not ORDER BY ... LIMIT 1, so that PostgreSQL reads
    the episode's rows by its index instead of walking the whole table backwards."""
    return Subquery(
        queryset.order_by().values(per).annotate(newest=Max(field_name)).values("newest")
    )


def board_version(*, user, wards: Iterable[Ward], now: datetime | None = None) -> str:
    """A short token that changes whenever a card could look different.

    One query: per active episode, the newest chart change, assessment, prompt
    event, stock count and this user's last look. The minute is part of it
    because ages and overdue badges move with the clock.
    """
    now = now or timezone.now()
    mine = Q(episode=OuterRef("pk"))
    rows = (
        Episode.objects.active()
        .filter(_scope(wards, None))
        .order_by("pk")
        .values_list(
            "pk",
            "patient__bed",
            "patient__ward_id",
            "chart_changed_at",
            "graded_through",
            _newest(Assessment.objects.filter(mine), "pk"),
            _newest(Prompt.objects.filter(mine), "pk"),
            _newest(Prompt.objects.filter(mine, resolved_at__isnull=False), "resolved_at"),
            _newest(
                PromptResponse.objects.filter(prompt__episode=OuterRef("pk")),
                "pk",
                per="prompt__episode",
            ),
            _newest(TocilizumabStock.objects.filter(mine), "pk"),
            _newest(BoardSeen.objects.filter(mine, user=user), "seen_at"),
        )
    )
    minute = now.replace(second=0, microsecond=0)
    state = repr((user.pk, minute, list(rows)))
    return hashlib.blake2b(state.encode(), digest_size=8).hexdigest()


def board_cards(
    *,
    user,
    wards: Iterable[Ward],
    patient_id: int | None = None,
    now: datetime | None = None,
) -> list[Card]:
    """One card per active episode on these wards (or of one patient there),
    most severe first. Nine queries, whatever the number of patients."""
    now = now or timezone.now()
    episodes = _episodes(_scope(wards, patient_id), user, now)
    history = _history(episodes, now)
    vitals = VitalsSet.objects.prefetch_related("vasopressors").in_bulk(
        [
            pk
            for e in episodes
            for pk in (e.vitals_id, e.oxygen_vitals_id, e.pressor_vitals_id)
            if pk is not None
        ]
    )
    neuro = NeuroAssessment.objects.in_bulk([e.neuro_id for e in episodes if e.neuro_id])
    prompts = _live_prompts(episodes)
    snapshots = dose_snapshots(episodes, now)
    cards = []
    for episode in episodes:
        snapshot = snapshots[episode.pk]
        stock = None
        if episode.stock_on_site is not None:
            stock = TocilizumabStock(
                episode=episode,
                doses_on_site=episode.stock_on_site,
                recorded_at=episode.stock_counted_at,
            )
        window = history.get(episode.pk, [])
        card = Card(
            episode=episode,
            now=now,
            current=window[-1] if window else None,
            max_crs=episode.max_crs,
            max_icans=episode.max_icans,
            history=window,
            vitals=vitals.get(episode.vitals_id),
            oxygen_vitals=vitals.get(episode.oxygen_vitals_id),
            pressor_vitals=vitals.get(episode.pressor_vitals_id),
            neuro=neuro.get(episode.neuro_id),
            prompts=prompts.get(episode.pk, []),
            snapshot=snapshot,
            doses=summarise_doses(snapshot, stock),
            last_graded_from_new_data=episode.last_graded_from_new_data,
            seen_grades=(
                None if episode.seen_crs is None else (episode.seen_crs, episode.seen_icans)
            ),
        )
        card.rises = rises(window, now)
        card.sparkline = sparkline(window, now)
        cards.append(card)
    return sorted(cards, key=lambda card: card.sort_key)


def _episodes(scope: Q, user, now: datetime) -> list[Episode]:
    assessments = Assessment.objects.filter(episode=OuterRef("pk"))
    newest = assessments.order_by("-evaluated_at", "-pk").values("pk")
    per_episode = assessments.order_by().values("episode")
    stock = TocilizumabStock.objects.filter(episode=OuterRef("pk")).order_by("-recorded_at", "-pk")
    seen = BoardSeen.objects.filter(episode=OuterRef("pk"), user=user)
    return list(
        Episode.objects.active()
        .filter(scope)
        .select_related("patient__ward")
        .annotate(
            current_id=Subquery(newest[:1]),
            # The grade in force when the sparkline's window opens.
            window_start_id=Subquery(newest.filter(evaluated_at__lte=now - SPARKLINE_WINDOW)[:1]),
            max_crs=Subquery(per_episode.annotate(top=Max("crs_grade")).values("top")),
            max_icans=Subquery(per_episode.annotate(top=Max("icans_grade")).values("top")),
            last_graded_from_new_data=Subquery(
                assessments.filter(trigger__in=GRADED_FROM_NEW_DATA)
                .order_by("-evaluated_at")
                .values("evaluated_at")[:1]
            ),
            vitals_id=_latest_chart_row(VitalsSet, now),
            oxygen_vitals_id=_latest_chart_row(VitalsSet, now, ~Q(oxygen_device="")),
            pressor_vitals_id=_latest_chart_row(VitalsSet, now, Q(vasopressors_recorded=True)),
            neuro_id=_latest_chart_row(NeuroAssessment, now),
            stock_on_site=Subquery(stock.values("doses_on_site")[:1]),
            stock_counted_at=Subquery(stock.values("recorded_at")[:1]),
            seen_crs=Subquery(seen.values("assessment__crs_grade")[:1]),
            seen_icans=Subquery(seen.values("assessment__icans_grade")[:1]),
        )
    )


def _latest_chart_row(model, now: datetime, recorded: Q | None = None):
    return Subquery(
        model.objects.valid()
        .filter(recorded or Q(), episode=OuterRef("pk"), observed_at__lte=now)
        .order_by("-observed_at", "-pk")
        .values("pk")[:1]
    )


def _history(episodes: list[Episode], now: datetime) -> dict[int, list]:
    """Per episode, the assessments of the sparkline window, oldest first,
    starting with the one in force when the window opens. Only the latest
    carries its reasons; the rest are grades and times (a week of hourly
    regrades is thousands of rows for a unit)."""
    since = now - SPARKLINE_WINDOW
    anchors = [e.window_start_id for e in episodes if e.window_start_id]
    current = Assessment.objects.defer("inputs_used").in_bulk(
        [e.current_id for e in episodes if e.current_id]
    )
    window = (
        Assessment.objects.filter(
            Q(pk__in=anchors)
            | Q(episode__in=episodes, evaluated_at__gt=since, evaluated_at__lte=now)
        )
        .exclude(pk__in=list(current))
        .order_by("evaluated_at", "pk")
        # Plain rows, not model instances: the sparkline reads four fields.
        .values_list("episode_id", "evaluated_at", "crs_grade", "icans_grade", named=True)
    )
    history: dict[int, list] = {}
    for assessment in window:
        history.setdefault(assessment.episode_id, []).append(assessment)
    for assessment in current.values():
        # The latest by (evaluated_at, pk): it closes its episode's history.
        history.setdefault(assessment.episode_id, []).append(assessment)
    return history


def _live_prompts(episodes: list[Episode]) -> dict[int, list[Prompt]]:
    live: dict[int, list[Prompt]] = {}
    for prompt in (
        Prompt.objects.filter(episode__in=episodes)
        .live()
        .prefetch_related("supersedes__responses", "supersedes__supersedes")
    ):
        live.setdefault(prompt.episode_id, []).append(prompt)
    for prompts in live.values():
        prompts.sort(key=lambda p: (p.severity_rank, p.raised_at))
    return live


def rises(history: list, now: datetime) -> list[Rise]:
    """The grades whose last change, within the last 24 h, was upward."""
    if not history:
        return []
    current = history[-1]
    found = []
    for kind, grade_of in (("CRS", _crs), ("ICANS", _icans)):
        grade = grade_of(current)
        changed_at = current.evaluated_at
        for earlier in reversed(history[:-1]):
            if grade_of(earlier) != grade:
                if grade_of(earlier) < grade and now - changed_at <= RISING_WINDOW:
                    found.append(Rise(kind, grade_of(earlier), grade, changed_at))
                break
            changed_at = earlier.evaluated_at
    return found


def _crs(assessment: Assessment) -> int:
    return assessment.crs_grade


def _icans(assessment: Assessment) -> int:
    return assessment.icans_grade


def _spark_y(grade: float) -> float:
    return round(SPARK_HEIGHT - SPARK_PAD - grade * (SPARK_HEIGHT - 2 * SPARK_PAD) / 4, 1)


def _spark_x(moment: datetime, since: datetime) -> float:
    fraction = (moment - since) / SPARKLINE_WINDOW
    return round(min(max(fraction, 0.0), 1.0) * SPARK_WIDTH, 1)


def _step_path(points: list[tuple[datetime, int]], since: datetime, offset: float) -> str:
    if not points:
        return ""
    first_at, first_grade = points[0]
    parts = [f"M{_spark_x(first_at, since)} {_spark_y(first_grade) + offset}"]
    for at, grade in points[1:]:
        parts.append(f"H{_spark_x(at, since)} V{_spark_y(grade) + offset}")
    parts.append(f"H{SPARK_WIDTH}")
    return "".join(parts)


def _grade_words(grades: list[int]) -> str:
    steps = [grade for i, grade in enumerate(grades) if i == 0 or grades[i - 1] != grade]
    return " → ".join(str(grade) for grade in steps)


def sparkline(history: list, now: datetime) -> Sparkline:
    since = now - SPARKLINE_WINDOW
    crs = [(max(a.evaluated_at, since), a.crs_grade) for a in history]
    icans = [(max(a.evaluated_at, since), a.icans_grade) for a in history]
    if not history:
        words = "not graded in the last 72 h"
    else:
        words = (
            f"last 72 h: CRS {_grade_words([g for _, g in crs])},"
            f" ICANS {_grade_words([g for _, g in icans])}"
        )
    # ICANS sits a pixel and a half lower so that equal grades stay two lines.
    return Sparkline(
        crs_path=_step_path(crs, since, 0), icans_path=_step_path(icans, since, 1.5), words=words
    )
