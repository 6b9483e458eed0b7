"""A form sent twice saves once: the idempotency key on every chart row."""

import threading
import uuid
from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from grading import tasks
from patients import services
from patients.models import Episode, LabResult, LabTest, Vasopressor, VitalsSet

pytestmark = pytest.mark.django_db


def _now():
    return timezone.now() - timedelta(minutes=1)


def test_the_same_key_returns_the_row_already_saved(episode, nurse):
    key = uuid.uuid4()
    first = services.vitals_record(
        episode=episode,
        observed_at=_now(),
        by=nurse,
        temperature_c=Decimal("38.2"),
        vasopressors=["norepinephrine"],
        idempotency_key=key,
    )
    again = services.vitals_record(
        episode=episode,
        observed_at=_now(),
        by=nurse,
        temperature_c=Decimal("38.2"),
        vasopressors=["norepinephrine"],
        idempotency_key=key,
    )
    assert again.pk == first.pk
    assert VitalsSet.objects.count() == 1
    assert Vasopressor.objects.count() == 1


def test_a_resubmission_does_not_mark_the_chart_changed_again(episode, nurse):
    key = uuid.uuid4()
    services.weight_record(
        episode=episode, observed_at=_now(), by=nurse, weight_kg=70, idempotency_key=key
    )
    changed = Episode.objects.get(pk=episode.pk).chart_changed_at
    services.weight_record(
        episode=episode, observed_at=_now(), by=nurse, weight_kg=70, idempotency_key=key
    )
    assert Episode.objects.get(pk=episode.pk).chart_changed_at == changed


def test_rows_without_a_key_are_all_saved(episode, nurse):
    for _ in range(2):
        services.vitals_record(episode=episode, observed_at=_now(), by=nurse, heart_rate=80)
    assert VitalsSet.objects.count() == 2


def test_the_database_refuses_a_second_row_with_the_same_key(episode, nurse):
    key = uuid.uuid4()
    services.vitals_record(episode=episode, observed_at=_now(), by=nurse, idempotency_key=key)
    with pytest.raises(IntegrityError), transaction.atomic():
        VitalsSet.objects.create(
            episode=episode, observed_at=_now(), recorded_by=nurse, idempotency_key=key
        )


def test_a_key_from_another_patients_form_is_refused(episode, make_episode, nurse):
    key = uuid.uuid4()
    services.vitals_record(episode=episode, observed_at=_now(), by=nurse, idempotency_key=key)
    with pytest.raises(ValidationError, match="another patient"):
        services.vitals_record(
            episode=make_episode(), observed_at=_now(), by=nurse, idempotency_key=key
        )


def test_a_lab_panel_sent_twice_saves_each_result_once(episode, nurse):
    key = uuid.uuid4()
    results = {LabTest.objects.get(code="crp"): 80.0, LabTest.objects.get(code="ferritin"): 900.0}
    first = services.lab_panel_record(
        episode=episode, observed_at=_now(), by=nurse, results=results, idempotency_key=key
    )
    again = services.lab_panel_record(
        episode=episode, observed_at=_now(), by=nurse, results=results, idempotency_key=key
    )
    assert [row.pk for row in again] == [row.pk for row in first]
    assert LabResult.objects.count() == 2


def test_a_lab_panel_is_saved_whole_or_not_at_all(episode, nurse):
    results = {LabTest.objects.get(code="crp"): 80.0, LabTest.objects.get(code="alt"): -1.0}
    with pytest.raises(ValidationError):
        services.lab_panel_record(
            episode=episode,
            observed_at=_now(),
            by=nurse,
            results=results,
            idempotency_key=uuid.uuid4(),
        )
    assert not LabResult.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_taps_in_flight_at_once_save_one_row(on_postgresql, episode, nurse):
    """Neither request sees the other's uncommitted row: the unique key in the
    database stops the second, which answers with the row the first saved."""
    key = uuid.uuid4()
    both_looked = threading.Barrier(2)
    looked = threading.local()
    real_look = services._already_saved
    saved, errors = [], []

    def look_together(model, k):
        # Both requests check for a saved row before either has saved one.
        if not getattr(looked, "once", False):
            looked.once = True
            both_looked.wait(timeout=10)
            return None
        return real_look(model, k)

    def tap():
        try:
            vitals = services.vitals_record(
                episode=episode,
                observed_at=_now(),
                by=nurse,
                temperature_c=Decimal("38.4"),
                vasopressors=["norepinephrine"],
                idempotency_key=key,
            )
            saved.append(vitals.pk)
        except Exception as error:  # surfaced below; a thread must not swallow it
            errors.append(error)
        finally:
            connection.close()

    with (
        mock.patch.object(tasks.regrade_patient, "apply_async"),
        mock.patch.object(services, "_already_saved", side_effect=look_together),
    ):
        threads = [threading.Thread(target=tap) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    assert not errors
    assert len(saved) == 2 and len(set(saved)) == 1
    assert VitalsSet.objects.count() == 1
    assert Vasopressor.objects.count() == 1
