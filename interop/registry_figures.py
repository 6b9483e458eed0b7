"""The figures a registry asks of a CAR-T episode (CIBMTR-style cellular
therapy forms), computed from plain rows: pure Python, no Django, no
database, so every figure is a table test.

Conventions, the same in the CSV, the FHIR bundle and on the patient page:
- a day is counted from the infusion, day 0 being the calendar day of the
  infusion in the ward's time zone (as CAR-T teams and the forms count);
- a CRS runs from its onset to its resolution as the CRS course rule
  (grading/rules/course.py, clinical-rules.md section 8) says; an ICANS from
  the first stored assessment at grade 1 or more to the first back at 0;
- with more than one CRS (or ICANS) in an episode, onset is the first one's,
  resolution the last one's, and duration the sum of their lengths; a course
  still running at the time of the summary is "ongoing" and counts until then;
- the maximum grade is the highest stored assessment, dated by the first
  assessment that reached it.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from grading.rules.steroids import DEXAMETHASONE_EQUIVALENT, OTHER_GLUCOCORTICOID_EQUIVALENT

NONE, ONGOING, RESOLVED = "none", "ongoing", "resolved"
TOCILIZUMAB = "tocilizumab"


def day_after_infusion(infusion_at: datetime, at: datetime, tz: tzinfo) -> int:
    """Day 0 is the calendar day of the infusion in the ward's zone (patients.Episode)."""
    return (at.astimezone(tz).date() - infusion_at.astimezone(tz).date()).days


@dataclass(frozen=True)
class Course:
    """One syndrome (CRS or ICANS) over an episode."""

    status: str  # none, ongoing, resolved
    onset_at: datetime | None = None
    onset_day: int | None = None
    max_grade: int = 0
    max_grade_at: datetime | None = None
    max_grade_day: int | None = None
    resolved_at: datetime | None = None
    duration: timedelta | None = None
    spells: int = 0
    last_onset_at: datetime | None = None  # the latest spell's, as the patient page's course line
    last_onset_day: int | None = None

    @property
    def duration_days(self) -> float | None:
        return None if self.duration is None else round(self.duration / timedelta(days=1), 2)


def spells_from_grades(
    grades: Iterable[tuple[datetime, int]],
) -> list[tuple[datetime, datetime | None]]:
    """(start, end) of each run of grades >= 1; the end is the first grade 0
    after it, None while the last grade is still >= 1. Grades in time order."""
    spells: list[tuple[datetime, datetime | None]] = []
    start = None
    for at, grade in sorted(grades, key=lambda row: row[0]):
        if grade >= 1 and start is None:
            start = at
        elif grade == 0 and start is not None:
            spells.append((start, at))
            start = None
    if start is not None:
        spells.append((start, None))
    return spells


def course_figures(
    spells: Sequence[tuple[datetime, datetime | None]],
    grades: Iterable[tuple[datetime, int]],
    *,
    infusion_at: datetime,
    as_of: datetime,
    tz: tzinfo,
) -> Course:
    """Onset, maximum grade, resolution and duration from the spells of a
    course and the stored (time, grade) rows, both up to `as_of`."""
    spells = sorted((s for s in spells if s[0] <= as_of), key=lambda s: s[0])
    spells = [(start, end if end is not None and end <= as_of else None) for start, end in spells]
    top, top_at = 0, None
    for at, grade in sorted((g for g in grades if g[0] <= as_of), key=lambda row: row[0]):
        if grade > top:
            top, top_at = grade, at
    if not spells:
        return Course(
            status=NONE,
            max_grade=top,
            max_grade_at=top_at,
            max_grade_day=None if top_at is None else day_after_infusion(infusion_at, top_at, tz),
        )
    onset = spells[0][0]
    resolved = spells[-1][1]
    duration = sum(((end or as_of) - start for start, end in spells), timedelta(0))
    return Course(
        status=ONGOING if resolved is None else RESOLVED,
        onset_at=onset,
        onset_day=day_after_infusion(infusion_at, onset, tz),
        max_grade=top,
        max_grade_at=top_at,
        max_grade_day=None if top_at is None else day_after_infusion(infusion_at, top_at, tz),
        resolved_at=resolved,
        duration=duration,
        spells=len(spells),
        last_onset_at=spells[-1][0],
        last_onset_day=day_after_infusion(infusion_at, spells[-1][0], tz),
    )


def dexamethasone_factor(drug: str, other_name: str = "") -> float | None:
    """mg of dexamethasone per mg of this drug, or None for a drug that is not
    a glucocorticoid. A drug charted as "Other" counts when its name is one of
    the table's (e.g. "Prednisolone 50 mg oral")."""
    if drug in DEXAMETHASONE_EQUIVALENT:
        return DEXAMETHASONE_EQUIVALENT[drug]
    words = "".join(c if c.isalpha() else " " for c in other_name.lower()).split()
    return next(
        (OTHER_GLUCOCORTICOID_EQUIVALENT[w] for w in words if w in OTHER_GLUCOCORTICOID_EQUIVALENT),
        None,
    )


@dataclass(frozen=True)
class Dose:
    at: datetime
    drug: str  # the chart's code, brand names folded in (grading.snapshot)
    mg: float
    other_name: str = ""  # what was typed for a drug charted as "Other"


@dataclass(frozen=True)
class Drugs:
    tocilizumab: tuple[tuple[datetime, float], ...]  # (time, mg) of each dose
    steroid_dexamethasone_mg: float
    steroid_days: int  # calendar days (ward zone) with at least one glucocorticoid dose
    steroid_first_at: datetime | None
    steroid_last_at: datetime | None

    @property
    def tocilizumab_doses(self) -> int:
        return len(self.tocilizumab)

    @property
    def tocilizumab_at(self) -> tuple[datetime, ...]:
        return tuple(at for at, _ in self.tocilizumab)

    @property
    def tocilizumab_mg(self) -> float:
        return round(sum(mg for _, mg in self.tocilizumab), 2)


def drug_figures(doses: Iterable[Dose], *, tz: tzinfo) -> Drugs:
    doses = sorted(doses, key=lambda d: d.at)
    tocilizumab = [d for d in doses if d.drug == TOCILIZUMAB]
    steroids = [(d, f) for d in doses if (f := dexamethasone_factor(d.drug, d.other_name))]
    days: set[date] = {d.at.astimezone(tz).date() for d, _ in steroids}
    return Drugs(
        tocilizumab=tuple((d.at, d.mg) for d in tocilizumab),
        steroid_dexamethasone_mg=round(sum(d.mg * f for d, f in steroids), 2),
        steroid_days=len(days),
        steroid_first_at=steroids[0][0].at if steroids else None,
        steroid_last_at=steroids[-1][0].at if steroids else None,
    )


@dataclass(frozen=True)
class Vasopressors:
    any: bool
    max_at_once: int
    first_at: datetime | None
    last_at: datetime | None


def vasopressor_figures(charted: Iterable[tuple[datetime, int]]) -> Vasopressors:
    """From each vitals set that recorded vasopressors: (time, how many running).
    First and last are the first and last sets that charted one running."""
    running = sorted(((at, n) for at, n in charted if n > 0), key=lambda row: row[0])
    return Vasopressors(
        any=bool(running),
        max_at_once=max((n for _, n in running), default=0),
        first_at=running[0][0] if running else None,
        last_at=running[-1][0] if running else None,
    )


@dataclass(frozen=True)
class Workup:
    """The infection work-up of the first CRS onset (grading/workup.py checklist)."""

    fever_at: datetime | None = None
    blood_culture_at: datetime | None = None
    antibiotic_at: datetime | None = None

    @staticmethod
    def _minutes(start: datetime | None, end: datetime | None) -> int | None:
        if start is None or end is None:
            return None
        return round((end - start) / timedelta(minutes=1))

    @property
    def fever_to_blood_culture_min(self) -> int | None:
        """Negative when the culture was drawn before the fever was charted."""
        return self._minutes(self.fever_at, self.blood_culture_at)

    @property
    def fever_to_antibiotic_min(self) -> int | None:
        """Zero when an antibiotic was already running at the fever (as the checklist says)."""
        minutes = self._minutes(self.fever_at, self.antibiotic_at)
        return None if minutes is None else max(minutes, 0)
