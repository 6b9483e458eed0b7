"""What counts as a fever (clinical-rules.md section 2)."""

# ASTCT 2019 (Lee et al., table 2 footnote): fever is a temperature >= 38.0 °C.
FEVER_FROM_C = 38.0

# 100.4 °F converted to °C can land a hair under 38.0; it is still 38.0.
FLOAT_TOLERANCE = 1e-6


def is_fever(temperature_c: float | None) -> bool:
    return temperature_c is not None and temperature_c >= FEVER_FROM_C - FLOAT_TOLERANCE
