"""The lab catalogue (clinical-rules.md section 11): every conversion both
ways, every plausible-range edge in both unit systems, and the L/H flags."""

from decimal import Decimal

import pytest

from clinical import labs
from clinical.labs import CONVENTIONAL, SI
from clinical.vocabulary import LABS

# Section 11, typed from the spec table: code, LOINC, canonical unit, SI unit,
# factor (SI = canonical × f), plausible low-high, reference low-high.
SPEC = [
    ("anc", "751-8", "/uL", "10*9/L", "0.001", (0, 100_000), (1_500, 7_500)),
    ("wbc", "6690-2", "/uL", "10*9/L", "0.001", (0, 500_000), (4_000, 11_000)),
    ("platelets", "777-3", "/uL", "10*9/L", "0.001", (0, 2_000_000), (150_000, 450_000)),
    ("hemoglobin", "718-7", "g/dL", "g/L", "10", (1, 25), (12, 17)),
    ("crp", "1988-5", "mg/L", "mg/L", "1", (0, 1_000), (0, 5)),
    ("ferritin", "2276-4", "ng/mL", "ug/L", "1", (0, 500_000), (20, 400)),
    ("fibrinogen", "3255-7", "mg/dL", "g/L", "0.01", (0, 2_000), (200, 400)),
    ("ldh", "2532-0", "U/L", "U/L", "1", (0, 50_000), (120, 250)),
    ("alt", "1742-6", "U/L", "U/L", "1", (0, 20_000), (0, 40)),
    ("ast", "1920-8", "U/L", "U/L", "1", (0, 20_000), (0, 40)),
    ("bilirubin", "1975-2", "mg/dL", "umol/L", "17.1", (0, 50), (0.1, 1.2)),
    ("creatinine", "2160-0", "mg/dL", "umol/L", "88.4", (0.05, 30), (0.6, 1.2)),
    ("sodium", "2951-2", "mmol/L", "mmol/L", "1", (80, 200), (135, 145)),
    ("potassium", "2823-3", "mmol/L", "mmol/L", "1", (1, 10), (3.5, 5.0)),
    ("magnesium", "19123-9", "mg/dL", "mmol/L", "0.4114", (0.2, 10), (1.7, 2.2)),
    ("phosphate", "2777-1", "mg/dL", "mmol/L", "0.3229", (0.2, 20), (2.5, 4.5)),
    ("uric_acid", "3084-1", "mg/dL", "umol/L", "59.48", (0.1, 30), (3.5, 7.2)),
    ("triglycerides", "2571-8", "mg/dL", "mmol/L", "0.01129", (5, 10_000), (0, 150)),
    ("pt", "5902-2", "s", "s", "1", (5, 150), (11, 13.5)),
    ("inr", "6301-6", "1", "1", "1", (0.5, 15), (0.8, 1.2)),
    ("aptt", "3173-2", "s", "s", "1", (10, 200), (25, 35)),
    ("lactate", "2524-7", "mmol/L", "mmol/L", "1", (0, 30), (0.5, 2.0)),
    ("procalcitonin", "33959-8", "ng/mL", "ug/L", "1", (0, 1_000), (0, 0.5)),
    ("il6", "26881-3", "pg/mL", "pg/mL", "1", (0, 100_000), (0, 7)),
]
CODES = [row[0] for row in SPEC]


def test_the_catalogue_is_the_spec_table():
    assert [lab.code for lab in labs.CATALOGUE] == CODES
    for code, loinc, unit, si_unit, factor, plausible, reference in SPEC:
        lab = labs.BY_CODE[code]
        assert (lab.loinc, lab.unit, lab.si_unit, lab.factor) == (
            loinc,
            unit,
            si_unit,
            Decimal(factor),
        ), code
        assert (lab.plausible_low, lab.plausible_high) == plausible, code
        assert (lab.reference_low, lab.reference_high) == reference, code


def test_every_unit_is_a_ucum_code_of_the_grade_command():
    allowed = {"10*9/L", "/uL", "g/dL", "g/L", "mg/dL", "mg/L", "ng/mL", "ug/L"}
    allowed |= {"umol/L", "mmol/L", "U/L", "pg/mL", "s", "1"}
    assert set(labs.UCUM_UNITS) == allowed
    assert {unit for lab in labs.CATALOGUE for unit in (lab.unit, lab.si_unit)} <= allowed


def test_the_vocabulary_keeps_the_canonical_units_the_rules_read():
    assert {code: unit for code, _, unit, _, _ in LABS} == {row[0]: row[2] for row in SPEC}
    assert dict((code, uln) for code, _, _, _, uln in LABS)["alt"] == 40


# (test, canonical value, the same value in SI)
CONVERSIONS = [
    ("anc", 800, 0.8),
    ("wbc", 4_000, 4),
    ("platelets", 45_000, 45),
    ("hemoglobin", 12.5, 125),
    ("crp", 120, 120),
    ("ferritin", 2_400, 2_400),
    ("fibrinogen", 210, 2.1),
    ("ldh", 480, 480),
    ("alt", 55, 55),
    ("ast", 61, 61),
    ("bilirubin", 2, 34.2),
    ("creatinine", 1, 88.4),
    ("sodium", 138, 138),
    ("potassium", 4.1, 4.1),
    ("magnesium", 2, 0.8228),
    ("phosphate", 3, 0.9687),
    ("uric_acid", 5, 297.4),
    ("triglycerides", 150, 1.6935),
    ("pt", 12.4, 12.4),
    ("inr", 1.4, 1.4),
    ("aptt", 31, 31),
    ("lactate", 2.2, 2.2),
    ("procalcitonin", 0.8, 0.8),
    ("il6", 45, 45),
]


def test_every_test_has_a_conversion_case():
    assert [code for code, _, _ in CONVERSIONS] == CODES


@pytest.mark.parametrize("code, canonical, si", CONVERSIONS)
def test_every_conversion_both_ways(code, canonical, si):
    lab = labs.BY_CODE[code]
    assert labs.from_canonical(lab, canonical, SI) == pytest.approx(si, rel=1e-12)
    assert labs.to_canonical(lab, si, lab.si_unit) == pytest.approx(canonical, rel=1e-12)
    # Round trip, and the conventional system is the canonical unit itself.
    back = labs.to_canonical(lab, labs.from_canonical(lab, canonical, SI), lab.si_unit)
    assert back == pytest.approx(canonical, rel=1e-12)
    assert labs.from_canonical(lab, canonical, CONVENTIONAL) == canonical
    assert labs.to_canonical(lab, canonical, lab.unit) == canonical


def test_a_decimal_count_converts_without_float_noise():
    anc = labs.BY_CODE["anc"]
    assert labs.to_canonical(anc, 0.8, "10*9/L") == 800
    assert labs.to_canonical(labs.BY_CODE["fibrinogen"], 2.1, "g/L") == 210


def test_a_unit_the_test_is_not_measured_in_is_refused():
    with pytest.raises(ValueError, match="Platelets is measured in /uL or 10\\*9/L, not g/L"):
        labs.to_canonical(labs.BY_CODE["platelets"], 45, "g/L")


def _edges():
    for code, *_ in SPEC:
        lab = labs.BY_CODE[code]
        for system in (CONVENTIONAL, SI):
            yield pytest.param(lab, system, id=f"{code}-{system}")


@pytest.mark.parametrize("lab, system", list(_edges()))
def test_every_plausible_edge_in_both_unit_systems(lab, system):
    scale = lab.factor if system == SI else Decimal(1)
    low = Decimal(str(lab.plausible_low)) * scale
    high = Decimal(str(lab.plausible_high)) * scale
    step = Decimal("0.0001") * scale
    for value in (low, low + step, high - step, high):
        assert labs.plausibility_error(lab, value, system) is None, value
        # The value stored is inside the canonical range too.
        canonical = labs.to_canonical(lab, value, lab.unit_in(system))
        assert labs.plausibility_error(lab, canonical, CONVENTIONAL) is None, value
    for value in (low - step, high + step):
        problem = labs.plausibility_error(lab, value, system)
        assert problem is not None, value
        assert problem.startswith(lab.name)
        if value < 0:
            assert problem == f"{lab.name} cannot be negative."
            continue
        unit = lab.unit_words(system)
        assert f"plausible range {labs.plain(low)}-{labs.plain(high)} {unit}".rstrip() in problem


def test_the_plausible_message_names_the_test_and_the_range_in_the_unit_typed():
    creatinine = labs.BY_CODE["creatinine"]
    assert labs.plausibility_error(creatinine, 3000, SI) == (
        "Creatinine 3,000 µmol/L is outside the plausible range 4.42-2,652 µmol/L."
    )
    platelets = labs.BY_CODE["platelets"]
    assert labs.plausibility_error(platelets, 1e29, CONVENTIONAL).startswith("Platelets")
    assert labs.plausibility_error(labs.BY_CODE["crp"], -1, SI) == (
        "C-reactive protein cannot be negative."
    )


@pytest.mark.parametrize("code", CODES)
def test_low_and_high_flags_at_the_reference_limits(code):
    lab = labs.BY_CODE[code]
    low, high = lab.reference_low, lab.reference_high
    assert labs.flag(lab, high) == ""
    assert labs.flag(lab, high * 1.001) == labs.HIGH
    assert labs.flag(lab, low) == ""
    if low > 0:
        assert labs.flag(lab, low * 0.999) == labs.LOW
    else:
        assert labs.flag(lab, 0) == ""  # no lower limit: zero is not flagged low
    # A limit typed in SI is the limit, not a hair past it.
    for limit in (low, high):
        si = labs.from_canonical(lab, limit, SI)
        assert labs.flag(lab, labs.to_canonical(lab, si, lab.si_unit)) == ""


def test_a_wards_own_limits_override_the_catalogue():
    platelets = labs.BY_CODE["platelets"]
    assert labs.flag(platelets, 140_000) == labs.LOW
    assert labs.flag(platelets, 140_000, low=130_000) == ""
    assert labs.flag(None, 9, high=8) == labs.HIGH


@pytest.mark.parametrize(
    "code, canonical, conventional, si",
    [
        ("platelets", 45_000, "45,000 /µL", "45 ×10⁹/L"),
        ("anc", 800, "800 /µL", "0.8 ×10⁹/L"),
        ("creatinine", 88 / 88.4, "1 mg/dL", "88 µmol/L"),
        ("fibrinogen", 210, "210 mg/dL", "2.1 g/L"),
        ("hemoglobin", 8.5, "8.5 g/dL", "85 g/L"),
        ("ferritin", 2_400, "2,400 ng/mL", "2,400 µg/L"),
        ("inr", 1.4, "1.4", "1.4"),
        ("procalcitonin", 0.004, "0.004 ng/mL", "0.004 µg/L"),
    ],
)
def test_a_value_is_shown_with_its_unit_in_the_wards_system(code, canonical, conventional, si):
    lab = labs.BY_CODE[code]
    assert labs.display(lab, canonical, CONVENTIONAL) == conventional
    assert labs.display(lab, canonical, SI) == si


def test_an_unknown_test_is_shown_in_its_stored_unit():
    assert labs.display(None, 12.5, SI, "ng/L") == "12.5 ng/L"
    assert labs.display(None, 3, SI, "umol/L") == "3 µmol/L"


def test_test_names_are_an_open_vocabulary_with_aliases():
    assert labs.canonical_code("Haemoglobin") == "hemoglobin"
    assert labs.canonical_code("IL-6") == "il6"
    assert labs.canonical_code(" Troponin ") == "troponin"
