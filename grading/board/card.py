"""One patient's card on the unit board: what it shows, worked out from the
rows the reading fetched, and when the clock alone will change it.

A card carries what a physician scans for: the grades and where they are
heading, the last vitals and support, the doses, the open prompts, and what
is late.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from functools import cached_property, lru_cache

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from clinical import ranges
from patients.models import Episode, NeuroAssessment, VitalsSet, Ward

from .. import rules
from ..models import Assessment, Prompt
from ..rules.circulation import hypotension
from ..rules.fever import is_fever
from ..rules.safety_prompts import ASSESSMENT_INTERVAL, SPO2_ASSESS_BELOW
from ..rules.wording import clock, number
from ..selectors import DoseSummary, bed_order, regrade_pending
from ..snapshot import vitals_entry
from ..status import Status
from ..templatetags.grades import grade_badge
from .drawing import Series

# A grade that went up this recently still sorts as rising.
RISING_WINDOW = timedelta(hours=24)
# The sweep regrades missed changes every 5 minutes; a change still waiting
# after two sweeps means grading is stuck, not just busy.
REGRADE_GRACE = timedelta(minutes=10)
# Seed 001 asks for a CRS grade from new data at least every 12 hours.
GRADED_FROM_NEW_DATA = ("new_data", "correction")
# The window of the card's dose counts.
DOSE_WINDOW = timedelta(hours=24)
ADULT_YEARS = 18
CHARTED_AHEAD = timedelta(minutes=ranges.FUTURE_TOLERANCE_MINUTES)


@dataclass(frozen=True)
class Rise:
    kind: str  # "CRS" or "ICANS"
    before: int
    now: int
    at: datetime

    def __str__(self) -> str:
        return f"{self.kind} {self.before} → {self.now}"


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
    # What the sparkline is drawn from (on each look: its right edge is now).
    series: Series = ()
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

    @cached_property
    def _ward_now(self) -> datetime:
        # The ward's clock, as the card template shows every time (its own
        # {% timezone %}), whichever zone the page is in.
        return self.now.astimezone(self.ward.tzinfo)

    def _when(self, moment: datetime | None) -> str:
        # A clock time alone is ambiguous across midnight: the date when not today.
        return "" if moment is None else clock(moment, self._ward_now)

    @property
    def vitals_when(self) -> str:
        return self._when(self.vitals.observed_at if self.vitals else None)

    @property
    def neuro_when(self) -> str:
        return self._when(self.neuro.observed_at if self.neuro else None)

    @property
    def vitals_due_when(self) -> str:
        """ "03:15": when vitals fall (or fell) due, a clock time, not "overdue
        by 25 min", so that the card need not be drawn again each minute."""
        return self._when(self.status.vitals_due.due_at)

    @property
    def neuro_due_when(self) -> str:
        return self._when(self.status.neuro_due.due_at)

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
    def vitals_html(self) -> SafeString:
        """The last vitals as the card writes them, formatted here once rather
        than item by item in the template."""
        return format_html_join(
            " · ",
            '<span class="nowrap{}">{} {}{}</span>',
            (
                (
                    " vital-abnormal" if abnormal else "",
                    name,
                    value,
                    format_html(" ({})", abnormal) if abnormal else "",
                )
                for name, value, abnormal in self.vitals_items
            ),
        )

    @cached_property
    def badges(self) -> SafeString:
        """The CRS and ICANS badges (grading/_grade.html), each drawn once per
        process for its few possible values."""
        return mark_safe(
            _badge("CRS", self.crs, self.max_crs, self.acuity)
            + _badge("ICANS", self.icans, self.max_icans, self.acuity)
        )

    @cached_property
    def links(self) -> dict[str, str]:
        pages = ("patient_detail", "trajectory", "bedside")
        return {name: reverse(name, args=[self.patient.pk]) for name in pages}

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

    @cached_property
    def turns_at(self) -> datetime | None:
        """The next moment the clock alone changes anything this card says:
        due, late, rising, a dose leaving the 24 h counts, the day. A card drawn
        earlier is drawn again from then on, so a cached card never looks calmer
        than the rules say (a microsecond past each moment: some rules flip only
        once it has passed). Between these moments the card says nothing that
        moves with the clock: times are clock times ("overdue since 03:15"),
        not ages; only the sparkline slides, and it is drawn on each look."""
        status = self.status
        moments = [
            status.vitals_due.due_at,
            self.episode.infusion_at + ASSESSMENT_INTERVAL,
            self.doses.tocilizumab.next_allowed_at,
        ]
        if self.neuro is None:
            moments.append(self.episode.infusion_at + status.neuro_due.every)
        else:
            moments.append(status.neuro_due.due_at)
        if self.last_graded_from_new_data is not None:
            moments.append(self.last_graded_from_new_data + ASSESSMENT_INTERVAL)
        if regrade_pending(self.episode):
            moments.append(self.episode.chart_changed_at + REGRADE_GRACE)
        moments += [rise.at + RISING_WINDOW for rise in self.rises]
        # A dose leaves the 24 h counts ("1 in 24 h", "mg dex-eq in 24 h").
        moments += [entry.at + DOSE_WINDOW for entry in self.snapshot.medications]
        # A row charted up to a few minutes ahead of its observation time
        # (clock drift) shows once that time comes; the state row changed
        # when it was charted, not then.
        moments.append(self.episode.chart_changed_at + CHARTED_AHEAD)
        # The day after infusion and the dates beside times turn at the ward's midnight.
        moments.append(_next_midnight(self._ward_now))
        if self.snapshot.age_years < ADULT_YEARS:
            # A child's age, which sets the low blood pressure, moves by the UTC day.
            moments.append(_next_midnight(self.now.astimezone(UTC)))
        tick = timedelta(microseconds=1)
        ahead = [m + tick for m in moments if m is not None and m + tick > self.now]
        return min(ahead, default=None)


@lru_cache(maxsize=1024)
def _badge(kind: str, grade: int | None, maximum: int | None, acuity: int | None) -> str:
    return render_to_string("grading/_grade.html", grade_badge(kind, grade, maximum, acuity))


def _next_midnight(moment: datetime) -> datetime:
    tz = moment.tzinfo
    return datetime.combine(moment.date() + timedelta(days=1), time(0), tzinfo=tz)


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
