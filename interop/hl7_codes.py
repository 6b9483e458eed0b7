"""Which OBX codes and units bedside monitors send, and what they are in our chart.

Pure data and functions, no Django. A code not listed here is never guessed
at: the listener notes it on the pending set and leaves it out.

Sources:
- LOINC: the vital-sign codes of /work/shared/STYLE.md ("FHIR codes") and the
  FHIR R4 vital-signs profiles; 8478-0 mean blood pressure; the body-site
  temperatures 8331-1 (oral), 8332-9 (rectal), 8328-7 (axillary), 8333-7
  (tympanic); 8889-8 heart rate by pulse oximetry.
- IEEE 11073-10101 (MDC) codes as sent in OBX-3 ("150456^MDC_PULS_OXIM_SAT_O2^MDC"):
  a code is partition 2 (SCADA, 2 x 65536) plus the term code.
  147842 = 131072 + 16770 MDC_ECG_HEART_RATE; 149530 = + 18458 MDC_PULS_OXIM_PULS_RATE;
  150021/150022/150023 = + 18949..18951 MDC_PRESS_BLD_NONINV_SYS/_DIA/_MEAN;
  150456 = + 19384 MDC_PULS_OXIM_SAT_O2 (also FHIR R4 Observation example
  "satO2-fiO2": LOINC 2708-6 / 59408-5 / MDC 150456);
  150344 = + 19272 MDC_TEMP; 150364 = + 19292 MDC_TEMP_BODY.
  Respiratory rate, checked against HL7 Denmark's DK Core value set
  "IEEEBasicObservation" (build.fhir.org/ig/hl7dk/dk-core): 151562
  MDC_RESP_RATE (method not specified), 151570 MDC_AWAY_RESP_RATE (airway
  flow), 151578 MDC_TTHOR_RESP_RATE (transthoracic impedance), 151594
  MDC_CO2_RESP_RATE (capnography). Note 151570 is the airway rate, not the
  transthoracic one the issue guessed.
"""

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Code:
    quantity: str  # the VitalsSet field it fills
    # Lower wins when a message carries two codes for one quantity: an ECG
    # heart rate before the oximeter's pulse rate.
    preference: int = 0


LOINC = {
    "8310-5": Code("temperature_c"),
    "8331-1": Code("temperature_c", 1),
    "8332-9": Code("temperature_c", 1),
    "8328-7": Code("temperature_c", 1),
    "8333-7": Code("temperature_c", 1),
    "8867-4": Code("heart_rate"),
    "8889-8": Code("heart_rate", 1),
    "8480-6": Code("systolic"),
    "8462-4": Code("diastolic"),
    "8478-0": Code("mean_arterial"),
    "9279-1": Code("respiratory_rate"),
    "2708-6": Code("spo2"),
    "59408-5": Code("spo2"),
}

MDC = {
    "147842": Code("heart_rate"),  # MDC_ECG_HEART_RATE
    "149530": Code("heart_rate", 1),  # MDC_PULS_OXIM_PULS_RATE
    "150021": Code("systolic"),  # MDC_PRESS_BLD_NONINV_SYS
    "150022": Code("diastolic"),  # MDC_PRESS_BLD_NONINV_DIA
    "150023": Code("mean_arterial"),  # MDC_PRESS_BLD_NONINV_MEAN
    "150456": Code("spo2"),  # MDC_PULS_OXIM_SAT_O2
    "150344": Code("temperature_c"),  # MDC_TEMP
    "150364": Code("temperature_c"),  # MDC_TEMP_BODY
    "151562": Code("respiratory_rate"),  # MDC_RESP_RATE
    "151570": Code("respiratory_rate", 1),  # MDC_AWAY_RESP_RATE
    "151578": Code("respiratory_rate", 1),  # MDC_TTHOR_RESP_RATE
    "151594": Code("respiratory_rate", 2),  # MDC_CO2_RESP_RATE
}
# Some monitors send the reference id alone, or before the number.
MDC_NAMES = {
    "MDC_ECG_HEART_RATE": "147842",
    "MDC_PULS_OXIM_PULS_RATE": "149530",
    "MDC_PRESS_BLD_NONINV_SYS": "150021",
    "MDC_PRESS_BLD_NONINV_DIA": "150022",
    "MDC_PRESS_BLD_NONINV_MEAN": "150023",
    "MDC_PULS_OXIM_SAT_O2": "150456",
    "MDC_TEMP": "150344",
    "MDC_TEMP_BODY": "150364",
    "MDC_RESP_RATE": "151562",
    "MDC_AWAY_RESP_RATE": "151570",
    "MDC_TTHOR_RESP_RATE": "151578",
    "MDC_CO2_RESP_RATE": "151594",
}

LOINC_SYSTEMS = {"LN", "LOINC", "HTTP://LOINC.ORG"}
MDC_SYSTEMS = {"MDC", "MDIL", "URN:ISO:STD:ISO:11073:10101"}


def lookup(components: list[str]) -> tuple[Code, str] | None:
    """The code of an OBX-3 (CWE: id^text^system^alt id^alt text^alt system), and its name.

    Both triplets are tried. A number counts only under the system it belongs
    to; an MDC reference id ("MDC_PULS_OXIM_SAT_O2") is unmistakable anywhere.
    """
    parts = [*components, *[""] * 6][:6]
    for ident, text, system in ((parts[0], parts[1], parts[2]), (parts[3], parts[4], parts[5])):
        ident, text, system = ident.strip(), text.strip(), system.strip().upper()
        name = " ".join(part for part in (ident, text) if part)
        if system in LOINC_SYSTEMS and ident in LOINC:
            return LOINC[ident], name
        if system in MDC_SYSTEMS and ident in MDC:
            return MDC[ident], name
        for reference in (ident.upper(), text.upper()):
            if reference in MDC_NAMES:
                return MDC[MDC_NAMES[reference]], name
    return None


# Units as monitors spell them (UCUM, MDC dimension names, and plain text),
# upper-cased, each to the chart's unit and how to convert.
CELSIUS = {"CEL", "DEGC", "°C", "C", "DEG C", "CELSIUS", "MDC_DIM_DEGC", "268192"}
FAHRENHEIT = {"[DEGF]", "DEGF", "°F", "F", "DEG F", "FAHRENHEIT", "MDC_DIM_FAHR", "266560"}
PER_MINUTE = {
    "/MIN",
    "1/MIN",
    "{BEATS}/MIN",
    "{BEAT}/MIN",
    "{BREATHS}/MIN",
    "{BREATH}/MIN",
    "BPM",
    "BR/MIN",
    "RPM",
    "MIN-1",
    "MDC_DIM_BEAT_PER_MIN",
    "MDC_DIM_RESP_PER_MIN",
    "MDC_DIM_PER_MIN",
    "264864",
    "264928",
}
MM_HG = {"MM[HG]", "MMHG", "MM HG", "MDC_DIM_MMHG", "266016"}
PERCENT = {"%", "PERCENT", "MDC_DIM_PERCENT", "262688"}

EXPECTED_UNITS = {
    "temperature_c": CELSIUS | FAHRENHEIT,
    "heart_rate": PER_MINUTE,
    "respiratory_rate": PER_MINUTE,
    "systolic": MM_HG,
    "diastolic": MM_HG,
    "mean_arterial": MM_HG,
    "spo2": PERCENT,
}


class UnitProblem(ValueError):
    pass


def _unit_spellings(components: list[str]) -> list[str]:
    # CWE: identifier^text^system^alternate identifier^alternate text^...
    picked = [components[i] for i in (0, 1, 3, 4) if i < len(components)]
    return [part.strip().upper() for part in picked if part.strip()]


def to_chart_unit(quantity: str, value: Decimal, unit_components: list[str]) -> Decimal:
    """The value in the chart's unit, or UnitProblem saying why not.

    A temperature without a unit is refused (37 and 98.6 both exist); the
    other quantities have one unit, which a monitor may leave out.
    """
    spellings = _unit_spellings(unit_components)
    known = [s for s in spellings if s in EXPECTED_UNITS[quantity]]
    if spellings and not known:
        raise UnitProblem(f"unit {'^'.join(unit_components).strip('^')!r} not recognised")
    if quantity != "temperature_c":
        return value
    if not known:
        raise UnitProblem("a temperature needs its unit (°C or °F)")
    if known[0] in FAHRENHEIT:
        return (value - 32) * 5 / 9
    return value
