"""Whole simulated calls of a caller waiting in the operator queue (``IVR_OPERATOR_QUEUE``):
they are asked to hold in their language while they wait, and nobody taking them within
``IVR_OPERATOR_WAIT_SECONDS`` takes them out of the queue to an honest goodbye, not to Twilio's
hold music until the call's 4-hour limit.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from twilio.request_validator import RequestValidator

from ivr.simulator import LineKind, Press, QueueOutcome, Silence
from ivr.simulator.call import CallResult
from tests.calls.phone import AUTH_TOKEN, Gateway, prepared_store, running_gateway

QUEUE = "staff"
LIMIT = 60
HOLD = "Please hold while I connect you with a person."
STAY = (
    "Thank you for waiting. Please stay on the line: a person will answer as soon as one is free."
)
NOBODY = "Sorry, no one can take your call right now. Please call again later. Goodbye."
STAY_ES = "Gracias por esperar. Por favor no cuelgue: una persona le atenderá en cuanto esté libre."
NOBODY_ES = "Lo siento, nadie puede atender su llamada ahora. Por favor llame más tarde. Adiós."
NOBODY_TAKES = QueueOutcome("bridged", wait=4 * 3600)  # no agent before the call's limit


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    folder: Path = tmp_path_factory.mktemp("queue-wait")
    url = prepared_store(f"sqlite:///{folder / 'voice311.db'}")
    with running_gateway(url, operator_queue=QUEUE, operator_wait_seconds=LIMIT) as live:
        yield live


def wait_requests(result: CallResult) -> list[str]:
    """The QueueTime of each waitUrl request of the call."""
    return [e.params["QueueTime"] for e in result.exchanges if e.purpose == "wait-url"]


def test_a_caller_nobody_takes_hears_hold_prompts_then_leaves_the_queue_to_a_goodbye(
    gateway: Gateway,
) -> None:
    result = gateway.call([Silence(), Press("0"), NOBODY_TAKES])

    heard = result.transcript.heard()
    assert heard[heard.index(HOLD) :] == [HOLD, STAY, STAY, NOBODY]
    assert result.transcript.of_kind(LineKind.QUEUED) == [f"Waited in queue {QUEUE} → leave"]
    assert result.ended_by == "gateway"
    # asked at 0 s, 27 s and 55 s: two rounds of 20 s of silence and the prompt (7.6 s), then
    # the 5 s left in silence, and out of the queue at the limit
    assert wait_requests(result) == ["0", "27", "55"]
    (left,) = [e for e in result.exchanges if e.params.get("QueueResult")]
    assert (left.params["QueueResult"], left.params["QueueTime"]) == ("leave", str(LIMIT))
    row = gateway.call_row(result.call_sid)
    assert row is not None and row.status == "ended"


def test_a_spanish_caller_is_asked_to_hold_in_spanish(gateway: Gateway) -> None:
    result = gateway.call([Press("9"), Press("0"), NOBODY_TAKES])

    heard = result.transcript.heard()
    assert heard[-3:] == [STAY_ES, STAY_ES, NOBODY_ES]
    assert STAY not in heard


def test_a_caller_taken_before_the_limit_is_put_through(gateway: Gateway) -> None:
    result = gateway.call([Silence(), Press("0"), QueueOutcome("bridged", wait=30)])

    heard = result.transcript.heard()
    assert STAY in heard and NOBODY not in heard
    assert result.transcript.of_kind(LineKind.QUEUED) == [f"Waited in queue {QUEUE} → bridged"]
    assert wait_requests(result) == ["0", "27"]


def test_the_wait_url_is_refused_without_twilios_signature(gateway: Gateway) -> None:
    url = f"{gateway.voice_url}/queue/wait"
    form = {"CallSid": "CA" + "5" * 32, "QueueTime": "0"}
    forged = gateway.http.post(url, data=form, headers={"X-Twilio-Signature": "bad"})
    assert forged.status_code == 403

    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, form)
    signed = gateway.http.post(url, data=form, headers={"X-Twilio-Signature": signature})
    assert signed.status_code == 200  # an unknown call waits in the first language
    assert "Thank you for waiting." in signed.text and "<Leave" not in signed.text

    form["QueueTime"] = "soon"
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, form)
    garbled = gateway.http.post(url, data=form, headers={"X-Twilio-Signature": signature})
    assert garbled.status_code == 400 and "QueueTime" in garbled.text
