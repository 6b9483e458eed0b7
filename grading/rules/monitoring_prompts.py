"""Monitoring and work-up prompts (clinical-rules.md section 6 r2): febrile
neutropenia, IEC-HS, telemetry and the echocardiogram. Each function is one
prompt code: a pure condition "is this prompt open at T", returning the
prompt or None."""

from bisect import bisect_right
from datetime import timedelta
from operator import attrgetter

from .fever import is_fever
from .labs import ANC_BELOW, latest, latest_within, platelets_low, transaminases_high
from .protocols import ASCO_2021, SEED_000
from .situation import Prompt, Situation, make
from .wording import celsius, duration, number
from .workup import ANTIBACTERIAL, current_crs_start, first_event

# Clinical-rules.md 13.3: a fever in the last 24 h and the latest ANC charted
# in the last 48 h below 1000/µL; critical below 500/µL, high from 500 to 999.
NEUTROPENIA_FEVER_WINDOW = timedelta(hours=24)
NEUTROPENIA_ANC_WINDOW = timedelta(hours=48)
ANC_CRITICAL_BELOW = 500

# Clinical-rules.md section 6: ferritin > 10 000 ng/mL with fibrinogen
# < 150 mg/dL, ALT or AST >= 5 x ULN, or platelets < 50 000/µL (Neelapu 2018
# CARTOX HLH criteria, as summarised; IEC-HS, Hines 2023).
FERRITIN_ABOVE = 10_000
FIBRINOGEN_BELOW = 150
IEC_HS_SOURCE = "Neelapu et al. 2018 (CARTOX), HLH criteria; Hines et al. 2023 (IEC-HS)"

# Seed 000, Initial Assessment and Monitoring: continuous telemetry and pulse
# oximetry for grade 2+ CRS; "consider echocardiogram ... in severe CRS".
TELEMETRY_FROM_GRADE = 2
ECHOCARDIOGRAM_FROM_GRADE = 3
ECHOCARDIOGRAM = "echocardiogram"


def febrile_neutropenia(s: Situation) -> Prompt | None:
    # Seed 000, Grade 1 CRS: antibiotics if neutropenic; ASCO and institutional
    # neutropenic fever pathways: antibiotics within 1 hour (section 9).
    snapshot = s.snapshot
    # The vitals are sorted: the window's sets are the last ones.
    opens = bisect_right(
        snapshot.vitals, snapshot.at - NEUTROPENIA_FEVER_WINDOW, key=attrgetter("at")
    )
    fevers = [v for v in snapshot.vitals[opens:] if is_fever(v.temperature_c)]
    anc = latest_within(snapshot, "anc", NEUTROPENIA_ANC_WINDOW)
    if not fevers or anc is None or anc.value >= ANC_BELOW:
        return None
    first = fevers[0]
    given = next(
        (
            m
            for m in snapshot.medications
            if m.drug_class == ANTIBACTERIAL and m.at >= first.at - NEUTROPENIA_FEVER_WINDOW
        ),
        None,
    )
    if given is None:
        treated = "no antibacterial charted yet"
    elif given.at <= first.at:
        treated = f"{given.drug} charted at {s.when(given.at)}, before the fever"
    else:
        treated = (
            f"{given.drug} charted at {s.when(given.at)},"
            f" {duration(given.at - first.at)} after the fever"
        )
    text = (
        f"Fever {celsius(first.temperature_c)} at {s.when(first.at)} with ANC"
        f" {number(anc.value)}/µL at {s.when(anc.at)}: febrile neutropenia, blood cultures and"
        f" empiric broad-spectrum antibiotics within 1 hour of the fever; {treated}"
    )
    source = f"{SEED_000}, Grade 1 CRS (antibiotics if neutropenic); {ASCO_2021}"
    severity = "critical" if anc.value < ANC_CRITICAL_BELOW else None
    return make("febrile_neutropenia", text, source, severity=severity)


def iec_hs_consider(s: Situation) -> Prompt | None:
    # Neelapu 2018 (CARTOX) HLH criteria, as summarised; IEC-HS (Hines 2023):
    # a consideration for the physician, never a diagnosis.
    values = latest(s.snapshot)
    ferritin = values.get("ferritin")
    if ferritin is None or ferritin.value <= FERRITIN_ABOVE:
        return None
    with_ = []
    fibrinogen = values.get("fibrinogen")
    if fibrinogen is not None and fibrinogen.value < FIBRINOGEN_BELOW:
        with_.append(f"fibrinogen {number(fibrinogen.value)} mg/dL (below {FIBRINOGEN_BELOW})")
    with_.extend(transaminases_high(values))
    with_.extend(filter(None, [platelets_low(values)]))
    if not with_:
        return None
    text = (
        f"Ferritin {number(ferritin.value)} ng/mL (above {FERRITIN_ABOVE:,}) with"
        f" {'; '.join(with_)}: consider HLH / immune effector cell-associated HLH-like"
        " syndrome (IEC-HS); a consideration, not a diagnosis"
    )
    return make("iec_hs_consider", text, IEC_HS_SOURCE)


def telemetry(s: Situation) -> Prompt | None:
    # Seed 000, Initial Assessment and Monitoring; ASCO 2021.
    if s.crs.grade < TELEMETRY_FROM_GRADE:
        return None
    text = f"CRS grade {s.crs.grade}: continuous telemetry and pulse oximetry"
    return make("telemetry", text, f"{SEED_000}, Initial Assessment and Monitoring; {ASCO_2021}")


def echocardiogram_consider(s: Situation) -> Prompt | None:
    # Seed 000: "consider echocardiogram to assess cardiac function in severe
    # CRS"; clinical-rules.md 13.4: closes when one is charted after the onset.
    if s.crs.grade < ECHOCARDIOGRAM_FROM_GRADE:
        return None
    since = current_crs_start(s.crs_onsets, s.snapshot)
    if first_event(s.snapshot, ECHOCARDIOGRAM, since) is not None:
        return None
    text = f"CRS grade {s.crs.grade}: consider an echocardiogram to assess cardiac function"
    return make("echocardiogram_consider", text, f"{SEED_000}, Initial Assessment and Monitoring")
