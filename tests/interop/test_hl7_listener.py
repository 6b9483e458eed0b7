"""A bedside monitor talks to the listener over a real socket, MLLP-framed,
and gets an ACK for every message; what it sent waits for the nurse."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from interop import hl7_client
from interop.hl7_listener import Listener
from interop.models import DeviceVitalsSet, InboundMessage
from patients.models import VitalsSet

pytestmark = pytest.mark.django_db(transaction=True)


def hl7_time(minutes_ago: float = 2) -> str:
    return (timezone.now() - timedelta(minutes=minutes_ago)).strftime("%Y%m%d%H%M%S+0000")


def message(control_id: str, mrn: str, *obx: str, family: str = "MARSH", obr: bool = True) -> str:
    lines = [
        f"MSH|^~\\&|BEDSIDE-7|ICU|CRSMONITOR|HOSP|{hl7_time(1)}||ORU^R01^ORU_R01|{control_id}|P|2.6",
        f"PID|1||{mrn}^^^HOSP^MR||{family}^HELEN",
    ]
    if obr:
        lines.append(f"OBR|1|||VITALS^Vital signs|||{hl7_time()}")
    lines += [f"OBX|{n}|NM|{line}" for n, line in enumerate(obx, start=1)]
    return "\r".join(lines)


LOINC_SET = [
    "8310-5^Body temperature^LN||38.4|Cel|||||F",
    "8867-4^Heart rate^LN||112|/min|||||F",
    "8480-6^Systolic blood pressure^LN||96|mm[Hg]|||||F",
    "8462-4^Diastolic blood pressure^LN||58|mm[Hg]|||||F",
    "9279-1^Respiratory rate^LN||22|/min|||||F",
    "59408-5^Oxygen saturation by pulse oximetry^LN||94|%|||||F",
]

# As IEEE 11073 monitors send them (IHE PCD-01 style): numbers, reference ids, MDC units.
MDC_SET = [
    "150456^MDC_PULS_OXIM_SAT_O2^MDC|1.3.1.150456|97|262688^MDC_DIM_PERCENT^MDC|||||R",
    "147842^MDC_ECG_HEART_RATE^MDC|1.2.1.147842|88|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R",
    "149530^MDC_PULS_OXIM_PULS_RATE^MDC|1.3.1.149530|91|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R",
    "150021^MDC_PRESS_BLD_NONINV_SYS^MDC|1.4.1.150021|118|266016^MDC_DIM_MMHG^MDC|||||R",
    "150022^MDC_PRESS_BLD_NONINV_DIA^MDC|1.4.1.150022|72|266016^MDC_DIM_MMHG^MDC|||||R",
    "150023^MDC_PRESS_BLD_NONINV_MEAN^MDC|1.4.1.150023|87|266016^MDC_DIM_MMHG^MDC|||||R",
    "151578^MDC_TTHOR_RESP_RATE^MDC|1.2.1.151578|18|264928^MDC_DIM_RESP_PER_MIN^MDC|||||R",
    "150364^MDC_TEMP_BODY^MDC|1.5.1.150364|37.1|268192^MDC_DIM_DEGC^MDC|||||R",
    "151708^MDC_AWAY_CO2_ET^MDC|1.6.1.151708|38|266016^MDC_DIM_MMHG^MDC|||||R",
]


@pytest.fixture
def listener(transactional_db):
    running = Listener("127.0.0.1", 0).start()  # port 0: any free port
    yield running
    running.stop()


@pytest.fixture
def helen(make_episode):
    return make_episode(mrn="MRN100", family_name="Marsh")


def send(listener: Listener, text: str) -> tuple[str, str, str]:
    """(MSA-1, MSA-3, the whole ACK) for one message sent as a monitor would."""
    ack = hl7_client.send("127.0.0.1", listener.port, text)
    code, words = hl7_client.ack_code(ack)
    return code, words, ack


def values_of(vitals_set: DeviceVitalsSet) -> dict:
    return {obs.quantity: obs.value for obs in vitals_set.readings()}


def test_a_monitor_sending_loinc_codes_gets_aa_and_a_pending_set(listener, helen):
    code, _, ack = send(listener, message("LN-1", "MRN100", *LOINC_SET))

    assert code == "AA"
    assert "MSA|AA|LN-1" in ack
    pending = DeviceVitalsSet.objects.get(episode=helen)
    assert pending.status == "pending"
    assert values_of(pending) == {
        "temperature_c": Decimal("38.4"),
        "heart_rate": 112,
        "systolic": 96,
        "diastolic": 58,
        "respiratory_rate": 22,
        "spo2": 94,
    }
    assert pending.device == "BEDSIDE-7"
    assert abs(pending.observed_at - (timezone.now() - timedelta(minutes=2))) < timedelta(minutes=1)
    # Device values never chart themselves.
    assert VitalsSet.objects.count() == 0


def test_a_monitor_sending_mdc_codes_prefers_the_ecg_rate_and_notes_what_it_left_out(
    listener, helen
):
    code, _, _ = send(listener, message("MDC-1", "MRN100", *MDC_SET))

    assert code == "AA"
    pending = DeviceVitalsSet.objects.get(episode=helen)
    assert values_of(pending) == {
        "temperature_c": Decimal("37.1"),
        "heart_rate": 88,
        "systolic": 118,
        "diastolic": 72,
        "mean_arterial": 87,
        "respiratory_rate": 18,
        "spo2": 97,
    }
    assert [(obs.quantity, obs.value) for obs in pending.also_sent()] == [("heart_rate", 91)]
    assert any("151708" in line for line in pending.note_lines())


@pytest.mark.parametrize("unit", ["[degF]", "degF", "°F", "266560^MDC_DIM_FAHR^MDC"])
def test_a_temperature_in_fahrenheit_waits_in_celsius(listener, helen, unit):
    send(listener, message("F-1", "MRN100", f"8310-5^Body temperature^LN||101.3|{unit}|||||F"))

    reading = DeviceVitalsSet.objects.get(episode=helen).readings()[0]
    assert (reading.quantity, reading.value) == ("temperature_c", Decimal("38.5"))
    assert reading.received_value == "101.3" and reading.converted


def test_a_message_missing_values_keeps_what_it_has_and_says_what_was_missing(listener, helen):
    code, _, _ = send(
        listener,
        message(
            "GAP-1",
            "MRN100",
            f"8867-4^Heart rate^LN||76|/min|||||F|||{hl7_time(5)}",
            "8310-5^Body temperature^LN|||Cel|||||F",
            "8310-5^Body temperature^LN||37.9||||||F",
            "2708-6^SpO2^LN||96||||||F",
            obr=False,
        ),
    )

    assert code == "AA"
    pending = DeviceVitalsSet.objects.get(episode=helen)
    assert values_of(pending) == {"heart_rate": 76, "spo2": 96}
    assert pending.note_lines() == [
        "OBX 2 (8310-5 Body temperature): no value, left out",
        "OBX 3 (8310-5 Body temperature): a temperature needs its unit (°C or °F), left out",
    ]
    # Without OBR-7, the time of the first observation.
    assert abs(pending.observed_at - (timezone.now() - timedelta(minutes=5))) < timedelta(minutes=1)


def test_an_implausible_value_is_kept_and_flagged_not_dropped(listener, helen):
    send(listener, message("HI-1", "MRN100", "8867-4^Heart rate^LN||350|/min|||||F"))

    reading = DeviceVitalsSet.objects.get(episode=helen).readings()[0]
    assert reading.value == 350 and reading.out_of_range


@pytest.mark.parametrize(
    "garbled",
    [
        "this is not HL7 at all",
        "MSH|^~\\&|BEDSIDE-7|ICU",  # no message type
        "PID|1||MRN100\rOBX|1|NM|8867-4^HR^LN||80",  # no MSH
        "MSH|^~\\&|BEDSIDE-7|ICU|||20261130||ORU^R01|G-4|P|2.6\rOBX|1|NM|8867-4^HR^LN||80",
    ],
)
def test_a_garbled_message_is_rejected_with_the_reason_and_kept(listener, helen, garbled):
    code, words, ack = send(listener, garbled)

    assert code == "AR"
    assert words
    assert "\rERR|" in ack
    kept = InboundMessage.objects.get()
    assert kept.raw.rstrip("\r") == garbled and kept.ack_code == "AR"
    assert kept.outcome in ("unparseable", "unsupported")
    assert DeviceVitalsSet.objects.count() == 0


def test_a_message_for_an_unknown_patient_gets_ae_and_is_kept_for_the_admin(listener, helen):
    code, words, ack = send(listener, message("UNK-1", "MRN999", *LOINC_SET))

    assert code == "AE"
    assert "Unknown patient" in words and "MRN999" in words
    assert "ERR|||204^Unknown key identifier^HL70357|E" in ack
    kept = InboundMessage.objects.get()
    assert (kept.outcome, kept.mrn, kept.patient) == ("unknown_patient", "MRN999", None)
    assert DeviceVitalsSet.objects.count() == 0


def test_an_mrn_with_another_family_name_is_not_taken_for_the_patient(listener, helen):
    code, words, _ = send(listener, message("NAME-1", "MRN100", *LOINC_SET, family="OTHER"))

    assert code == "AE" and "another family name" in words
    assert DeviceVitalsSet.objects.count() == 0


def test_a_patient_without_an_active_episode_gets_ae(listener, helen):
    helen.discharged_at = timezone.now()
    helen.save()

    code, words, _ = send(listener, message("DIS-1", "MRN100", *LOINC_SET))

    assert code == "AE" and "no active CAR-T episode" in words
    assert InboundMessage.objects.get().outcome == "no_episode"


def test_a_message_sent_again_is_acknowledged_and_kept_once(listener, helen):
    first = send(listener, message("DUP-1", "MRN100", *LOINC_SET))
    again = send(listener, message("DUP-1", "MRN100", *LOINC_SET))

    assert first[0] == again[0] == "AA"
    assert DeviceVitalsSet.objects.count() == 1
    assert sorted(InboundMessage.objects.values_list("outcome", flat=True)) == [
        "accepted",
        "duplicate",
    ]


def test_several_messages_on_one_connection_each_get_their_ack(listener, helen):
    import socket

    framed = b"".join(
        b"\x0b" + message(f"SEQ-{n}", "MRN100", *LOINC_SET).encode() + b"\x1c\r" for n in range(3)
    )
    with socket.create_connection(("127.0.0.1", listener.port), timeout=10) as conn:
        conn.sendall(framed)
        received = b""
        while received.count(b"\x1c\r") < 3:
            received += conn.recv(4096)
    assert [f"MSA|AA|SEQ-{n}".encode() in received for n in range(3)] == [True] * 3
    assert DeviceVitalsSet.objects.count() == 3
