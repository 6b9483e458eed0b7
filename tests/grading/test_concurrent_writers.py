"""Twenty people charting on one patient at the same moment, each on their own
database connection, on PostgreSQL: nothing lost, no dose limit passed, and
the grade history says each distinct result once."""

import threading
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from grading import dose_services
from grading.models import Assessment
from patients import services as chart
from patients.models import Episode, MedicationAdministration, VitalsSet

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

WRITERS = 20


def _ago(minutes: float):
    return timezone.now() - timedelta(minutes=minutes)


def _run_together(jobs) -> list[Exception]:
    """Each job on its own thread (so its own connection), released at once."""
    barrier = threading.Barrier(len(jobs))
    errors: list[Exception] = []

    def run(job):
        try:
            barrier.wait()
            job()
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a writer never finished"
    return errors


def test_twenty_writers_on_one_episode_lose_nothing_and_pass_no_limit(
    on_postgresql, make_episode, nurse, physician, pharmacist
):
    episode = make_episode()
    chart.weight_record(episode=episode, observed_at=_ago(30 * 60), by=nurse, weight_kg=80)
    people = [nurse, physician, pharmacist]
    vitals_keys = [uuid.uuid4() for _ in range(WRITERS // 2)]
    saved_doses, blocked = [], []

    def vitals(n: int, key: uuid.UUID):
        def save():
            chart.vitals_record(
                episode=episode,
                observed_at=_ago(60 - n),
                by=nurse if n % 2 else physician,
                idempotency_key=key,
                temperature_c=Decimal("38.0") + Decimal(n) / 10,
                heart_rate=90 + n,
                systolic=100 - n,
                diastolic=60,
                oxygen_device="nasal_cannula",
                oxygen_flow_l_min=Decimal("2"),
                vasopressors=["norepinephrine"] if n % 3 == 0 else [],
            )

        return save

    def dose(n: int):
        def give():
            try:
                saved_doses.append(
                    dose_services.dose_record(
                        episode=episode,
                        drug="tocilizumab",
                        dose_mg=Decimal("640"),
                        observed_at=_ago(5),
                        by=people[n % 3],
                    )
                )
            except dose_services.DoseBlocked as block:
                blocked.append(block.codes)

        return give

    jobs = [vitals(n, key) for n, key in enumerate(vitals_keys)]
    jobs += [dose(n) for n in range(WRITERS - len(jobs))]
    assert len(jobs) == WRITERS

    errors = _run_together(jobs)

    assert not errors
    # No lost row: every vitals set, each with exactly the vasopressors it was sent with.
    for n, key in enumerate(vitals_keys):
        row = VitalsSet.objects.get(idempotency_key=key)
        assert row.heart_rate == 90 + n
        drugs = sorted(p.drug for p in row.vasopressors.all())
        assert drugs == (["norepinephrine"] if n % 3 == 0 else [])
    # Ten people gave tocilizumab for the same moment: the 8 h interval lets one through.
    assert len(saved_doses) == 1 and len(blocked) == WRITERS // 2 - 1
    assert all(codes for codes in blocked)
    assert MedicationAdministration.objects.filter(drug="tocilizumab").count() == 1
    # One assessment per distinct result, and the last save was graded.
    history = list(Assessment.objects.filter(episode=episode).order_by("evaluated_at", "pk"))
    assert history
    for earlier, later in zip(history, history[1:], strict=False):
        assert not later.same_result_as(earlier), (earlier, later)
    episode = Episode.objects.get(pk=episode.pk)
    assert episode.graded_through == episode.chart_changed_at


def test_the_same_form_sent_by_twenty_threads_saves_one_set(on_postgresql, episode, nurse):
    key = uuid.uuid4()
    saved: list[int] = []

    def save():
        vitals = chart.vitals_record(
            episode=episode,
            observed_at=_ago(10),
            by=nurse,
            idempotency_key=key,
            temperature_c=Decimal("38.6"),
            vasopressors=["vasopressin"],
        )
        saved.append(vitals.pk)

    errors = _run_together([save] * WRITERS)

    assert not errors
    assert len(saved) == WRITERS and len(set(saved)) == 1
    row = VitalsSet.objects.get()
    assert [p.drug for p in row.vasopressors.all()] == ["vasopressin"]
