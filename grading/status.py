"""What the latest assessment says beyond the two grades, in the words and
times a screen shows: acuity, NEWS2 and qSOFA, the CRS course and when the
next checks are due (clinical-rules.md sections 7-9). One reading for the
board card, the grade panel and the downtime sheet, so they never disagree.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property

from patients.models import Episode
from patients.selectors import Due

from .models import Assessment
from .rules.wording import clock


def late_words(delta: timedelta) -> str:
    """'35 min', '3 h 20 min', '2 d 4 h'."""
    minutes = max(int(delta.total_seconds() // 60), 0)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


@dataclass
class Status:
    assessment: Assessment | None
    episode: Episode
    now: datetime
    vitals_at: datetime | None  # the latest valid vitals set, charted after grading or not
    neuro_at: datetime | None

    @cached_property
    def details(self) -> dict:
        return self.assessment.details if self.assessment else {}

    @property
    def acuity(self) -> int | None:
        """Never below the grades (rows graded before acuity existed included)."""
        a = self.assessment
        if a is None:
            return None
        return max(a.acuity, a.crs_grade, a.icans_grade)

    @property
    def acuity_reasons(self) -> list[str]:
        return self.details.get("acuity", {}).get("reasons", [])

    @property
    def news2(self) -> dict | None:
        return self.details.get("news2")

    @property
    def qsofa(self) -> dict | None:
        return self.details.get("qsofa")

    def when(self, moment: datetime | None) -> str:
        return (
            ""
            if moment is None
            else clock(moment, self.now.astimezone(self.episode.patient.ward.tzinfo))
        )

    @cached_property
    def course(self) -> dict | None:
        """Section 8: status, onset day after infusion, duration, resolution."""
        crs = self.details.get("crs", {})
        status = crs.get("status")
        if status not in ("active", "resolved"):
            return None
        onset = datetime.fromisoformat(crs["onset_at"])
        resolved = datetime.fromisoformat(crs["resolved_at"]) if crs.get("resolved_at") else None
        return {
            "status": status,
            "onset_day": self.episode.day_after_infusion(onset),
            "onset_when": self.when(onset),
            "resolved_when": self.when(resolved),
            "duration": late_words((resolved or self.now) - onset),
        }

    def _interval(self, kind: str, ward_interval: timedelta) -> timedelta:
        """The interval the rules set, but never longer than the ward's own
        (a ward that shortened its interval since the last grading)."""
        minutes = self.details.get("due", {}).get(f"{kind}_interval_minutes")
        return ward_interval if minutes is None else min(timedelta(minutes=minutes), ward_interval)

    @cached_property
    def vitals_due(self) -> Due:
        """Section 7 r2: the interval follows the patient (grade, acuity, NEWS2),
        counted from the latest set, even one charted since the last grading."""
        ward_interval = timedelta(hours=self.episode.patient.ward.vitals_interval_hours)
        return Due("Vitals", self.vitals_at, self._interval("vitals", ward_interval), self.now)

    @cached_property
    def neuro_due(self) -> Due:
        ward_interval = timedelta(hours=self.episode.patient.ward.neuro_interval_hours)
        return Due("Neuro check", self.neuro_at, self._interval("neuro", ward_interval), self.now)

    @property
    def vitals_due_reason(self) -> str:
        return self.details.get("due", {}).get("vitals_reason", "ward interval")

    @property
    def neuro_due_reason(self) -> str:
        return self.details.get("due", {}).get("neuro_reason", "at least twice a day")

    @property
    def due_rows(self) -> list[tuple[Due, str, str]]:
        """(due, how late or "", why this interval) for vitals and neuro checks."""
        return [
            (self.vitals_due, self.vitals_late, self.vitals_due_reason),
            (self.neuro_due, self.neuro_late, self.neuro_due_reason),
        ]

    @staticmethod
    def late(due: Due) -> str:
        if due.due_at is None or not due.is_due:
            return ""
        return late_words(due.now - due.due_at)

    @property
    def vitals_late(self) -> str:
        return self.late(self.vitals_due)

    @property
    def neuro_late(self) -> str:
        return self.late(self.neuro_due)
