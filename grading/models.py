import pghistory
from django.conf import settings
from django.db import models
from django.utils import timezone

from patients.models import Episode, MedicationAdministration, Patient, Ward, free_text


class AssessmentQuerySet(models.QuerySet):
    def latest_first(self):
        return self.order_by("-evaluated_at", "-pk")


class AssessmentManager(models.Manager.from_queryset(AssessmentQuerySet)):
    def get_queryset(self):
        # The stored inputs are the whole chart the rules read: only a replay
        # needs them (`.defer(None)` loads them).
        return super().get_queryset().defer("inputs")


class Assessment(models.Model):
    """One run of the rules over an episode's chart, kept so it can be replayed.

    A new row is written only when the grades, their reasons or the chart rows
    they used changed: the history is the trajectory, not a log of polls.
    """

    TRIGGERS = [
        ("new_data", "New chart data"),
        ("correction", "Chart correction"),
        ("schedule", "12-hourly regrade"),
        ("sweep", "Catch-up after a missed regrade"),
        ("protocol", "Protocol changed"),
    ]

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="assessments")
    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="assessments")
    evaluated_at = models.DateTimeField(db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    trigger = models.CharField(max_length=16, choices=TRIGGERS)
    crs_grade = models.PositiveSmallIntegerField()
    icans_grade = models.PositiveSmallIntegerField()
    crs_reasons = models.JSONField(default=list)
    icans_reasons = models.JSONField(default=list)
    # Chart rows (e.g. "vitalsset:17") the grades were drawn from.
    inputs_used = models.JSONField(default=list)
    rules_version = models.CharField(max_length=32)
    protocol = models.CharField(max_length=8)
    # Clinical-rules.md section 9: how ill the patient is, whatever the cause;
    # it orders the board and colours the patient.
    acuity = models.PositiveSmallIntegerField(default=0)
    news2_score = models.PositiveSmallIntegerField(null=True, blank=True)
    # Section 7 r2: when the next vitals set and neuro assessment are due.
    vitals_due_at = models.DateTimeField(null=True, blank=True)
    neuro_due_at = models.DateTimeField(null=True, blank=True)
    # The rest of the evaluation (tocilizumab counters, open prompts) as shown then.
    details = models.JSONField(default=dict)
    # The case the rules read (spec/grade-command.md JSON), so this assessment
    # can be replayed with `manage.py grade --assessment N`; empty before r2.
    inputs = models.JSONField(default=dict, blank=True)

    objects = AssessmentManager()

    class Meta:
        ordering = ["-evaluated_at", "-pk"]
        indexes = [models.Index(fields=["episode", "-evaluated_at"], name="assessment_latest")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(crs_grade__lte=4, icans_grade__lte=4), name="grades_0_to_4"
            ),
            models.CheckConstraint(condition=models.Q(acuity__lte=4), name="acuity_0_to_4"),
        ]

    def __str__(self) -> str:
        return (
            f"CRS {self.crs_grade} / ICANS {self.icans_grade} at {self.evaluated_at:%Y-%m-%d %H:%M}"
        )

    def same_result_as(self, other: "Assessment | None") -> bool:
        return other is not None and all(
            getattr(self, field) == getattr(other, field)
            for field in (
                "crs_grade",
                "icans_grade",
                "crs_reasons",
                "icans_reasons",
                "inputs_used",
                "rules_version",
                "protocol",
                "acuity",
                "news2_score",
                "vitals_due_at",
                "neuro_due_at",
            )
        )


class PromptQuerySet(models.QuerySet):
    def live(self):
        return self.filter(state__in=Prompt.LIVE)

    def closed(self):
        return self.exclude(state__in=Prompt.LIVE)


@pghistory.track()
class Prompt(models.Model):
    """An escalation or safety prompt (clinical-rules section 6) and its life.

    Open while its condition holds; a physician acknowledges it with a
    response; it resolves when the condition clears. One prompt per code is
    live (open or acknowledged) per episode at a time, so nothing is raised
    twice while it is being dealt with. When the condition escalates (the
    severity or the grade that raised it rises, the dose or drug changes) the
    live instance is superseded by a new open one that points back to it, so
    an earlier answer is shown beside the new question but never stands in
    for it (clinical-rules section 6, r2).
    """

    OPEN, ACKNOWLEDGED, RESOLVED, SUPERSEDED = "open", "acknowledged", "resolved", "superseded"
    LIVE = (OPEN, ACKNOWLEDGED)
    STATES = [
        (OPEN, "Open"),
        (ACKNOWLEDGED, "Acknowledged"),
        (RESOLVED, "Resolved"),
        (SUPERSEDED, "Superseded"),
    ]
    # Most severe first, as the rules order them (grading.rules.situation.SEVERITY_ORDER).
    SEVERITIES = [
        ("critical", "Critical"),
        ("high", "High"),
        ("medium", "Medium"),
        ("low", "Low"),
        ("info", "Info"),
    ]
    CRS, ICANS = "CRS", "ICANS"
    SCALES = [(CRS, "CRS"), (ICANS, "ICANS")]

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="prompts")
    code = models.CharField(max_length=40)
    severity = models.CharField(max_length=8, choices=SEVERITIES)
    text = models.TextField()
    source = models.CharField(max_length=200)
    dose_text = models.CharField(max_length=200, blank=True)
    state = models.CharField(max_length=16, choices=STATES, default=OPEN)
    raised_at = models.DateTimeField()
    # When it left the live states: resolved, or superseded by a newer instance.
    resolved_at = models.DateTimeField(null=True, blank=True)
    # The grade that raises this code (grading.prompt_services.RAISED_BY) as it
    # stands now; empty for prompts no grade raises and for rows older than r2.
    grade_scale = models.CharField(max_length=5, choices=SCALES, blank=True)
    grade = models.PositiveSmallIntegerField(null=True, blank=True)
    supersedes = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="superseded_by",
    )
    # What escalated ("CRS grade 3 → 4; dose changed"), for an instance that supersedes.
    raised_again_because = models.TextField(blank=True)

    objects = PromptQuerySet.as_manager()

    class Meta:
        ordering = ["-raised_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["episode", "code"],
                condition=models.Q(state__in=["open", "acknowledged"]),
                name="one_live_prompt_per_code",
            ),
            models.CheckConstraint(
                condition=models.Q(state__in=["resolved", "superseded"], resolved_at__isnull=False)
                | models.Q(state__in=["open", "acknowledged"], resolved_at__isnull=True),
                name="closed_prompts_have_a_time",
            ),
            models.CheckConstraint(
                condition=models.Q(grade__isnull=True) | models.Q(grade__lte=4),
                name="prompt_grade_0_to_4",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.state})"

    @property
    def severity_rank(self) -> int:
        return [code for code, _ in self.SEVERITIES].index(self.severity)

    @property
    def is_live(self) -> bool:
        return self.state in self.LIVE

    @property
    def call_now(self) -> bool:
        """What the nurse does now: call the physician for high and critical prompts."""
        return self.severity in ("critical", "high")

    def last_answer(self) -> "PromptResponse | None":
        answers = list(self.responses.all())
        return answers[-1] if answers else None

    def earlier_answer(self) -> "PromptResponse | None":
        """The last answer given to an instance this one superseded, nearest first."""
        earlier = self.supersedes
        while earlier is not None:
            answer = earlier.last_answer()
            if answer is not None:
                return answer
            earlier = earlier.supersedes
        return None


@pghistory.track()
class PromptResponse(models.Model):
    """A physician's answer to a prompt: done, not indicated (with why), or deferred."""

    RESPONSES = [
        ("done", "Done"),
        ("not_indicated", "Not indicated"),
        ("deferred", "Deferred"),
    ]

    prompt = models.ForeignKey(Prompt, on_delete=models.PROTECT, related_name="responses")
    response = models.CharField(max_length=16, choices=RESPONSES)
    reason = free_text(blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    # The raising grade when answered: "not indicated" holds for that grade only.
    grade = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(response="not_indicated") | ~models.Q(reason=""),
                name="not_indicated_says_why",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_response_display()} by {self.by} at {self.at:%Y-%m-%d %H:%M}"


@pghistory.track()
class DoseOverride(models.Model):
    """A dose given although a limit blocked it, and the clinician who took that on."""

    medication = models.OneToOneField(
        MedicationAdministration, on_delete=models.PROTECT, related_name="override"
    )
    blocked_because = models.JSONField()
    reason = free_text()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    # Charted after the fact: a dose already given that a limit would have
    # blocked. Anyone charting may record it (an uncharted dose would escape
    # the counters); a pharmacist reviews it like any override.
    late_entry = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~models.Q(reason=""), name="override_says_why")
        ]

    def __str__(self) -> str:
        return f"Override of {', '.join(self.blocked_because)} by {self.by}"


@pghistory.track()
class DoseConfirmation(models.Model):
    """What the person charting a dose was shown and confirmed before it was
    saved (clinical-rules section 11), in the words they read."""

    medication = models.OneToOneField(
        MedicationAdministration, on_delete=models.PROTECT, related_name="confirmation"
    )
    confirmed = models.JSONField(default=list)  # codes, e.g. ["child_steroid"]
    warnings = models.JSONField(default=list)  # codes, e.g. ["off_label_age"]
    words = models.JSONField(default=list)  # what was shown, as it read
    reason = free_text(blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Confirmed {', '.join(self.confirmed + self.warnings)} by {self.by}"


@pghistory.track()
class BlockedDose(models.Model):
    """A dose someone tried to record and a limit stopped: the pharmacist reviews these."""

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="blocked_doses")
    drug = models.CharField(max_length=32)
    dose_mg = models.DecimalField(max_digits=7, decimal_places=2)
    given_at = models.DateTimeField()
    blocked_because = models.JSONField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(reviewed_by__isnull=True, reviewed_at__isnull=True)
                | models.Q(reviewed_by__isnull=False, reviewed_at__isnull=False),
                name="blocked_dose_review_complete",
            )
        ]

    def __str__(self) -> str:
        return f"{self.drug} {self.dose_mg} mg blocked ({', '.join(self.blocked_because)})"


@pghistory.track()
class DoseVerification(models.Model):
    """A pharmacist's check of a charted dose against weight and protocol."""

    medication = models.OneToOneField(
        MedicationAdministration, on_delete=models.PROTECT, related_name="verification"
    )
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Verified by {self.by} at {self.at:%Y-%m-%d %H:%M}"


@pghistory.track()
class TocilizumabStock(models.Model):
    """How many tocilizumab doses for this patient are on site, as last counted.

    CAR-T sites keep at least two doses available per patient before infusion
    (FDA REMS for CAR-T products; FACT standards).
    """

    REQUIRED_ON_SITE = 2

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="toci_stock")
    doses_on_site = models.PositiveSmallIntegerField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    # Set when the count went down because this dose was charted, not counted.
    used_by_dose = models.ForeignKey(
        MedicationAdministration,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-recorded_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(doses_on_site__lte=20), name="toci_stock_plausible"
            )
        ]

    def __str__(self) -> str:
        return f"{self.doses_on_site} tocilizumab doses on site"

    @property
    def is_short(self) -> bool:
        return self.doses_on_site < self.REQUIRED_ON_SITE


class ProtocolChange(models.Model):
    """Who set a ward's protocol, to what, and when: the audit of the choice."""

    ward = models.ForeignKey(Ward, on_delete=models.PROTECT, related_name="protocol_changes")
    protocol = models.CharField(max_length=8)
    previous = models.CharField(max_length=8, blank=True)
    reason = models.TextField(blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.ward}: protocol {self.previous or '-'} → {self.protocol}"


# Long enough for a policy reference and a sentence; a reason is not a letter.
PROTOCOL_REASON_MAX = 500


@pghistory.track()
class News2ScaleChange(models.Model):
    """A physician switched a patient's NEWS2 SpO2 scale: by whom, when, why
    (clinical-rules section 9: scale 2 for hypercapnic respiratory failure)."""

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="news2_changes")
    scale = models.PositiveSmallIntegerField()
    previous = models.PositiveSmallIntegerField()
    reason = models.TextField(max_length=PROTOCOL_REASON_MAX)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(reason=""), name="news2_change_says_why"),
            models.CheckConstraint(
                condition=models.Q(scale__in=(1, 2), previous__in=(1, 2)),
                name="news2_scale_1_or_2",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.episode}: NEWS2 SpO2 scale {self.previous} → {self.scale}"


@pghistory.track()
class EpisodeProtocolChange(models.Model):
    """One episode moved to another protocol: by whom, when and why.

    Either a physician's decision for this patient, or the ward's new protocol
    applied to its active episodes (then `ward_change` is that ward change).
    """

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="protocol_changes")
    protocol = models.CharField(max_length=8)
    previous = models.CharField(max_length=8)
    reason = models.TextField(max_length=PROTOCOL_REASON_MAX)
    ward_change = models.ForeignKey(
        ProtocolChange,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="episode_changes",
    )
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(reason=""), name="episode_protocol_change_says_why"
            )
        ]

    def __str__(self) -> str:
        return f"{self.episode}: protocol {self.previous} → {self.protocol}"


class BoardSeen(models.Model):
    """The assessment a user last saw of a patient, so the board can say which
    grades went up since: a rise stays highlighted until they open the patient."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="+")
    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "episode"], name="board_seen_once_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} saw {self.episode} at {self.seen_at:%Y-%m-%d %H:%M}"
