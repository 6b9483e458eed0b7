import logging
from contextlib import contextmanager

from kombu.exceptions import OperationalError

from patients.signals import chart_changed

from .tasks import regrade_patient

log = logging.getLogger(__name__)


def queue_regrade(sender, *, patient_id: int, trigger: str, **kwargs) -> None:
    # The chart row is already committed. If the broker is down, say so and
    # move on: the nurse's entry is safe and the sweep regrades it later.
    try:
        regrade_patient.apply_async((patient_id, trigger), retry=False)
    except OperationalError:
        log.warning("broker unreachable: regrade of patient %s left to the sweep", patient_id)
    except Exception:
        # In-process mode runs the regrade right here; a grading failure must
        # never turn a saved entry into an error page. The sweep retries it.
        log.exception("regrade of patient %s failed; the sweep will retry", patient_id)


chart_changed.connect(queue_regrade, dispatch_uid="grading.queue_regrade")


@contextmanager
def regrade_on_save_paused():
    """For bulk replays that regrade explicitly (the demo seed)."""
    chart_changed.disconnect(dispatch_uid="grading.queue_regrade")
    try:
        yield
    finally:
        chart_changed.connect(queue_regrade, dispatch_uid="grading.queue_regrade")
