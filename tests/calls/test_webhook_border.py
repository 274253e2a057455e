"""The webhooks' border: signatures, Twilio retries and forms that cannot come from Twilio,
against a live gateway; and the happy path once more on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import MultiDict

from ivr.simulator import Press, Silence, Speak
from ivr.webhooks.call_rows import IN_PROGRESS
from tests.calls.phone import AUTH_TOKEN, Gateway, prepared_store, running_gateway
from tests.calls.test_whole_calls import DESCRIBE_AND_SEND, PAVEMENT_DEFECT, reference_heard
from tests.support.databases import fresh_database

CALL_SID = "CA" + "7" * 32
HAPPY = [*PAVEMENT_DEFECT, Speak("four thirty eight washington street"), Press("1")]


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    folder: Path = tmp_path_factory.mktemp("border")
    url = prepared_store(f"sqlite:///{folder / 'voice311.db'}")
    with running_gateway(url) as live:
        yield live


def signed_post(gateway: Gateway, path: str, form: dict[str, str]) -> httpx.Response:
    url = gateway.base_url + path
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, form)
    return gateway.http.post(url, data=form, headers={"X-Twilio-Signature": signature})


def test_a_bad_signature_is_refused(gateway: Gateway) -> None:
    result = gateway.call([Silence()], auth_token="f" * 32)
    assert [e.status for e in result.exchanges][:1] == [403]
    assert gateway.call_row(result.call_sid) is None

    unsigned = gateway.http.post(gateway.voice_url, data={"CallSid": CALL_SID})
    assert unsigned.status_code == 403
    assert "signature" in unsigned.text


def test_a_retried_webhook_files_nothing_twice(gateway: Gateway) -> None:
    result = gateway.call([*HAPPY, *DESCRIBE_AND_SEND])
    number = reference_heard(result.transcript.heard())
    confirm = [e for e in result.exchanges if e.purpose == "action"][-1]
    assert confirm.params.get("Digits") == "1"
    path = confirm.url.removeprefix(gateway.base_url)

    again = signed_post(gateway, path, dict(confirm.params))
    assert again.status_code == 200
    assert again.headers["Content-Type"].startswith("text/xml")
    assert "Your report has been received." in again.text
    assert len(gateway.reports_of(result.call_sid)) == 1
    matching = [r for r in gateway.requests_published() if r["service_request_id"] == number]
    assert len(matching) == 1
    assert len(gateway.requests_published()) == len(
        {r["service_request_id"] for r in gateway.requests_published()}
    )


@pytest.mark.parametrize(
    ("path", "form", "field"),
    [
        ("/twilio/voice", {"From": "+16175550123"}, "CallSid"),
        ("/twilio/voice/step/abc/gather", {"CallSid": CALL_SID, "Digits": "1"}, "step"),
        ("/twilio/voice/step/1/gather", {"CallSid": CALL_SID, "Digits": "1a"}, "Digits"),
        (
            "/twilio/voice/step/1/gather",
            {"CallSid": CALL_SID, "SpeechResult": "x" * 5000},
            "SpeechResult",
        ),
        (
            "/twilio/voice/step/1/gather",
            {"CallSid": CALL_SID, "SpeechResult": "hi", "Confidence": "lots"},
            "Confidence",
        ),
        ("/twilio/voice/step/1/teleport", {"CallSid": CALL_SID}, "event"),
        ("/twilio/voice/step/%EF%BC%91/gather", {"CallSid": CALL_SID, "Digits": "1"}, "step"),
        ("/twilio/voice/step/1/dial", {"CallSid": CALL_SID}, "DialCallStatus"),
    ],
)
def test_a_malformed_form_is_a_short_400(
    gateway: Gateway, path: str, form: dict[str, str], field: str
) -> None:
    response = signed_post(gateway, path, form)
    assert response.status_code == 400
    assert response.headers["Content-Type"].startswith("text/plain")
    assert field in response.text
    assert "Traceback" not in response.text and len(response.text) < 200


def test_a_repeated_parameter_is_held_to_the_same_length(gateway: Gateway) -> None:
    form = [("CallSid", "CA" + "6" * 32), ("From", "+16175550123"), ("From", "9" * 5000)]
    url = gateway.base_url + "/twilio/voice"
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, MultiDict(form))
    data = {"CallSid": form[0][1], "From": [form[1][1], form[2][1]]}
    response = gateway.http.post(url, data=data, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 400
    assert "From" in response.text and "too long" in response.text
    assert gateway.call_row("CA" + "6" * 32) is None


def test_the_filing_url_of_a_call_that_filed_nothing_never_says_received(
    gateway: Gateway,
) -> None:
    """Twilio is sent to the filing URL only by the step that filed a report; a request there
    for a call without one (forged, or a stale URL) hears the call's last words again."""
    sid = "CA" + "5" * 32
    welcome = signed_post(gateway, "/twilio/voice", {"CallSid": sid, "From": "+16175550123"})
    assert welcome.status_code == 200
    for poll in ("2", "4", "999999"):
        response = signed_post(gateway, f"/twilio/voice/filing/{poll}", {"CallSid": sid})
        assert response.status_code == 200
        assert "received" not in response.text and "reach the city" not in response.text
        assert response.text == welcome.text
    assert gateway.reports_of(sid) == []


def test_after_the_caller_hung_up_a_late_step_hears_nothing_and_no_one_takes_the_call(
    gateway: Gateway,
) -> None:
    """Twilio sends nothing to a call that has ended; a step or whisper URL that arrives after
    (a late retry, or forged) must not play the old menu again nor mark the call as taken."""
    sid = "CA" + "4" * 32
    welcome = signed_post(gateway, "/twilio/voice", {"CallSid": sid, "From": "+16175550123"})
    assert "<Gather" in welcome.text
    ended = signed_post(
        gateway, "/twilio/voice/status", {"CallSid": sid, "CallStatus": "completed"}
    )
    assert ended.status_code == 204
    row = gateway.call_row(sid)
    assert row is not None and row.status != IN_PROGRESS

    late = signed_post(gateway, "/twilio/voice/step/1/gather", {"CallSid": sid, "Digits": "1"})
    assert late.status_code == 200
    assert "<Gather" not in late.text and "<Say" not in late.text

    person = {"CallSid": "CA" + "3" * 32}
    whisper = signed_post(gateway, f"/twilio/voice/whisper/{sid}", person)
    assert whisper.status_code == 200
    again = gateway.call_row(sid)
    assert again is not None and again.state == row.state


def test_unknown_parameters_are_accepted_and_ignored(gateway: Gateway) -> None:
    form = {"CallSid": "CA" + "8" * 32, "CallStatus": "ringing", "SomethingNew": "whatever"}
    response = signed_post(gateway, "/twilio/voice", form)
    assert response.status_code == 200
    assert "Welcome to the 311 line." in response.text


@pytest.mark.postgres
def test_the_happy_path_on_postgresql(tmp_path: Path) -> None:
    with (
        fresh_database("postgres", tmp_path) as url,
        running_gateway(prepared_store(url)) as gateway,
    ):
        result = gateway.call([*HAPPY, *DESCRIBE_AND_SEND])
        number = reference_heard(result.transcript.heard())
        published = gateway.requests_published()
        assert [r["service_request_id"] for r in published] == [number]
        assert published[0]["address"] == "438 Washington Street, Boston, MA 02135"
        row = gateway.call_row(result.call_sid)
        assert row is not None and row.status == "completed"
