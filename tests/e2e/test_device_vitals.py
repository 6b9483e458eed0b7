"""A bedside monitor sends its vitals over MLLP; the nurse sees them waiting on
the bedside page, checks them in the vitals form and charts them."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from interop import hl7_client
from interop.hl7_listener import Listener
from interop.models import DeviceVitalsSet
from patients.models import VitalsSet

from .conftest import csp_refusals, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-test-password"


@pytest.fixture
def listener(transactional_db):
    running = Listener("127.0.0.1", 0).start()
    yield running
    running.stop()


def test_a_nurse_confirms_the_monitors_vitals_from_the_bedside_page(
    live_server, tablet, nurse, make_episode, listener, screenshot
):
    episode = make_episode(mrn="MRN-E2E", family_name="Lindgren", infused_hours_ago=30)
    at = (timezone.now() - timedelta(minutes=4)).strftime("%Y%m%d%H%M%S+0000")
    ack = hl7_client.send(
        "127.0.0.1",
        listener.port,
        "\r".join(
            [
                f"MSH|^~\\&|BEDSIDE-4|ICU|CRSMONITOR|HOSP|{at}||ORU^R01|E2E-1|P|2.6",
                "PID|1||MRN-E2E^^^HOSP^MR||LINDGREN^TEST",
                f"OBR|1|||VITALS|||{at}",
                "OBX|1|NM|150364^MDC_TEMP_BODY^MDC||101.3|266560^MDC_DIM_FAHR^MDC|||||R",
                "OBX|2|NM|147842^MDC_ECG_HEART_RATE^MDC||118|264864^MDC_DIM_BEAT_PER_MIN^MDC",
                "OBX|3|NM|150021^MDC_PRESS_BLD_NONINV_SYS^MDC||98|266016^MDC_DIM_MMHG^MDC",
                "OBX|4|NM|150022^MDC_PRESS_BLD_NONINV_DIA^MDC||60|266016^MDC_DIM_MMHG^MDC",
                "OBX|5|NM|151562^MDC_RESP_RATE^MDC||24|264928^MDC_DIM_RESP_PER_MIN^MDC",
                "OBX|6|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC||93|262688^MDC_DIM_PERCENT^MDC",
            ]
        ),
    )
    assert hl7_client.ack_code(ack)[0] == "AA"
    refused = csp_refusals(tablet)

    sign_in(tablet, live_server, nurse.username, PASSWORD)
    tablet.goto(f"{live_server.url}/patients/{episode.patient_id}/bedside/")
    waiting = tablet.locator("#device-vitals [data-device-set]")
    expect(waiting).to_be_visible()
    expect(waiting).to_contain_text("38.5")
    expect(waiting).to_contain_text("sent as 101.3 °F")
    screenshot(tablet, "device-vitals-pending")

    waiting.locator("text=Check and chart").click()
    form = tablet.locator("#entry form")
    expect(form.locator("[data-device-banner]")).to_be_visible()
    expect(form.locator("#id_temperature")).to_have_value("38.5")
    expect(form.locator("#id_heart_rate")).to_have_value("118")
    # The nurse counts the pulse herself and corrects it; the monitor knows
    # nothing of oxygen or vasopressors: she answers.
    form.locator("#id_heart_rate").fill("114")
    form.locator("label[for=id_oxygen_device_1]").click()  # room air
    form.locator("label:has-text('None running')").click()
    screenshot(tablet, "device-vitals-form")
    form.locator("button:has-text('Chart these vitals')").click()

    expect(tablet.locator("#entry [data-saved]")).to_contain_text("vitals from the monitor")
    expect(tablet.locator("#device-vitals [data-device-set]")).to_have_count(0)
    expect(tablet.locator("#bedside-summary")).to_contain_text("114")
    screenshot(tablet, "device-vitals-charted")

    vitals = VitalsSet.objects.get(episode=episode)
    assert (vitals.heart_rate, str(vitals.temperature_c)) == (114, "38.5")
    assert vitals.recorded_by == nurse
    assert vitals.oxygen_device == "room_air"
    charted = DeviceVitalsSet.objects.get(episode=episode)
    assert (charted.status, charted.vitals, charted.resolved_by) == ("confirmed", vitals, nurse)
    assert not refused, refused
