"""The laboratory catalogue: LOINC codes, units, conversions, plausible ranges
and adult reference limits (clinical-rules.md section 11).

Every value is stored in its test's canonical unit, the unit the rules read
(ANC and platelets per µL, fibrinogen in mg/dL, ...). A ward enters and reads
labs in conventional (US) or SI units; the conversion happens here, at the
edge, so the rules never see an SI number.

Pure Python (no Django). Arithmetic is decimal: 0.8 × 10⁹/L is 800/µL, not
800.0000000000001, and a plausible-range edge is the edge in both unit systems.
"""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

CONVENTIONAL = "conventional"
SI = "SI"
UNIT_SYSTEMS = (
    (CONVENTIONAL, "Conventional (US): /µL, mg/dL, ng/mL"),
    (SI, "SI: ×10⁹/L, g/L, µmol/L, mmol/L"),
)
SYSTEM_NAMES = {CONVENTIONAL: "conventional (US)", SI: "SI"}

# UCUM code -> how a nurse reads it.
UNIT_WORDS = {
    "/uL": "/µL",
    "10*9/L": "×10⁹/L",
    "g/dL": "g/dL",
    "g/L": "g/L",
    "mg/dL": "mg/dL",
    "mg/L": "mg/L",
    "ng/mL": "ng/mL",
    "ug/L": "µg/L",
    "umol/L": "µmol/L",
    "mmol/L": "mmol/L",
    "U/L": "U/L",
    "pg/mL": "pg/mL",
    "s": "s",
    "1": "",  # a ratio (INR) has no unit to write
}
UCUM_UNITS = tuple(UNIT_WORDS)


@dataclass(frozen=True)
class Lab:
    """One test of the catalogue. Ranges and limits are in the canonical unit."""

    code: str
    name: str
    loinc: str
    unit: str  # canonical, UCUM
    si_unit: str  # UCUM
    si_factor: str  # SI = canonical × factor; a string, so it is exact
    plausible_low: float
    plausible_high: float
    reference_low: float
    reference_high: float
    # Decimals worth showing in each system (more would be noise of the analyser).
    decimals: int = 0
    si_decimals: int = 0

    @property
    def factor(self) -> Decimal:
        return Decimal(self.si_factor)

    def unit_in(self, system: str) -> str:
        return self.si_unit if system == SI else self.unit

    def unit_words(self, system: str) -> str:
        return UNIT_WORDS[self.unit_in(system)]

    def decimals_in(self, system: str) -> int:
        return self.si_decimals if system == SI else self.decimals


def _lab(code, name, loinc, unit, si_unit, factor, plausible, reference, decimals=(0, 0)) -> Lab:
    return Lab(code, name, loinc, unit, si_unit, factor, *plausible, *reference, *decimals)


# Clinical-rules.md section 11; LOINC codes are the serum/plasma (blood for
# counts) mass or substance concentrations in the listed canonical unit.
CATALOGUE = (
    _lab("anc", "Absolute neutrophil count", "751-8", "/uL", "10*9/L", "0.001",
         (0, 100_000), (1_500, 7_500), (0, 2)),
    _lab("wbc", "White cell count", "6690-2", "/uL", "10*9/L", "0.001",
         (0, 500_000), (4_000, 11_000), (0, 1)),
    _lab("platelets", "Platelets", "777-3", "/uL", "10*9/L", "0.001",
         (0, 2_000_000), (150_000, 450_000), (0, 0)),
    _lab("hemoglobin", "Haemoglobin", "718-7", "g/dL", "g/L", "10",
         (1, 25), (12, 17), (1, 0)),
    _lab("crp", "C-reactive protein", "1988-5", "mg/L", "mg/L", "1",
         (0, 1_000), (0, 5), (1, 1)),
    _lab("ferritin", "Ferritin", "2276-4", "ng/mL", "ug/L", "1",
         (0, 500_000), (20, 400), (0, 0)),
    _lab("fibrinogen", "Fibrinogen", "3255-7", "mg/dL", "g/L", "0.01",
         (0, 2_000), (200, 400), (0, 2)),
    _lab("ldh", "Lactate dehydrogenase", "2532-0", "U/L", "U/L", "1",
         (0, 50_000), (120, 250)),
    _lab("alt", "ALT", "1742-6", "U/L", "U/L", "1", (0, 20_000), (0, 40)),
    _lab("ast", "AST", "1920-8", "U/L", "U/L", "1", (0, 20_000), (0, 40)),
    _lab("bilirubin", "Bilirubin (total)", "1975-2", "mg/dL", "umol/L", "17.1",
         (0, 50), (0.1, 1.2), (1, 0)),
    _lab("creatinine", "Creatinine", "2160-0", "mg/dL", "umol/L", "88.4",
         (0.05, 30), (0.6, 1.2), (2, 0)),
    _lab("sodium", "Sodium", "2951-2", "mmol/L", "mmol/L", "1", (80, 200), (135, 145)),
    _lab("potassium", "Potassium", "2823-3", "mmol/L", "mmol/L", "1",
         (1, 10), (3.5, 5.0), (1, 1)),
    _lab("magnesium", "Magnesium", "19123-9", "mg/dL", "mmol/L", "0.4114",
         (0.2, 10), (1.7, 2.2), (1, 2)),
    _lab("phosphate", "Phosphate", "2777-1", "mg/dL", "mmol/L", "0.3229",
         (0.2, 20), (2.5, 4.5), (1, 2)),
    _lab("uric_acid", "Uric acid", "3084-1", "mg/dL", "umol/L", "59.48",
         (0.1, 30), (3.5, 7.2), (1, 0)),
    _lab("triglycerides", "Triglycerides", "2571-8", "mg/dL", "mmol/L", "0.01129",
         (5, 10_000), (0, 150), (0, 2)),
    _lab("pt", "Prothrombin time", "5902-2", "s", "s", "1", (5, 150), (11, 13.5), (1, 1)),
    _lab("inr", "INR", "6301-6", "1", "1", "1", (0.5, 15), (0.8, 1.2), (1, 1)),
    _lab("aptt", "aPTT", "3173-2", "s", "s", "1", (10, 200), (25, 35), (1, 1)),
    _lab("lactate", "Lactate", "2524-7", "mmol/L", "mmol/L", "1", (0, 30), (0.5, 2.0), (1, 1)),
    _lab("procalcitonin", "Procalcitonin", "33959-8", "ng/mL", "ug/L", "1",
         (0, 1_000), (0, 0.5), (2, 2)),
    _lab("il6", "Interleukin-6", "26881-3", "pg/mL", "pg/mL", "1",
         (0, 100_000), (0, 7), (1, 1)),
)  # fmt: skip

BY_CODE = {lab.code: lab for lab in CATALOGUE}

# Other names a case or an interface may use for a catalogue test.
ALIASES = {
    "haemoglobin": "hemoglobin",
    "hb": "hemoglobin",
    "hgb": "hemoglobin",
    "neutrophils": "anc",
    "plt": "platelets",
    "urate": "uric_acid",
    "phosphorus": "phosphate",
    "ptt": "aptt",
    "il_6": "il6",
    "pct": "procalcitonin",
}


def canonical_code(name: str) -> str:
    """The catalogue code of a test name ("IL-6" -> "il6"); an unknown name is
    returned lower-cased, so the vocabulary stays open."""
    key = "_".join(name.strip().lower().replace("-", " ").split())
    return ALIASES.get(key, key)


def lab(code: str) -> Lab | None:
    return BY_CODE.get(code)


def _decimal(value) -> Decimal:
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a number") from None


def to_canonical(test: Lab, value, unit: str) -> float:
    """A value measured in `unit` (the test's canonical or SI unit), in the canonical unit."""
    if unit == test.unit:
        return float(value)
    if unit != test.si_unit:
        raise ValueError(f"{test.name} is measured in {allowed_units(test)}, not {unit}")
    return float(_decimal(value) / test.factor)


def from_canonical(test: Lab, value: float, system: str) -> float:
    """A canonical value in the ward's unit system."""
    if system != SI or test.factor == 1:
        return float(value)
    return float(_decimal(value) * test.factor)


def allowed_units(test: Lab) -> str:
    units = dict.fromkeys((test.unit, test.si_unit))
    return " or ".join(units)


def plausible_in(test: Lab, system: str) -> tuple[Decimal, Decimal]:
    """The plausible range in the unit the ward enters (exact: decimals)."""
    scale = test.factor if system == SI else Decimal(1)
    return _decimal(test.plausible_low) * scale, _decimal(test.plausible_high) * scale


def plausible(test: Lab, value, system: str) -> bool:
    """Whether a value typed in `system`'s unit is within the plausible range, edges included."""
    low, high = plausible_in(test, system)
    return low <= _decimal(value) <= high


def plausibility_error(test: Lab, value, system: str) -> str | None:
    """Why a value typed in the ward's unit system cannot be real, or None."""
    typed = _decimal(value)
    words = test.unit_words(system)
    if typed < 0:
        return f"{test.name} cannot be negative."
    if not plausible(test, typed, system):
        low, high = plausible_in(test, system)
        return (
            f"{test.name} {plain(typed)} {words} is outside the plausible range"
            f" {plain(low)}-{plain(high)} {words}".rstrip()
            + "."
        )
    return None


def plain(value) -> str:
    """A decimal as a nurse reads it in a message: 2,652, 0.05, 4.42."""
    return format(_decimal(value).normalize(), ",f")


LOW, HIGH = "L", "H"


def flag(test: Lab | None, value: float, low: float | None = None, high: float | None = None):
    """L below the reference range, H above it, empty within (canonical units).

    `low` and `high` override the catalogue's adult limits (a laboratory's
    own limits, charted with the result or kept for the ward)."""
    if low is None and test is not None:
        low = test.reference_low
    if high is None and test is not None:
        high = test.reference_high
    # A value converted back from SI can land a hair off the limit it equals.
    if low is not None and low > 0 and value < low * (1 - 1e-9):
        return LOW
    if high is not None and value > high * (1 + 1e-9):
        return HIGH
    return ""


def display_number(test: Lab | None, value: float, system: str) -> str:
    """A canonical value as the ward reads it, without its unit: "45", "0.8", "88"."""
    if test is None:
        return _trimmed(float(value), 2)
    shown = from_canonical(test, value, system)
    return _trimmed(shown, test.decimals_in(system))


def _trimmed(value: float, decimals: int) -> str:
    text = f"{value:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    # Rounded to nothing, a small value must not read as zero.
    if text in ("0", "-0") and value > 0:
        text = f"{value:.3g}"
    return text


def display(test: Lab | None, value: float, system: str, unit: str = "") -> str:
    """A canonical value with its unit in the ward's system: "45 ×10⁹/L", "88 µmol/L".

    `unit` is the stored unit of a test the catalogue does not know."""
    words = test.unit_words(system) if test is not None else UNIT_WORDS.get(unit, unit)
    return f"{display_number(test, value, system)} {words}".rstrip()
