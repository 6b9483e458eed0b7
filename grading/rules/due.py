"""When the next vitals set and neurological assessment are due
(clinical-rules.md section 7 r2: the due time follows the patient)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from .news2 import HIGH_FROM, MEDIUM_FROM, News2
from .types import Snapshot

# RCP NEWS2 2017, clinical response: minimum monitoring frequency by score.
NEWS2_EMERGENCY_INTERVAL = timedelta(minutes=15)  # >= 7: continuous monitoring
NEWS2_URGENT_INTERVAL = timedelta(hours=1)  # 5-6, or a single parameter scoring 3
NEWS2_LOW_INTERVAL = timedelta(hours=4)  # 1-4
NEWS2_ZERO_INTERVAL = timedelta(hours=12)  # 0

UNWELL_FROM = 2  # CRS >= 2 or acuity >= 2: hourly vitals (ward choice, default 1 h)


@dataclass(frozen=True)
class Due:
    vitals_at: datetime | None
    neuro_at: datetime | None
    vitals_reason: str
    neuro_reason: str
    vitals_interval: timedelta
    neuro_interval: timedelta

    def vitals_overdue(self, now: datetime) -> bool:
        return self.vitals_at is not None and self.vitals_at <= now

    def neuro_overdue(self, now: datetime) -> bool:
        return self.neuro_at is not None and self.neuro_at <= now


def news2_interval(score: News2) -> timedelta | None:
    if score.score is None:
        return None
    if score.score >= HIGH_FROM:
        return NEWS2_EMERGENCY_INTERVAL
    if score.score >= MEDIUM_FROM or score.single_red:
        return NEWS2_URGENT_INTERVAL
    return NEWS2_LOW_INTERVAL if score.score else NEWS2_ZERO_INTERVAL


def _words(interval: timedelta) -> str:
    minutes = int(interval.total_seconds() // 60)
    return f"{minutes} min" if minutes < 60 else f"{minutes / 60:g} h"


def due(
    snapshot: Snapshot,
    crs_grade: int,
    icans_grade: int,
    acuity_level: int,
    score: News2,
    icans_risk_high: bool,
) -> Due:
    settings = snapshot.settings
    options = [(timedelta(hours=settings.vitals_interval_hours), "ward interval")]
    if crs_grade >= UNWELL_FROM or acuity_level >= UNWELL_FROM:
        why = f"CRS grade {crs_grade}" if crs_grade >= UNWELL_FROM else f"acuity {acuity_level}"
        options.append((timedelta(hours=settings.vitals_interval_unwell_hours), why))
    interval = news2_interval(score)
    if interval is not None:
        options.append((interval, f"NEWS2 {score.score}"))
    vitals_interval, vitals_why = min(options, key=lambda option: option[0])

    neuro_options = [(timedelta(hours=settings.neuro_interval_hours), "at least twice a day")]
    if icans_grade >= 1:
        neuro_options.append(
            (timedelta(hours=settings.neuro_interval_icans_hours), f"ICANS grade {icans_grade}")
        )
    if icans_risk_high:
        neuro_options.append(
            (timedelta(hours=settings.neuro_interval_icans_hours), "high ICANS risk")
        )
    neuro_interval, neuro_why = min(neuro_options, key=lambda option: option[0])

    last_vitals = snapshot.vitals[-1].at if snapshot.vitals else None
    last_neuro = snapshot.neuro[-1].at if snapshot.neuro else None
    return Due(
        vitals_at=None if last_vitals is None else last_vitals + vitals_interval,
        neuro_at=None if last_neuro is None else last_neuro + neuro_interval,
        vitals_reason=f"every {_words(vitals_interval)} ({vitals_why})",
        neuro_reason=f"every {_words(neuro_interval)} ({neuro_why})",
        vitals_interval=vitals_interval,
        neuro_interval=neuro_interval,
    )
