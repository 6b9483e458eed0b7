"""What the hospital's systems sent us, kept as sent.

Bedside monitors (HL7 v2, ORU^R01 over MLLP): every message the listener
received is an `InboundMessage`, whatever became of it, so none is ever
silently dropped. One that names a patient with an active CAR-T episode
becomes a `DeviceVitalsSet`, pending until a nurse confirms it (through the
ordinary vitals form, which writes the chart row) or discards it with a
reason. Device values never chart themselves.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from clinical import ranges
from patients.models import Episode, Patient, VitalsSet, free_text

from .. import hl7_codes


class InboundMessage(models.Model):
    """One HL7 v2 message as received, and what the listener answered. Append-only."""

    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    UNKNOWN_PATIENT = "unknown_patient"
    NO_EPISODE = "no_episode"
    NO_VITALS = "no_vitals"
    UNSUPPORTED = "unsupported"
    UNPARSEABLE = "unparseable"
    OUTCOMES = [
        (ACCEPTED, "Accepted: pending vitals for the nurse"),
        (DUPLICATE, "Sent again: already received"),
        (UNKNOWN_PATIENT, "Unknown patient"),
        (NO_EPISODE, "No active CAR-T episode"),
        (NO_VITALS, "No vital sign in it"),
        (UNSUPPORTED, "Not an observation result (ORU^R01)"),
        (UNPARSEABLE, "Not readable as HL7 v2"),
    ]
    # Messages someone must look at: nothing reached a nurse.
    PROBLEMS = (UNKNOWN_PATIENT, NO_EPISODE, NO_VITALS, UNSUPPORTED, UNPARSEABLE)
    ACK_CODES = [
        ("AA", "AA: accepted"),
        ("AE", "AE: application error"),
        ("AR", "AR: rejected"),
    ]

    received_at = models.DateTimeField(db_index=True)
    peer = models.CharField("sent from", max_length=100, blank=True)
    raw = models.TextField("message as received")
    # From MSH, as far as it could be read.
    control_id = models.CharField("message control id (MSH-10)", max_length=64, blank=True)
    sending_application = models.CharField(max_length=200, blank=True)
    sending_facility = models.CharField(max_length=200, blank=True)
    message_type = models.CharField(max_length=32, blank=True)
    mrn = models.CharField("MRN (PID-3)", max_length=64, blank=True)
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    outcome = models.CharField(max_length=16, choices=OUTCOMES)
    ack_code = models.CharField("answered", max_length=2, choices=ACK_CODES)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        constraints = [
            # A monitor that missed our ACK sends the same message again: one
            # pending set per message, however often it arrives.
            models.UniqueConstraint(
                fields=["sending_application", "sending_facility", "control_id"],
                condition=Q(outcome="accepted") & ~Q(control_id=""),
                name="hl7_message_accepted_once",
            ),
            models.CheckConstraint(
                condition=Q(ack_code="AA", outcome__in=["accepted", "duplicate"])
                | (~Q(ack_code="AA") & ~Q(outcome__in=["accepted", "duplicate"])),
                name="hl7_message_ack_matches_outcome",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.message_type or 'HL7'} {self.control_id or '?'} ({self.outcome})"

    @property
    def raw_text(self) -> str:
        """Segments end in CR: one a line, to read."""
        return self.raw.replace("\r\n", "\n").replace("\r", "\n")

    @property
    def is_problem(self) -> bool:
        return self.outcome in self.PROBLEMS


class DeviceVitalsSet(models.Model):
    """A monitor's vitals for one patient, waiting for the nurse."""

    PENDING, CONFIRMED, DISCARDED = "pending", "confirmed", "discarded"
    STATUSES = [(PENDING, "Pending"), (CONFIRMED, "Confirmed"), (DISCARDED, "Discarded")]

    message = models.OneToOneField(
        InboundMessage, on_delete=models.PROTECT, related_name="device_vitals"
    )
    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="device_vitals")
    observed_at = models.DateTimeField()
    device = models.CharField(max_length=200, blank=True)
    # What the listener could not use, one line each, shown with the set.
    notes = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=STATUSES, default=PENDING)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    vitals = models.OneToOneField(
        VitalsSet,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="device_set",
        verbose_name="charted as",
    )
    discard_reason = free_text(blank=True)

    class Meta:
        ordering = ["-observed_at", "-pk"]
        indexes = [models.Index(fields=["episode", "status"], name="device_vitals_by_episode")]
        constraints = [
            # Pending, confirmed (with its chart row) or discarded (with a
            # reason): who and when for both, nothing half-done.
            models.CheckConstraint(
                condition=Q(
                    status="pending",
                    resolved_at__isnull=True,
                    resolved_by__isnull=True,
                    vitals__isnull=True,
                    discard_reason="",
                )
                | Q(
                    status="confirmed",
                    resolved_at__isnull=False,
                    resolved_by__isnull=False,
                    vitals__isnull=False,
                    discard_reason="",
                )
                | (
                    Q(
                        status="discarded",
                        resolved_at__isnull=False,
                        resolved_by__isnull=False,
                        vitals__isnull=True,
                    )
                    & ~Q(discard_reason="")
                ),
                name="device_vitals_status_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"Device vitals {self.observed_at:%Y-%m-%d %H:%M} ({self.status})"

    @property
    def is_pending(self) -> bool:
        return self.status == self.PENDING

    def readings(self) -> list["DeviceObservation"]:
        """The values the form is pre-filled with, in the form's order."""
        order = [quantity for quantity, _ in DeviceObservation.QUANTITIES]
        used = [obs for obs in self.observations.all() if obs.used]
        return sorted(used, key=lambda obs: order.index(obs.quantity))

    def also_sent(self) -> list["DeviceObservation"]:
        """Second readings of a quantity (the oximeter's pulse beside the ECG's rate)."""
        return [obs for obs in self.observations.all() if not obs.used]

    def note_lines(self) -> list[str]:
        return [line for line in self.notes.splitlines() if line.strip()]

    @property
    def any_flagged(self) -> bool:
        return any(obs.out_of_range for obs in self.readings())


class DeviceObservation(models.Model):
    """One OBX the listener read, converted to the chart's unit, and as it came."""

    QUANTITIES = [
        ("temperature_c", "Temperature"),
        ("heart_rate", "Heart rate"),
        ("systolic", "Systolic BP"),
        ("diastolic", "Diastolic BP"),
        ("mean_arterial", "MAP"),
        ("respiratory_rate", "Respiratory rate"),
        ("spo2", "SpO2"),
    ]
    UNITS = {
        "temperature_c": "°C",
        "heart_rate": "/min",
        "systolic": "mmHg",
        "diastolic": "mmHg",
        "mean_arterial": "mmHg",
        "respiratory_rate": "/min",
        "spo2": "%",
    }
    # As the bedside summary's tiles name them.
    SHORT = {
        "temperature_c": "Temp",
        "heart_rate": "HR",
        "systolic": "SBP",
        "diastolic": "DBP",
        "mean_arterial": "MAP",
        "respiratory_rate": "RR",
        "spo2": "SpO2",
    }
    # The forms' plausible ranges (clinical-rules section 1): outside, the
    # value is kept and flagged, and the form refuses it until corrected.
    RANGES = {
        "temperature_c": ranges.TEMPERATURE_C,
        "heart_rate": ranges.HEART_RATE,
        "systolic": ranges.SYSTOLIC,
        "diastolic": ranges.DIASTOLIC,
        "mean_arterial": ranges.MEAN_ARTERIAL,
        "respiratory_rate": ranges.RESPIRATORY_RATE,
        "spo2": ranges.SPO2,
    }

    vitals_set = models.ForeignKey(
        DeviceVitalsSet, on_delete=models.PROTECT, related_name="observations"
    )
    quantity = models.CharField(max_length=20, choices=QUANTITIES)
    # In the chart's unit; wide enough for any implausible number a monitor sends.
    value = models.DecimalField(max_digits=8, decimal_places=1)
    code = models.CharField("code (OBX-3)", max_length=200)
    received_value = models.CharField("value (OBX-5)", max_length=64)
    received_unit = models.CharField("unit (OBX-6)", max_length=64, blank=True)
    # The set's value for this quantity (ECG heart rate before pulse rate).
    used = models.BooleanField(default=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.get_quantity_display()} {self.value} {self.unit}"

    @property
    def unit(self) -> str:
        return self.UNITS[self.quantity]

    @property
    def out_of_range(self) -> bool:
        rng = self.RANGES[self.quantity]
        return not rng.low <= self.value <= rng.high

    @property
    def short_label(self) -> str:
        return self.SHORT[self.quantity]

    @property
    def plausible(self) -> str:
        rng = self.RANGES[self.quantity]
        return f"{rng.low:g}-{rng.high:g} {rng.unit}"

    @property
    def shown(self) -> str:
        """The value as the chart writes it: 38.5 for a temperature, 88 for a rate."""
        return f"{self.value:.1f}" if self.quantity == "temperature_c" else f"{self.value:.0f}"

    @property
    def converted(self) -> bool:
        """Sent in another unit than the chart's (°F)."""
        units = {part.strip().upper() for part in self.received_unit.split("^")}
        return bool(units & hl7_codes.FAHRENHEIT)
