"""Plausible ranges for charted values (clinical-rules.md section 1).

Pure data shared by the chart's database constraints, its forms and the
`manage.py grade` command, so a value refused in one place is refused in all.
Values outside (low, high) are rejected; values past an `unusual` bound are
saved only after the nurse confirms them.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Range:
    low: float
    high: float
    unit: str


TEMPERATURE_C = Range(25.0, 45.0, "°C")
HEART_RATE = Range(20, 300, "/min")
SYSTOLIC = Range(30, 300, "mmHg")
DIASTOLIC = Range(10, 200, "mmHg")
MEAN_ARTERIAL = Range(10, 300, "mmHg")
RESPIRATORY_RATE = Range(2, 80, "/min")
SPO2 = Range(40, 100, "%")
O2_FLOW = Range(0, 80, "L/min")
WEIGHT_KG = Range(0.5, 350, "kg")
ICE_SCORE = Range(0, 10, "points")
CAPD_SCORE = Range(0, 32, "points")

# Reasons, notes and the name of an "other" drug: a sentence, not a letter.
FREE_TEXT_MAX = 500

# An observation may be timed at most this far ahead of the clock (tablet
# clocks drift); anything later is a typing error.
FUTURE_TOLERANCE_MINUTES = 5

# Inside the range but unusual enough to ask the nurse to confirm.
UNUSUAL_TEMPERATURE_ABOVE_C = 41.0
UNUSUAL_SYSTOLIC_BELOW = 60
UNUSUAL_SPO2_BELOW = 80


def fahrenheit_to_celsius(value_f: float) -> float:
    return (value_f - 32) * 5 / 9


def celsius_to_fahrenheit(value_c: float) -> float:
    return value_c * 9 / 5 + 32
