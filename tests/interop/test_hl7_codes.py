"""Which OBX codes and units become which chart value: a table each, both sides."""

from decimal import Decimal

import pytest

from interop import hl7_codes
from interop.hl7_inbound import Answer, ack, escape
from interop.hl7_reading import Header


@pytest.mark.parametrize(
    "obx3, quantity",
    [
        ("8310-5^Body temperature^LN", "temperature_c"),
        ("8331-1^Oral temperature^LN", "temperature_c"),
        ("8867-4^Heart rate^LN", "heart_rate"),
        ("8480-6^Systolic^LN", "systolic"),
        ("8462-4^Diastolic^LN", "diastolic"),
        ("8478-0^Mean blood pressure^LN", "mean_arterial"),
        ("9279-1^Respiratory rate^LN", "respiratory_rate"),
        ("2708-6^SaO2^LN", "spo2"),
        ("59408-5^SpO2^LN", "spo2"),
        ("147842^MDC_ECG_HEART_RATE^MDC", "heart_rate"),
        ("149530^MDC_PULS_OXIM_PULS_RATE^MDC", "heart_rate"),
        ("150021^MDC_PRESS_BLD_NONINV_SYS^MDC", "systolic"),
        ("150022^MDC_PRESS_BLD_NONINV_DIA^MDC", "diastolic"),
        ("150023^MDC_PRESS_BLD_NONINV_MEAN^MDC", "mean_arterial"),
        ("150456^MDC_PULS_OXIM_SAT_O2^MDC", "spo2"),
        ("150344^MDC_TEMP^MDC", "temperature_c"),
        ("150364^MDC_TEMP_BODY^MDC", "temperature_c"),
        ("151562^MDC_RESP_RATE^MDC", "respiratory_rate"),
        ("151578^MDC_TTHOR_RESP_RATE^MDC", "respiratory_rate"),
        ("^MDC_PULS_OXIM_SAT_O2^MDC", "spo2"),  # the reference id alone
        ("MDC_ECG_HEART_RATE", "heart_rate"),
        ("HR^Heart rate^LOCAL^8867-4^Heart rate^LN", "heart_rate"),  # LOINC as the alternate
    ],
)
def test_a_vital_sign_code_is_read(obx3, quantity):
    found = hl7_codes.lookup(obx3.split("^"))
    assert found is not None and found[0].quantity == quantity


@pytest.mark.parametrize(
    "obx3",
    [
        "151708^MDC_AWAY_CO2_ET^MDC",  # end-tidal CO2: not charted here
        "8867-4^Heart rate^MDC",  # a LOINC number under the MDC system
        "150456^SpO2^LN",  # an MDC number under LOINC
        "150456^SpO2^99LOCAL",  # a number under a local system is not ours to guess
        "",
    ],
)
def test_a_code_we_do_not_chart_is_left_out(obx3):
    assert hl7_codes.lookup(obx3.split("^")) is None


def test_the_ecg_heart_rate_is_preferred_to_the_pulse_rate():
    ecg = hl7_codes.lookup(["147842", "", "MDC"])[0]
    pulse = hl7_codes.lookup(["149530", "", "MDC"])[0]
    assert ecg.preference < pulse.preference


@pytest.mark.parametrize(
    "quantity, value, unit, expected",
    [
        ("temperature_c", "38.5", "Cel", "38.5"),
        ("temperature_c", "38.5", "°C", "38.5"),
        ("temperature_c", "38.5", "268192^MDC_DIM_DEGC^MDC", "38.5"),
        ("temperature_c", "101.3", "[degF]", "38.5"),
        ("temperature_c", "101.3", "degF", "38.5"),
        ("temperature_c", "101.3", "°F", "38.5"),
        ("temperature_c", "98.6", "266560^MDC_DIM_FAHR^MDC", "37.0"),
        ("heart_rate", "88", "/min", "88"),
        ("heart_rate", "88", "{beats}/min", "88"),
        ("heart_rate", "88", "bpm", "88"),
        ("heart_rate", "88", "", "88"),  # one unit possible: may be left out
        ("systolic", "118", "mm[Hg]", "118"),
        ("systolic", "118", "mmHg", "118"),
        ("spo2", "97", "%", "97"),
    ],
)
def test_units_become_the_charts(quantity, value, unit, expected):
    converted = hl7_codes.to_chart_unit(quantity, Decimal(value), unit.split("^"))
    assert converted.quantize(Decimal("0.1")) == Decimal(expected).quantize(Decimal("0.1"))


@pytest.mark.parametrize(
    "quantity, unit",
    [
        ("temperature_c", ""),  # 37 or 98.6: never guessed
        ("temperature_c", "K"),
        ("systolic", "kPa"),
        ("spo2", "mmHg"),
        ("heart_rate", "%"),
    ],
)
def test_a_missing_or_wrong_unit_is_refused_with_the_reason(quantity, unit):
    with pytest.raises(hl7_codes.UnitProblem):
        hl7_codes.to_chart_unit(quantity, Decimal("40"), unit.split("^"))


def test_the_reason_in_a_nak_is_escaped_so_it_cannot_break_the_ack():
    assert escape("a|b^c~d\\e&f") == "a\\F\\b\\S\\c\\R\\d\\E\\e\\T\\f"
    header = Header(control_id="X-1", sending_application="MON", message_type="ORU^R01")
    text = ack(header, Answer("AE", "MRN 1|2 unknown"), error_code="204^Unknown^HL70357")
    segments = text.rstrip("\r").split("\r")
    assert [s.split("|")[0] for s in segments] == ["MSH", "MSA", "ERR"]
    assert segments[1] == "MSA|AE|X-1|MRN 1\\F\\2 unknown"
    assert segments[0].split("|")[4] == "MON"  # answered to the sender
    assert segments[0].split("|")[8] == "ACK^R01^ACK"
