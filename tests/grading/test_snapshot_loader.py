"""The snapshot loader reads column values, not model instances: on long,
varied stays it builds exactly the snapshot (and so exactly the evaluation
and the stored case) that the former loader built from model instances.

`reference_snapshot` below is that former loader, kept verbatim as the
reference: one queryset of instances per chart table, vasopressors
prefetched, each row converted by grading.snapshot's instance converters.
"""

import random
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from grading.rules import Snapshot, evaluate
from grading.rules.case import case_of
from grading.snapshot import (
    episode_snapshot,
    event_entry,
    lab_entry,
    medication_entry,
    neuro_entry,
    vitals_entry,
    ward_settings,
    weight_entry,
)
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
    WeightMeasurement,
    WorkupEvent,
)

pytestmark = pytest.mark.django_db


def reference_snapshot(episode: Episode, at: datetime) -> Snapshot:
    """The loader as it was before it read column values (model instances)."""
    patient = episode.patient
    ward = patient.ward

    def rows(model, *related):
        query = model.objects.valid().filter(episode=episode, observed_at__lte=at)
        return query.select_related(*related) if related else query

    weights = tuple(weight_entry(w) for w in rows(WeightMeasurement).order_by("observed_at", "pk"))
    weight = weights[-1] if weights else None
    return Snapshot(
        at=at.astimezone(ward.tzinfo),
        age_years=patient.age_years(at),
        weight_kg=weight.kg if weight else None,
        weight_at=weight.at if weight else None,
        weights=weights,
        infusion_at=episode.infusion_at,
        protocol=episode.protocol,
        news2_scale=episode.news2_scale,
        vitals=tuple(vitals_entry(v) for v in rows(VitalsSet).prefetch_related("vasopressors")),
        neuro=tuple(neuro_entry(n) for n in rows(NeuroAssessment)),
        medications=tuple(medication_entry(m) for m in rows(MedicationAdministration)),
        labs=tuple(lab_entry(lab) for lab in rows(LabResult, "test")),
        events=tuple(event_entry(e) for e in rows(WorkupEvent)),
        settings=ward_settings(ward),
    )


DEVICES = ("room_air", "room_air", "room_air", "nasal_cannula", "simple_face_mask", "bipap", "")
PRESSORS = ((), ("norepinephrine",), ("norepinephrine", "vasopressin"), ("epinephrine",))
DRUGS = (
    ("acetaminophen", "", 1000),
    ("tocilizumab", "", 560),
    ("dexamethasone", "", 10),
    ("methylprednisolone", "", 500),
    ("cefepime", "", 2000),
    ("levetiracetam", "", 500),
    ("other", "Actemra", 560),  # a listed drug charted as "other" still counts
    ("other", "ondansetron", 4),
)


def chart_a_long_stay(ward, nurse, days: int, seed: int) -> Episode:
    """A stay of `days` days after infusion, charted at random but every kind of
    row present: fevers and calm spells, support charted and left out, several
    vasopressors, ICE and CAPD checks, labs, work-up events, weights, doses,
    rows at the same minute and rows entered in error."""
    rng = random.Random(seed)
    now = timezone.now()
    infusion = now - timedelta(days=days)
    child = rng.random() < 0.3
    patient = Patient.objects.create(
        mrn=f"LONG{seed:04d}",
        family_name=f"Long{seed}",
        given_name="Stay",
        date_of_birth=date(2019, 5, 1) if child else date(1961, 5, 1),
        sex="female",
        ward=ward,
        bed=str(seed),
    )
    episode = Episode.objects.create(
        patient=patient,
        product="axi-cel",
        admitted_at=infusion - timedelta(days=1),
        infusion_at=infusion,
        protocol=rng.choice("AB"),
    )
    stamp = {"episode": episode, "recorded_by": nurse}

    def error(row):
        # About one row in twelve is struck out: it must never reach the rules.
        if rng.random() < 1 / 12:
            row.entered_in_error_at = now
            row.entered_in_error_by = nurse
            row.entered_in_error_reason = "Charted on the wrong patient"
        return row

    vitals, pressors, neuro, doses, labs, events, weights = [], [], [], [], [], [], []
    tests = list(LabTest.objects.filter(code__in=["crp", "ferritin", "anc", "creatinine", "alt"]))
    febrile = False
    at = infusion - timedelta(hours=6)  # some rows before the infusion, too
    while at <= now:
        if rng.random() < 0.08:
            febrile = not febrile
        device = rng.choice(DEVICES)
        recorded = rng.random() < 0.8
        row = error(
            VitalsSet(
                **stamp,
                observed_at=at,
                temperature_c=Decimal(
                    f"{rng.uniform(38.1, 39.6) if febrile else rng.uniform(36.2, 37.9):.1f}"
                )
                if rng.random() < 0.9
                else None,
                heart_rate=rng.choice([None, rng.randint(60, 140)]),
                systolic=(systolic := rng.choice([None, rng.randint(75, 140)])),
                diastolic=None if systolic is None else rng.randint(40, systolic - 5),
                mean_arterial=rng.choice([None, None, None, rng.randint(55, 90)]),
                respiratory_rate=rng.choice([None, rng.randint(10, 30)]),
                spo2=rng.choice([None, rng.randint(85, 100)]),
                oxygen_device=device,
                oxygen_flow_l_min=None
                if device in ("room_air", "")
                else Decimal(f"{rng.uniform(1, 10):.1f}"),
                vasopressors_recorded=recorded,
            )
        )
        vitals.append(row)
        if recorded:
            pressors.append((row, rng.choice(PRESSORS)))
        if rng.random() < 0.2:
            neuro.append(error(_neuro(stamp, at + timedelta(minutes=rng.choice([0, 5])), rng)))
        if rng.random() < 0.06:
            drug, other, mg = rng.choice(DRUGS)
            doses.append(
                error(
                    MedicationAdministration(
                        **stamp,
                        observed_at=at + timedelta(minutes=rng.randint(0, 50)),
                        drug=drug,
                        drug_other=other,
                        dose_mg=Decimal(mg),
                        given_by=nurse,
                    )
                )
            )
        if rng.random() < 0.1:
            for test in tests:
                labs.append(
                    error(
                        LabResult(
                            **stamp,
                            observed_at=at + timedelta(minutes=20),
                            test=test,
                            value=round(rng.uniform(0.2, 12000), 1),
                        )
                    )
                )
        if rng.random() < 0.03:
            events.append(
                error(
                    WorkupEvent(
                        **stamp,
                        observed_at=at,
                        event=rng.choice(["blood_culture", "chest_xray", "eeg", "icu_transfer"]),
                    )
                )
            )
        if rng.random() < 0.02:
            weights.append(
                error(
                    WeightMeasurement(
                        **stamp, observed_at=at, weight_kg=Decimal(f"{rng.uniform(12, 110):.1f}")
                    )
                )
            )
        # Mostly hourly; now and then two sets at the same minute.
        at += timedelta(minutes=rng.choice([0, 30, 60, 60, 60, 90, 120]))
    for model, rows in (
        (VitalsSet, vitals),
        (NeuroAssessment, neuro),
        (MedicationAdministration, doses),
        (LabResult, labs),
        (WorkupEvent, events),
        (WeightMeasurement, weights),
    ):
        model.objects.bulk_create(rows)
    Vasopressor.objects.bulk_create(
        Vasopressor(vitals=row, drug=drug) for row, drugs in pressors for drug in drugs
    )
    return episode


def _neuro(stamp, at, rng) -> NeuroAssessment:
    common = {
        "observed_at": at,
        "consciousness": rng.choice(["alert", "alert", "awakens_to_voice", "unarousable"]),
        "seizure": rng.choice(["none", "none", "none", "rapidly_resolving"]),
        "motor_weakness": rng.random() < 0.05,
        "cerebral_edema": rng.choice(["none", "none", "none", "focal"]),
        "excluded_domains": rng.choice([[], [], ["consciousness"], ["score", "seizure"]]),
        "unable_to_perform": rng.random() < 0.1,
    }
    if rng.random() < 0.3:
        return NeuroAssessment(**stamp, tool="CAPD", capd_score=rng.randint(0, 20), **common)
    ice = rng.randint(0, 10)
    items = {
        name: (index < ice) if rng.random() < 0.95 else None
        for index, name in enumerate(ICE_FIELDS)
    }
    return NeuroAssessment(**stamp, tool="ICE", **items, **common)


@pytest.mark.parametrize("seed,days", [(1, 2), (2, 6), (3, 10), (4, 14), (5, 21)])
def test_a_long_stay_loads_into_the_same_snapshot_and_grades_the_same(ward, nurse, seed, days):
    episode = chart_a_long_stay(ward, nurse, days, seed)
    episode = Episode.objects.select_related("patient__ward").get(pk=episode.pk)
    now = timezone.now()
    rng = random.Random(seed)
    # Now, and moments across the stay (a replay of earlier times).
    moments = [now] + [now - timedelta(minutes=rng.randint(0, days * 24 * 60)) for _ in range(3)]
    for at in moments:
        loaded = episode_snapshot(episode, at)
        reference = reference_snapshot(episode, at)
        assert loaded == reference
        assert case_of(loaded) == case_of(reference)
        assert evaluate(loaded) == evaluate(reference)


def test_the_chart_is_read_in_the_same_number_of_queries_however_long_the_stay(ward, nurse):
    short = chart_a_long_stay(ward, nurse, 2, 11)
    long = chart_a_long_stay(ward, nurse, 10, 12)
    counts = []
    for episode in (short, long):
        episode = Episode.objects.select_related("patient__ward").get(pk=episode.pk)
        with CaptureQueriesContext(connection) as queries:
            episode_snapshot(episode, timezone.now())
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert counts[1] <= 7  # one per chart table and one for the vasopressors
