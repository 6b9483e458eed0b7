"""A large CAR-T unit for the benchmark: 60, 120 or 240 patients, a week of
hourly vitals, labs every 12 h, neuro checks every 8 h and the doses their
course calls for; and a ward of long stays (1, 7, 28 days).

Rows are written in bulk: through the chart services (one validated save and
one regrade per row) a week of a whole unit would take the best part of an
hour. The grades are not written by hand: the real regrade computes them over
the stay of one patient per course, whose history the others of that course
share (moved to their infusion time), and once more now for every patient, so
the current grades and prompts are real.
"""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.contrib.auth.models import Group, User
from django.utils import timezone

from grading.models import Assessment, TocilizumabStock
from grading.services import regrade
from patients.models import (
    ICE_FIELDS,
    Episode,
    LabResult,
    LabTest,
    MedicationAdministration,
    NeuroAssessment,
    Patient,
    Vasopressor,
    VitalsSet,
    Ward,
    WeightMeasurement,
)

WARD = "Bench CAR-T Unit"
DAYS = 7
GRADE_EVERY = timedelta(hours=6)
SPARKLINE = timedelta(hours=72)
BATCH = 2000

CALM = {"temp": 36.8, "sbp": 122, "dbp": 74, "hr": 82, "rr": 16, "spo2": 97}
FEVER = {"temp": 38.7, "hr": 112}
LOW_FLOW = {"device": "nasal_cannula", "flow": 3, "spo2": 94}
SHOCK = {**FEVER, "sbp": 86, "dbp": 48, "hr": 126, "pressors": ("norepinephrine",)}
CRITICAL = {
    **SHOCK,
    "device": "bipap",
    "flow": 12,
    "spo2": 91,
    "rr": 30,
    "pressors": ("norepinephrine", "epinephrine"),
}


@dataclass(frozen=True)
class Course:
    """How one patient's week runs: from each phase's hour after infusion, these
    vitals; and the doses given (hour, drug, mg; tocilizumab dosed by weight)."""

    name: str
    phases: tuple[tuple[float, dict], ...]
    doses: tuple[tuple[float, str, float | None], ...]
    share: int  # patients out of every 20


COURSES = (
    Course("no CRS", ((0, {}),), (), 8),
    Course(
        "grade 1 for two days",
        ((0, {}), (20, FEVER), (68, {})),
        ((21, "acetaminophen", 1000), (45, "acetaminophen", 1000)),
        5,
    ),
    Course(
        "grade 2, one tocilizumab",
        ((0, {}), (14, FEVER), (30, {**FEVER, **LOW_FLOW}), (56, FEVER), (74, {})),
        ((15, "acetaminophen", 1000), (31, "tocilizumab", None)),
        3,
    ),
    Course(
        "grade 3 on norepinephrine",
        ((0, {}), (10, FEVER), (26, SHOCK), (84, {**FEVER, **LOW_FLOW}), (112, {})),
        (
            (27, "tocilizumab", None),
            (28, "dexamethasone", 10),
            (34, "dexamethasone", 10),
            (36, "tocilizumab", None),
            (40, "dexamethasone", 10),
            (46, "dexamethasone", 10),
        ),
        2,
    ),
    Course(
        "grade 4 on two vasopressors",
        ((0, {}), (12, FEVER), (30, SHOCK), (120, CRITICAL)),
        (
            (31, "tocilizumab", None),
            (40, "tocilizumab", None),
            (121, "tocilizumab", None),
            (122, "methylprednisolone", 500),
            (134, "methylprednisolone", 500),
        ),
        1,
    ),
    Course(
        "ICANS after CRS",
        ((0, {}), (18, FEVER), (48, {}), (100, {"ice": 6}), (128, {"ice": 3, "awake": "voice"})),
        ((19, "acetaminophen", 1000), (130, "dexamethasone", 10)),
        1,
    ),
)


def seed_unit(
    patients: int, *, now: datetime | None = None, seed: int = 2026, days: int = DAYS
) -> Ward:
    """A new ward of `patients` beds, each with about `days` days charted."""
    ward = Ward.objects.create(name=WARD, protocol="A")
    ward.staff.add(_person("bench.nurse", "nurse"), _person("bench.physician", "physician"))
    _person("bench.pharmacist", "pharmacist")
    grow_unit(ward, patients, now=now, seed=seed, days=days)
    return ward


def grow_unit(
    ward: Ward, patients: int, *, now: datetime | None = None, seed: int = 2026, days: int = DAYS
) -> list[Episode]:
    """Admit beds until the ward has `patients`: the bench grows one unit
    60 -> 120 -> 240 instead of seeding each size afresh."""
    now = now or timezone.now()
    nurse = User.objects.get(username="bench.nurse")
    pharmacist = User.objects.get(username="bench.pharmacist")
    chart = Chart(nurse, LabTest.objects.in_bulk(field_name="code"))
    first = Patient.objects.filter(ward=ward).count() + 1
    admitted = []
    for bed in range(first, patients + 1):
        rng = random.Random(seed * 100_000 + bed)
        course = _course_for(bed, seed)
        # Staggered admissions: each patient has about `days` days charted.
        infusion = now - timedelta(days=days) + timedelta(minutes=rng.randint(0, 12 * 60))
        episode = _admit(ward, bed, infusion, rng)
        chart.course(episode, course, now, rng)
        admitted.append((episode, course))
    chart.save()
    episodes = [episode for episode, _ in admitted]
    TocilizumabStock.objects.bulk_create(
        TocilizumabStock(
            episode=episode,
            doses_on_site=random.Random(episode.pk).choice([1, 2, 2, 3]),
            recorded_by=pharmacist,
        )
        for episode in episodes
    )
    _grade_history(ward, admitted, now, seed)
    return episodes


def seed_long_stays(stays: tuple[int, ...], *, now: datetime | None = None) -> dict[int, Episode]:
    """A ward of one patient per stay length (days), each on the grade 3
    course, graded for real over the whole stay: what the per-patient pages
    and regrade() cost as a stay grows."""
    now = now or timezone.now()
    ward = Ward.objects.create(name=f"{WARD} (long stays)", protocol="A")
    nurse = User.objects.get(username="bench.nurse")
    ward.staff.add(nurse, User.objects.get(username="bench.physician"))
    chart = Chart(nurse, LabTest.objects.in_bulk(field_name="code"))
    course = next(c for c in COURSES if c.name == "grade 3 on norepinephrine")
    episodes = {}
    for bed, days in enumerate(stays, start=1):
        rng = random.Random(days)
        episode = _admit(ward, bed, now - timedelta(days=days), rng, prefix="LONGSTAY")
        chart.course(episode, course, now, rng)
        episodes[days] = episode
    chart.save()
    for episode in episodes.values():
        _grade(episode, now)
    return episodes


def _course_for(bed: int, seed: int) -> Course:
    # Every block of 20 beds holds each course its share of times, shuffled:
    # sick and well side by side, as on a real ward, whatever size it grows to.
    block = [course for course in COURSES for _ in range(course.share)]
    random.Random(seed * 1000 + (bed - 1) // len(block)).shuffle(block)
    return block[(bed - 1) % len(block)]


def _grade_history(
    ward: Ward, admitted: list[tuple[Episode, Course]], now: datetime, seed: int
) -> None:
    """The real regrade over the whole stay of one patient per course (the
    course's model patient, the lowest bed on it); the others of that course
    get its history moved to their own infusion time, then one real regrade
    now (their current grade and prompts). Regrading 240 weeks every 6 hours
    would take most of an hour on a small machine; the moved histories hold
    the same grades at the same hours of the course, which is what the board
    and the pages read."""
    models: dict[str, Episode] = {}
    earlier = (
        Episode.objects.filter(patient__ward=ward)
        .exclude(pk__in=[episode.pk for episode, _ in admitted])
        .select_related("patient")
        .order_by("pk")
    )
    for episode in earlier:
        models.setdefault(_course_for(int(episode.patient.bed), seed).name, episode)
    for episode, course in admitted:
        if course.name not in models:
            models[course.name] = episode
            _grade(episode, now)
        else:
            _copy_history(models[course.name], episode, now)
            regrade(episode, trigger="new_data")


def _copy_history(model: Episode, episode: Episode, now: datetime) -> None:
    shift = episode.infusion_at - model.infusion_at
    copied = []
    for assessment in Assessment.objects.defer(None).filter(episode=model):
        evaluated_at = assessment.evaluated_at + shift
        if evaluated_at > now:
            continue
        assessment.pk = None
        assessment.episode = episode
        assessment.patient_id = episode.patient_id
        assessment.evaluated_at = evaluated_at
        for due in ("vitals_due_at", "neuro_due_at"):
            if getattr(assessment, due) is not None:
                setattr(assessment, due, getattr(assessment, due) + shift)
        copied.append(assessment)
    Assessment.objects.bulk_create(copied, batch_size=BATCH)


def _person(username: str, group: str) -> User:
    user = User.objects.create_user(username, password=None)
    user.groups.add(Group.objects.get(name=group))
    return user


def _admit(
    ward: Ward, bed: int, infusion: datetime, rng: random.Random, prefix: str = "BENCH"
) -> Episode:
    patient = Patient.objects.create(
        mrn=f"{prefix}-{bed:03d}",
        family_name=f"{prefix.title()}{bed:03d}",
        given_name=rng.choice(["Ana", "Ben", "Chen", "Dara", "Eli", "Fatma", "Goran", "Hana"]),
        date_of_birth=f"{rng.randint(1945, 2000)}-{rng.randint(1, 12):02d}-15",
        sex=rng.choice(["female", "male"]),
        ward=ward,
        bed=str(bed),
    )
    return Episode.objects.create(
        patient=patient,
        product=rng.choice(["axi-cel", "tisa-cel", "liso-cel", "cilta-cel", "ide-cel"]),
        admitted_at=infusion - timedelta(days=1),
        infusion_at=infusion,
    )


class Chart:
    """Chart rows for many patients, kept in memory and written in bulk."""

    def __init__(self, nurse: User, labs: dict[str, LabTest]):
        self.nurse = nurse
        self.labs = labs
        self.rows: dict[type, list] = {}
        self.pressors: list[tuple[VitalsSet, tuple[str, ...]]] = []

    def _row(self, model, **values):
        at = values["observed_at"]
        row = model(recorded_by=self.nurse, recorded_at=at + timedelta(minutes=3), **values)
        self.rows.setdefault(model, []).append(row)
        return row

    def course(self, episode: Episode, course: Course, now: datetime, rng: random.Random):
        weight = rng.uniform(52, 105)
        start = episode.infusion_at
        self._row(
            WeightMeasurement,
            episode=episode,
            observed_at=start - timedelta(hours=20),
            weight_kg=Decimal(f"{weight:.1f}"),
        )
        hour = 0
        while (at := start + timedelta(hours=hour)) <= now:
            state = {**CALM}
            for begins, changes in course.phases:
                if hour >= begins:
                    state.update(changes)
            self._vitals(episode, at, state, rng)
            if hour % 8 == 0:
                self._neuro(episode, at + timedelta(minutes=10), state)
            if hour % 12 == 0:
                self._labs(episode, at + timedelta(minutes=20), state, rng)
            hour += 1
        for hours, drug, mg in course.doses:
            at = start + timedelta(hours=hours, minutes=30)
            if at <= now:
                dose = min(800, round(weight * 8)) if mg is None else mg
                self._row(
                    MedicationAdministration,
                    episode=episode,
                    observed_at=at,
                    drug=drug,
                    dose_mg=Decimal(dose),
                    given_by=self.nurse,
                )

    def _vitals(self, episode, at, state, rng):
        vitals = self._row(
            VitalsSet,
            episode=episode,
            observed_at=at,
            temperature_c=Decimal(f"{state['temp'] + rng.uniform(-0.2, 0.2):.1f}"),
            heart_rate=state["hr"] + rng.randint(-4, 4),
            systolic=state["sbp"] + rng.randint(-4, 4),
            diastolic=state["dbp"] + rng.randint(-3, 3),
            respiratory_rate=state["rr"],
            spo2=min(100, state["spo2"] + rng.randint(-1, 1)),
            oxygen_device=state.get("device", "room_air"),
            oxygen_flow_l_min=state.get("flow"),
        )
        if state.get("pressors"):
            self.pressors.append((vitals, state["pressors"]))

    def _neuro(self, episode, at, state):
        ice = state.get("ice", 10)
        consciousness = {"voice": "awakens_to_voice"}.get(state.get("awake"), "alert")
        items = {name: index < ice for index, name in enumerate(ICE_FIELDS)}
        self._row(
            NeuroAssessment,
            episode=episode,
            observed_at=at,
            tool="ICE",
            consciousness=consciousness,
            **items,
        )

    def _labs(self, episode, at, state, rng):
        inflamed = state["temp"] >= 38
        values = {
            "crp": rng.uniform(90, 240) if inflamed else rng.uniform(3, 30),
            "ferritin": rng.uniform(1500, 9000) if inflamed else rng.uniform(250, 900),
            "fibrinogen": rng.uniform(150, 250) if inflamed else rng.uniform(250, 420),
            "anc": rng.uniform(100, 1500),
            "platelets": rng.uniform(25_000, 140_000),
            "alt": rng.uniform(15, 90),
            "ast": rng.uniform(15, 80),
        }
        for code, value in values.items():
            self._row(
                LabResult,
                episode=episode,
                observed_at=at,
                test=self.labs[code],
                value=round(value, 1),
            )

    def save(self) -> None:
        for model, rows in self.rows.items():
            model.objects.bulk_create(rows, batch_size=BATCH)
        Vasopressor.objects.bulk_create(
            (
                Vasopressor(vitals=vitals, drug=drug)
                for vitals, drugs in self.pressors
                for drug in drugs
            ),
            batch_size=BATCH,
        )


def _grade(episode: Episode, now: datetime) -> None:
    """The real regrade, every 6 hours of the last three days (the sparkline's
    window; once a day before) and then now (which also raises the prompts)."""
    at = episode.infusion_at
    while at < now:
        regrade(episode, trigger="new_data", at=at)
        at += GRADE_EVERY if now - at <= SPARKLINE else 4 * GRADE_EVERY
    regrade(episode, trigger="new_data")
