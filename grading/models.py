from django.db import models

from patients.models import Episode, Patient


class AssessmentQuerySet(models.QuerySet):
    def latest_first(self):
        return self.order_by("-evaluated_at", "-pk")


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
        ("manual", "Requested by a clinician"),
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
    # The rest of the evaluation (tocilizumab counters, open prompts) as shown then.
    details = models.JSONField(default=dict)

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["-evaluated_at", "-pk"]
        indexes = [models.Index(fields=["episode", "-evaluated_at"], name="assessment_latest")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(crs_grade__lte=4, icans_grade__lte=4), name="grades_0_to_4"
            )
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
            )
        )
