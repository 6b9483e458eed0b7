"""The chart: who is where, and what was observed and given, with clinical time.

Ranges of clinical-rules section 1 are database constraints as well as form
validation, so no path (admin, shell, a future import) can store an
implausible value. Chart rows are never deleted: a wrong one is marked
entered in error and stays in history.
"""

import zoneinfo
from datetime import date, datetime, timedelta
from decimal import Decimal

import pghistory
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.functional import cached_property

from clinical import labs as lab_catalogue
from clinical import ranges, vocabulary


def free_text(*args, **kwargs) -> models.TextField:
    """A reason or note: at most ranges.FREE_TEXT_MAX characters (clinical-rules section 1).

    A TextField's max_length only sizes the form's box; the validator makes
    full_clean() refuse a longer text too.
    """
    return models.TextField(
        *args,
        max_length=ranges.FREE_TEXT_MAX,
        validators=[MaxLengthValidator(ranges.FREE_TEXT_MAX)],
        **kwargs,
    )


def _choices(vocab):
    return [(entry[0], entry[1]) for entry in vocab]


def _within(field: str, rng: ranges.Range, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{field}__isnull": True})
        | Q(**{f"{field}__gte": rng.low, f"{field}__lte": rng.high}),
        name=name,
    )


def _plausible(rng: ranges.Range, what: str) -> list:
    """Field validators whose message names the field and what is allowed."""
    # Validator messages are %-formatted: escape the unit of SpO2.
    message = f"{what} must be between {rng.low:g} and {rng.high:g} {rng.unit}.".replace("%", "%%")
    return [MinValueValidator(rng.low, message), MaxValueValidator(rng.high, message)]


# Where a chart row came from: typed here (empty) or imported from the
# hospital's EHR through FHIR (interop/fhir). An imported row keeps the
# identifier the EHR gave it, so the same resource sent twice is charted once.
SOURCES = [("", "CRS Monitor"), ("EHR", "EHR")]


def source_field() -> models.CharField:
    return models.CharField(max_length=8, choices=SOURCES, blank=True, default="", editable=False)


def external_id_field() -> models.CharField:
    return models.CharField(
        "external identifier", max_length=255, blank=True, default="", editable=False
    )


def imported_once(name: str) -> models.UniqueConstraint:
    # An EHR identifier names one row: a resource sent twice is charted once.
    return models.UniqueConstraint(
        fields=["source", "external_id"], condition=~Q(external_id=""), name=name
    )


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a known time zone (e.g. Europe/London).")


@pghistory.track()
class Ward(models.Model):
    PROTOCOLS = [
        ("A", "Protocol A (seed 000: tocilizumab up to 3 in 24 h, 4 per episode)"),
        ("B", "Protocol B (seed 001: tocilizumab at most 2 per episode)"),
    ]

    name = models.CharField(max_length=100, unique=True)
    time_zone = models.CharField(
        max_length=64, default="Europe/London", validators=[validate_time_zone]
    )
    protocol = models.CharField(max_length=8, choices=PROTOCOLS, default="A")
    # The spec's configurable choices (clinical-rules sections 2, 3 and 7).
    fever_lookback_hours = models.PositiveSmallIntegerField(
        default=24,
        help_text="A temperature ≥ 38.0 °C within this many hours meets the fever criterion.",
    )
    adult_hypotension_age_years = models.PositiveSmallIntegerField(
        default=10, help_text="From this age the adult hypotension thresholds apply."
    )
    adult_systolic_below = models.PositiveSmallIntegerField(
        default=90, help_text="Adult hypotension: systolic below this (mmHg)."
    )
    adult_map_below = models.PositiveSmallIntegerField(
        default=65, help_text="Adult hypotension: mean arterial pressure below this (mmHg)."
    )
    child_systolic_base = models.PositiveSmallIntegerField(
        default=70, help_text="Age 1-9: hypotension when systolic < base + 2 × age (mmHg)."
    )
    infant_systolic_below = models.PositiveSmallIntegerField(
        default=70, help_text="Under 1 year: hypotension when systolic below this (mmHg)."
    )
    capd_below_age_years = models.PositiveSmallIntegerField(
        default=12, help_text="Below this age neuro checks use CAPD instead of ICE."
    )
    vitals_interval_hours = models.PositiveSmallIntegerField(
        default=4, help_text="Vitals older than this mark the bed as due."
    )
    # Clinical-rules r2 choices (sections 2, 7, 8 and 13.8).
    vitals_interval_unwell_hours = models.DecimalField(
        max_digits=3,
        decimal_places=1,
        default=Decimal("1"),
        help_text="Vitals interval at CRS ≥ 2 or acuity ≥ 2 (hours).",
    )
    neuro_interval_hours = models.PositiveSmallIntegerField(
        default=12, help_text="A neuro check (ICE/CAPD) is due this long after the last."
    )
    neuro_interval_icans_hours = models.PositiveSmallIntegerField(
        default=4, help_text="Neuro check interval at ICANS ≥ 1 or with a high ICANS risk."
    )
    evidence_window_hours = models.PositiveSmallIntegerField(
        default=12,
        help_text="Blood pressure, oxygen and vasopressor records older than this no longer grade.",
    )
    crs_resolution_hours = models.PositiveSmallIntegerField(
        default=24,
        help_text="A CRS resolves after this long with no fever, hypotension, vasopressor or O2.",
    )
    # Staff see the patients of their own wards (unless they may see all wards).
    staff = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="wards")
    weight_valid_days = models.PositiveSmallIntegerField(
        default=7, help_text="Tocilizumab is dosed only on a weight measured within this many days."
    )
    refractory_after_hours = models.PositiveSmallIntegerField(
        default=24,
        help_text="Grade ≥ 3 persisting this long after tocilizumab and steroids is refractory.",
    )
    # Clinical-rules.md sections 11 and 13.8: labs are stored in one canonical
    # unit; the ward only chooses the units its staff type and read.
    lab_units = models.CharField(
        "lab units",
        max_length=16,
        choices=lab_catalogue.UNIT_SYSTEMS,
        default=lab_catalogue.CONVENTIONAL,
        help_text="Units the ward enters and reads lab results in; stored values do not change.",
    )

    class Meta:
        ordering = ["name"]
        permissions = [("view_all_wards", "Can see the patients of every ward")]
        constraints = [
            models.CheckConstraint(
                condition=Q(fever_lookback_hours__gte=1, fever_lookback_hours__lte=72),
                name="ward_fever_lookback_1_72h",
            ),
            models.CheckConstraint(
                condition=Q(
                    vitals_interval_unwell_hours__gt=0,
                    neuro_interval_hours__gte=1,
                    neuro_interval_icans_hours__gte=1,
                    evidence_window_hours__gte=1,
                    crs_resolution_hours__gte=1,
                ),
                name="ward_r2_intervals_positive",
            ),
            models.CheckConstraint(
                condition=Q(vitals_interval_hours__gte=1, vitals_interval_hours__lte=24),
                name="ward_vitals_interval_1_24h",
            ),
            models.CheckConstraint(
                condition=Q(capd_below_age_years__lte=21), name="ward_capd_age_at_most_21"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @cached_property
    def lab_limits_by_test(self) -> dict:
        """The ward's own reference limits, by LabTest id (prefetch "lab_limits" to share)."""
        return {limit.test_id: limit for limit in self.lab_limits.all()}


@pghistory.track()
class Patient(models.Model):
    SEX = [("female", "Female"), ("male", "Male"), ("other", "Other"), ("unknown", "Unknown")]

    mrn = models.CharField("MRN", max_length=32, unique=True)
    family_name = models.CharField(max_length=100)
    given_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    sex = models.CharField(max_length=8, choices=SEX)
    ward = models.ForeignKey(Ward, on_delete=models.PROTECT, related_name="patients")
    bed = models.CharField(max_length=16, blank=True)

    class Meta:
        ordering = ["ward", "bed", "family_name"]

    def __str__(self) -> str:
        return f"{self.family_name.upper()}, {self.given_name} ({self.mrn})"

    @property
    def display_name(self) -> str:
        return f"{self.family_name.upper()}, {self.given_name}"

    def age_years(self, at: datetime | date) -> float:
        """Age in fractional years; hypotension and CAPD thresholds need years, not birthdays."""
        on = at.date() if isinstance(at, datetime) else at
        return (on - self.date_of_birth).days / 365.25


class EpisodeQuerySet(models.QuerySet):
    def active(self):
        return self.filter(discharged_at__isnull=True)


@pghistory.track()
class Episode(models.Model):
    """One CAR-T infusion and the days of monitoring after it."""

    PRODUCTS = [
        ("axi-cel", "Axicabtagene ciloleucel (Yescarta)"),
        ("tisa-cel", "Tisagenlecleucel (Kymriah)"),
        ("liso-cel", "Lisocabtagene maraleucel (Breyanzi)"),
        ("brexu-cel", "Brexucabtagene autoleucel (Tecartus)"),
        ("ide-cel", "Idecabtagene vicleucel (Abecma)"),
        ("cilta-cel", "Ciltacabtagene autoleucel (Carvykti)"),
        ("other", "Other"),
    ]

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="episodes")
    product = models.CharField(max_length=16, choices=PRODUCTS)
    admitted_at = models.DateTimeField()
    infusion_at = models.DateTimeField()
    discharged_at = models.DateTimeField(null=True, blank=True)
    # Taken from the ward when the episode starts and kept when the ward changes
    # (clinical-rules section 4, r2): limits count every dose under one protocol.
    # Changed only through the audited protocol services, never in a form.
    protocol = models.CharField(max_length=8, choices=Ward.PROTOCOLS, editable=False)
    # RCP NEWS2 2017 SpO2 scale; a physician switches a patient to scale 2 for
    # hypercapnic respiratory failure (clinical-rules section 9), audited.
    NEWS2_SCALES = [
        (1, "Scale 1"),
        (2, "Scale 2: hypercapnic respiratory failure (target SpO2 88-92 %)"),
    ]
    news2_scale = models.PositiveSmallIntegerField(choices=NEWS2_SCALES, default=1, editable=False)
    # Bumped by every chart write; the regrade sweep compares it with
    # graded_through to find charts whose regrade never ran (broker down).
    chart_changed_at = models.DateTimeField(default=timezone.now)
    graded_through = models.DateTimeField(null=True, blank=True)

    objects = EpisodeQuerySet.as_manager()

    class Meta:
        constraints = [
            # One active CAR-T episode per patient: the board shows one card each.
            models.UniqueConstraint(
                fields=["patient"],
                condition=Q(discharged_at__isnull=True),
                name="one_active_episode_per_patient",
            ),
            models.CheckConstraint(
                condition=Q(infusion_at__gte=F("admitted_at")), name="infusion_after_admission"
            ),
            # The rules cannot count doses without a protocol.
            models.CheckConstraint(condition=~Q(protocol=""), name="episode_has_a_protocol"),
        ]

    def __str__(self) -> str:
        return f"{self.patient} · {self.get_product_display()} {self.infusion_at:%Y-%m-%d}"

    def save(self, *args, **kwargs):
        if self._state.adding and not self.protocol:
            # From the database: a ward object held since before a change is stale.
            self.protocol = Ward.objects.values_list("protocol", flat=True).get(
                pk=self.patient.ward_id
            )
        super().save(*args, **kwargs)

    @property
    def is_active(self) -> bool:
        return self.discharged_at is None

    def day_after_infusion(self, at: datetime | None = None) -> int:
        """Day 0 is the day of infusion, as CAR-T teams count it."""
        at = at or timezone.now()
        tz = self.patient.ward.tzinfo
        return (at.astimezone(tz).date() - self.infusion_at.astimezone(tz).date()).days


# A row charted this long after its observation is shown as a late entry.
LATE_ENTRY_AFTER = timedelta(minutes=15)


class ChartEntryQuerySet(models.QuerySet):
    def valid(self):
        """Rows that count: everything not marked entered in error."""
        return self.filter(entered_in_error_at__isnull=True)


class ChartEntry(models.Model):
    """What every chart row shares: clinical time, author, and "entered in error"."""

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT)
    observed_at = models.DateTimeField(db_index=True)
    recorded_at = models.DateTimeField(default=timezone.now, editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    entered_in_error_at = models.DateTimeField(null=True, blank=True)
    entered_in_error_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    entered_in_error_reason = models.TextField(blank=True)
    # One per entry form, so a double tap or a form sent again after a lost
    # connection finds the row already saved instead of writing a second one.
    idempotency_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    objects = ChartEntryQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["observed_at", "pk"]

    @classmethod
    def error_constraint(cls, name: str) -> models.CheckConstraint:
        # Entered in error is all or nothing: who, when and why together.
        return models.CheckConstraint(
            condition=Q(
                entered_in_error_at__isnull=True,
                entered_in_error_by__isnull=True,
                entered_in_error_reason="",
            )
            | (
                Q(entered_in_error_at__isnull=False, entered_in_error_by__isnull=False)
                & ~Q(entered_in_error_reason="")
            ),
            name=name,
        )

    @classmethod
    def time_indexes(cls, prefix: str) -> list[models.Index]:
        """The episode's rows in clinical time: the bedside history and the
        trajectory read a range of them, the board and the snapshot the latest
        valid one (backwards along the second index, which leaves out the rows
        entered in error)."""
        return [
            models.Index(fields=["episode", "observed_at"], name=f"{prefix}_episode_time"),
            models.Index(
                fields=["episode", "observed_at", "id"],
                name=f"{prefix}_episode_latest_valid",
                condition=Q(entered_in_error_at__isnull=True),
            ),
        ]

    @property
    def is_entered_in_error(self) -> bool:
        return self.entered_in_error_at is not None

    @property
    def entered_late(self) -> bool:
        """Charted well after it was observed: the history says so, as paper would."""
        return self.recorded_at - self.observed_at > LATE_ENTRY_AFTER

    @property
    def ref(self) -> str:
        """Stable name of this row in an assessment's list of inputs."""
        return f"{self._meta.model_name}:{self.pk}"

    def delete(self, *args, **kwargs):
        raise ValidationError("Chart rows are never deleted: mark the row entered in error.")


@pghistory.track()
class WeightMeasurement(ChartEntry):
    weight_kg = models.DecimalField(
        max_digits=5, decimal_places=1, validators=_plausible(ranges.WEIGHT_KG, "Weight")
    )

    class Meta(ChartEntry.Meta):
        constraints = [
            _within("weight_kg", ranges.WEIGHT_KG, "weight_plausible"),
            ChartEntry.error_constraint("weight_error_complete"),
        ]

    def __str__(self) -> str:
        return f"{self.weight_kg} kg at {self.observed_at:%Y-%m-%d %H:%M}"


ROOM_AIR_HAS_NO_FLOW = (
    "Room air has no oxygen flow: leave the flow empty, or choose the oxygen device in use."
)
NASAL_CANNULA_NEEDS_FLOW = (
    "Oxygen flow is required for a nasal cannula, above 0 L/min: it decides the grade."
)
FLOW_ABOVE_ZERO = "Oxygen flow must be above 0 L/min, or empty if not known."
FLOW_NEEDS_DEVICE = "An oxygen flow needs the oxygen device it runs through."


@pghistory.track()
class VitalsSet(ChartEntry):
    temperature_c = models.DecimalField(
        "temperature (°C)",
        max_digits=3,
        decimal_places=1,
        null=True,
        blank=True,
        validators=_plausible(ranges.TEMPERATURE_C, "Temperature"),
    )
    heart_rate = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=_plausible(ranges.HEART_RATE, "Heart rate")
    )
    systolic = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=_plausible(ranges.SYSTOLIC, "Systolic BP")
    )
    diastolic = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=_plausible(ranges.DIASTOLIC, "Diastolic BP")
    )
    # Measured MAP (arterial line); derived from SBP/DBP when empty.
    mean_arterial = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=_plausible(ranges.MEAN_ARTERIAL, "Mean arterial pressure")
    )
    respiratory_rate = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=_plausible(ranges.RESPIRATORY_RATE, "Respiratory rate")
    )
    spo2 = models.PositiveSmallIntegerField(
        "SpO2", null=True, blank=True, validators=_plausible(ranges.SPO2, "SpO2")
    )
    # Empty = not recorded in this set: the support charted before still holds
    # (clinical-rules section 2 r2: not recorded is never "none").
    oxygen_device = models.CharField(
        max_length=32, choices=_choices(vocabulary.OXYGEN_DEVICES), default="room_air", blank=True
    )
    oxygen_flow_l_min = models.DecimalField(
        "oxygen flow (L/min)",
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=_plausible(ranges.O2_FLOW, "Oxygen flow"),
    )
    # False = this set did not record the vasopressors (it has no Vasopressor
    # rows, and those charted before still run); True with no rows = none running.
    vasopressors_recorded = models.BooleanField(default=True)
    source = source_field()
    external_id = external_id_field()

    class Meta(ChartEntry.Meta):
        constraints = [
            _within("temperature_c", ranges.TEMPERATURE_C, "vitals_temperature_plausible"),
            _within("heart_rate", ranges.HEART_RATE, "vitals_heart_rate_plausible"),
            _within("systolic", ranges.SYSTOLIC, "vitals_systolic_plausible"),
            _within("diastolic", ranges.DIASTOLIC, "vitals_diastolic_plausible"),
            _within("mean_arterial", ranges.MEAN_ARTERIAL, "vitals_map_plausible"),
            _within("respiratory_rate", ranges.RESPIRATORY_RATE, "vitals_rr_plausible"),
            _within("spo2", ranges.SPO2, "vitals_spo2_plausible"),
            _within("oxygen_flow_l_min", ranges.O2_FLOW, "vitals_o2_flow_plausible"),
            models.CheckConstraint(
                condition=Q(systolic__isnull=True)
                | Q(diastolic__isnull=True)
                | Q(systolic__gt=F("diastolic")),
                name="vitals_systolic_above_diastolic",
                violation_error_message="Systolic BP must be higher than diastolic BP.",
            ),
            # clinical-rules section 1 (r2) and 13.7: room air has no flow (0 or
            # none); a nasal cannula needs its flow, which decides grade 2 or 3;
            # any other device may leave it empty, but a flow given is above 0.
            models.CheckConstraint(
                condition=~Q(oxygen_device="room_air")
                | Q(oxygen_flow_l_min__isnull=True)
                | Q(oxygen_flow_l_min=0),
                name="vitals_room_air_has_no_flow",
                violation_error_message=ROOM_AIR_HAS_NO_FLOW,
            ),
            models.CheckConstraint(
                condition=Q(oxygen_device="room_air")
                | Q(oxygen_flow_l_min__isnull=True)
                | Q(oxygen_flow_l_min__gt=0),
                name="vitals_flow_above_zero_unless_room_air",
                violation_error_message=FLOW_ABOVE_ZERO,
            ),
            models.CheckConstraint(
                condition=~Q(oxygen_device="nasal_cannula") | Q(oxygen_flow_l_min__isnull=False),
                name="vitals_nasal_cannula_has_flow",
                violation_error_message=NASAL_CANNULA_NEEDS_FLOW,
            ),
            models.CheckConstraint(
                condition=~Q(oxygen_device="") | Q(oxygen_flow_l_min__isnull=True),
                name="vitals_flow_needs_device",
                violation_error_message=FLOW_NEEDS_DEVICE,
            ),
            ChartEntry.error_constraint("vitals_error_complete"),
            imported_once("vitals_imported_once"),
        ]
        indexes = ChartEntry.time_indexes("vitals")

    def __str__(self) -> str:
        return f"Vitals at {self.observed_at:%Y-%m-%d %H:%M}"

    def clean(self) -> None:
        # The same rules as the constraints below, with the field named for the form.
        errors = {}
        if self.systolic is not None and self.diastolic is not None:
            if self.systolic <= self.diastolic:
                errors["systolic"] = "Systolic BP must be higher than diastolic BP."
        flow = self.oxygen_flow_l_min
        if not self.oxygen_device:
            if flow is not None:
                errors["oxygen_flow_l_min"] = FLOW_NEEDS_DEVICE
        elif self.oxygen_device == "room_air":
            if flow:
                errors["oxygen_flow_l_min"] = ROOM_AIR_HAS_NO_FLOW
        elif self.oxygen_device == "nasal_cannula":
            if not flow:
                errors["oxygen_flow_l_min"] = NASAL_CANNULA_NEEDS_FLOW
        elif flow is not None and flow <= 0:
            errors["oxygen_flow_l_min"] = FLOW_ABOVE_ZERO
        if errors:
            raise ValidationError(errors)

    @property
    def derived_mean_arterial(self) -> float | None:
        if self.mean_arterial is not None:
            return float(self.mean_arterial)
        if self.systolic is None or self.diastolic is None:
            return None
        return (self.systolic + 2 * self.diastolic) / 3


@pghistory.track()
class Vasopressor(models.Model):
    """A vasopressor running at the moment a vitals set was taken."""

    vitals = models.ForeignKey(VitalsSet, on_delete=models.PROTECT, related_name="vasopressors")
    drug = models.CharField(max_length=32, choices=_choices(vocabulary.VASOPRESSORS))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["vitals", "drug"], name="vasopressor_once_per_set")
        ]

    def __str__(self) -> str:
        return self.get_drug_display()


ICE_FIELDS = [code for code, _, _ in vocabulary.ICE_ITEMS]
CAPD_FIELDS = [code for code, _, _ in vocabulary.CAPD_ITEMS]


def validate_neuro_domains(value) -> None:
    allowed = vocabulary.codes(vocabulary.NEURO_DOMAINS)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError("Excluded findings must be a list of domain codes.")
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise ValidationError(
            f"Unknown finding {', '.join(unknown)}: allowed are {', '.join(sorted(allowed))}."
        )


def _capd_answer(number: int):
    question = vocabulary.CAPD_ITEMS[number - 1][1]
    return models.PositiveSmallIntegerField(
        f"CAPD item {number}",
        null=True,
        blank=True,
        choices=vocabulary.CAPD_FREQUENCIES,
        help_text=question,
    )


@pghistory.track()
class NeuroAssessment(ChartEntry):
    tool = models.CharField(max_length=8, choices=_choices(vocabulary.NEURO_TOOLS))
    # ICE: the ten items are charted so that the score is computed, never typed.
    orient_year = models.BooleanField(null=True, blank=True)
    orient_month = models.BooleanField(null=True, blank=True)
    orient_city = models.BooleanField(null=True, blank=True)
    orient_hospital = models.BooleanField(null=True, blank=True)
    name_object_1 = models.BooleanField(null=True, blank=True)
    name_object_2 = models.BooleanField(null=True, blank=True)
    name_object_3 = models.BooleanField(null=True, blank=True)
    follows_commands = models.BooleanField(null=True, blank=True)
    writes_sentence = models.BooleanField(null=True, blank=True)
    counts_back = models.BooleanField(null=True, blank=True)
    capd_score = models.PositiveSmallIntegerField(
        "CAPD score", null=True, blank=True, validators=_plausible(ranges.CAPD_SCORE, "CAPD score")
    )
    # CAPD answers (how often each is seen); when charted, capd_score is their
    # total, computed, so a reversed item is never added up by hand.
    capd_eye_contact = _capd_answer(1)
    capd_purposeful = _capd_answer(2)
    capd_aware = _capd_answer(3)
    capd_communicates = _capd_answer(4)
    capd_restless = _capd_answer(5)
    capd_inconsolable = _capd_answer(6)
    capd_underactive = _capd_answer(7)
    capd_slow_response = _capd_answer(8)
    unable_to_perform = models.BooleanField(default=False)
    consciousness = models.CharField(
        max_length=32, choices=_choices(vocabulary.CONSCIOUSNESS), default="alert"
    )
    seizure = models.CharField(max_length=32, choices=_choices(vocabulary.SEIZURE), default="none")
    motor_weakness = models.BooleanField(default=False)
    cerebral_edema = models.CharField(
        max_length=16, choices=_choices(vocabulary.CEREBRAL_EDEMA), default="none"
    )
    # Findings the nurse marked attributable to another cause (ASTCT: they do not
    # count), as domain codes: score, consciousness, seizure, motor, edema.
    excluded_domains = models.JSONField(
        default=list, blank=True, validators=[validate_neuro_domains]
    )
    other_cause_note = free_text(
        "attributed to", blank=True, help_text="What the excluded findings are attributed to."
    )
    # A score taken with an interpreter or around a disability reads differently
    # from the same score in a patient who could do the standard test.
    modified_for = models.CharField(
        "modified for",
        max_length=16,
        blank=True,
        choices=_choices(vocabulary.NEURO_MODIFICATIONS),
    )
    modified_note = free_text("how it was modified", blank=True)

    class Meta(ChartEntry.Meta):
        constraints = [
            _within("capd_score", ranges.CAPD_SCORE, "neuro_capd_plausible"),
            models.CheckConstraint(
                condition=Q(tool="ICE", capd_score__isnull=True) | Q(tool="CAPD"),
                name="neuro_capd_only_with_capd",
            ),
            models.CheckConstraint(
                condition=Q(modified_for="") | ~Q(modified_note=""),
                name="neuro_modified_has_note",
                violation_error_message="Say how the assessment was modified.",
            ),
            ChartEntry.error_constraint("neuro_error_complete"),
        ]
        indexes = ChartEntry.time_indexes("neuro")

    def __str__(self) -> str:
        return f"{self.tool} at {self.observed_at:%Y-%m-%d %H:%M}"

    def clean(self) -> None:
        errors = {}
        answers = {code: getattr(self, code) for code in CAPD_FIELDS}
        given = [code for code, answer in answers.items() if answer is not None]
        if given and self.tool != "CAPD":
            errors[given[0]] = "CAPD items belong to a CAPD assessment."
        elif given and not self.unable_to_perform:
            missing = [code for code in CAPD_FIELDS if answers[code] is None]
            for code in missing:
                errors[code] = "Answer every CAPD item: the total needs all eight."
            if not missing:
                self.capd_score = self.capd_total()
        if self.modified_for and not self.modified_note.strip():
            errors["modified_note"] = "Say how the assessment was modified."
        if self.excluded_domains and isinstance(self.excluded_domains, list):
            absent = [
                label
                for code, label in vocabulary.NEURO_DOMAINS
                if code in self.excluded_domains and not self._finding_present(code)
            ]
            if absent:
                errors["excluded_domains"] = (
                    f"{', '.join(absent)}: only a finding that is present can be"
                    " attributed to another cause."
                )
            elif not self.other_cause_note.strip():
                errors["other_cause_note"] = "Say what the finding is attributed to."
        if errors:
            raise ValidationError(errors)

    def capd_total(self) -> int:
        return sum(
            vocabulary.capd_points(code, getattr(self, code))
            for code in CAPD_FIELDS
            if getattr(self, code) is not None
        )

    def _finding_present(self, domain: str) -> bool:
        if domain == "score":
            if self.unable_to_perform:
                return True
            healthy = len(ICE_FIELDS) if self.tool == "ICE" else 0
            return self.score is not None and self.score != healthy
        return {
            "consciousness": self.consciousness != "alert",
            "seizure": self.seizure != "none",
            "motor": bool(self.motor_weakness),
            "edema": self.cerebral_edema != "none",
        }[domain]

    @property
    def score(self) -> int | None:
        """The tool's score, or None when the patient could not perform it."""
        if self.unable_to_perform:
            return None
        if self.tool == "CAPD":
            return self.capd_score
        return sum(1 for field in ICE_FIELDS if getattr(self, field))


def _first(*values):
    return next((value for value in values if value is not None), None)


class LabTest(models.Model):
    """The lab catalogue, with a LOINC code and UCUM unit so export is a mapping."""

    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=100)
    unit = models.CharField(max_length=16)
    loinc = models.CharField("LOINC", max_length=16, blank=True)
    # Reference limits in the canonical unit: a result outside is flagged L or
    # H. Empty: the catalogue's adult limit (clinical-rules.md section 11).
    lower_limit = models.FloatField(null=True, blank=True)
    upper_limit = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.unit})"

    @property
    def catalogue(self) -> lab_catalogue.Lab | None:
        return lab_catalogue.lab(self.code)

    def unit_words(self, system: str) -> str:
        test = self.catalogue
        if test is None:
            return lab_catalogue.UNIT_WORDS.get(self.unit, self.unit)
        return test.unit_words(system)

    def limits(self, ward: "Ward | None" = None) -> tuple[float | None, float | None]:
        """(low, high) on a ward: its own limit where it set one, else this
        table's, else the catalogue's adult limit."""
        own = ward.lab_limits_by_test.get(self.pk) if ward is not None else None
        test = self.catalogue
        low = _first(own and own.lower_limit, self.lower_limit, test and test.reference_low)
        high = _first(own and own.upper_limit, self.upper_limit, test and test.reference_high)
        return low, high

    def flag(self, value: float, ward: "Ward | None" = None) -> str:
        return lab_catalogue.flag(self.catalogue, value, *self.limits(ward))

    def shown(self, value: float, system: str) -> str:
        return lab_catalogue.display(self.catalogue, value, system, self.unit)


class WardLabLimit(models.Model):
    """A ward's own reference limits for a test, as its laboratory reports them
    (clinical-rules.md section 11: flags per ward), in the canonical unit."""

    ward = models.ForeignKey(Ward, on_delete=models.CASCADE, related_name="lab_limits")
    test = models.ForeignKey(LabTest, on_delete=models.PROTECT, related_name="+")
    lower_limit = models.FloatField(
        null=True, blank=True, help_text="In the test's canonical unit; empty: the site's limit."
    )
    upper_limit = models.FloatField(
        null=True, blank=True, help_text="In the test's canonical unit; empty: the site's limit."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ward", "test"], name="ward_lab_limit_once"),
            models.CheckConstraint(
                condition=(Q(lower_limit__isnull=True) | Q(lower_limit__gte=0))
                & (
                    Q(lower_limit__isnull=True)
                    | Q(upper_limit__isnull=True)
                    | Q(lower_limit__lt=F("upper_limit"))
                ),
                name="ward_lab_limit_ordered",
                violation_error_message="The lower limit must be at least 0 and below the upper.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ward}: {self.test.name}"


@pghistory.track()
class LabResult(ChartEntry):
    test = models.ForeignKey(LabTest, on_delete=models.PROTECT, related_name="results")
    value = models.FloatField(validators=[MinValueValidator(0, "A lab value cannot be negative.")])
    source = source_field()
    external_id = external_id_field()

    class Meta(ChartEntry.Meta):
        constraints = [
            models.CheckConstraint(condition=Q(value__gte=0), name="lab_value_not_negative"),
            ChartEntry.error_constraint("lab_error_complete"),
            imported_once("lab_imported_once"),
        ]

    def __str__(self) -> str:
        return f"{self.test.code} {self.value:g} {self.test.unit}"

    def clean(self) -> None:
        # Clinical-rules.md section 11: a value no patient can have (CRP 1e308)
        # is a typing or unit error. The lab form checks first, in the ward's
        # units; this guards every other way in (services, admin, imports).
        test = self.test.catalogue if self.test_id else None
        if test is not None and self.value is not None:
            problem = lab_catalogue.plausibility_error(test, self.value, lab_catalogue.CONVENTIONAL)
            if problem:
                raise ValidationError({"value": problem})

    def shown(self, system: str) -> str:
        """The value with its unit in a ward's unit system, e.g. "45 ×10⁹/L"."""
        return self.test.shown(self.value, system)

    def flag_on(self, ward: Ward) -> str:
        """L or H against the ward's reference limits; empty within them."""
        return self.test.flag(self.value, ward)


@pghistory.track()
class MedicationAdministration(ChartEntry):
    drug = models.CharField(max_length=32, choices=_choices(vocabulary.DRUGS))
    drug_other = models.CharField("other drug", max_length=100, blank=True)
    dose_mg = models.DecimalField(
        "dose (mg)",
        max_digits=7,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"), "Dose must be more than 0 mg.")],
    )
    route = models.CharField(max_length=8, choices=_choices(vocabulary.ROUTES), default="iv")
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    source = source_field()
    external_id = external_id_field()

    class Meta(ChartEntry.Meta):
        constraints = [
            models.CheckConstraint(
                condition=Q(dose_mg__gt=0, dose_mg__lte=100000), name="medication_dose_positive"
            ),
            models.CheckConstraint(
                condition=~Q(drug="other") | ~Q(drug_other=""), name="medication_other_named"
            ),
            ChartEntry.error_constraint("medication_error_complete"),
            imported_once("medication_imported_once"),
        ]

    def __str__(self) -> str:
        return f"{self.get_drug_display()} {self.dose_mg:g} mg at {self.observed_at:%Y-%m-%d %H:%M}"

    def clean(self) -> None:
        if self.drug == "other" and not self.drug_other.strip():
            raise ValidationError({"drug_other": "Name the drug given."})
        known = vocabulary.known_drug_named(self.drug_other) if self.drug == "other" else None
        if known is not None:
            # Clinical-rules section 5 r2: every tocilizumab (and every listed
            # drug) counts, so none is charted under "Other".
            name = vocabulary.drug_words(known).split(" (")[0]
            raise ValidationError(
                {
                    "drug_other": f"“{self.drug_other.strip()}” is {name.lower()}:"
                    f" choose {name} from the list."
                }
            )

    @property
    def drug_name(self) -> str:
        return self.drug_other if self.drug == "other" else self.get_drug_display()


@pghistory.track()
class WorkupEvent(ChartEntry):
    """A step of the infection and neurological work-up: a culture drawn, an
    imaging study, a consult, an ICU transfer (clinical-rules section 9)."""

    # What was done. Not "kind": the bedside pages tag every chart row with its kind.
    event = models.CharField(max_length=32, choices=_choices(vocabulary.EVENT_KINDS))
    note = models.CharField(max_length=500, blank=True)

    class Meta(ChartEntry.Meta):
        verbose_name = "work-up event"
        constraints = [ChartEntry.error_constraint("workup_error_complete")]

    def __str__(self) -> str:
        return f"{self.get_event_display()} at {self.observed_at:%Y-%m-%d %H:%M}"


CHART_MODELS = (
    WeightMeasurement,
    VitalsSet,
    NeuroAssessment,
    LabResult,
    MedicationAdministration,
    WorkupEvent,
)
