"""The call simulator plays Twilio against small fake gateways served over real HTTP.

Each fake gateway checks every request's signature with the twilio library's RequestValidator,
keeps what it received, and answers with fixed TwiML; the tests assert what the caller heard
and what the gateway received.
"""

from __future__ import annotations

import io
import re
import time
import wave
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from flask import Blueprint, Flask, Response, request
from twilio.request_validator import RequestValidator

from ivr.simulator import (
    AnswerDial,
    CallOptions,
    CallResult,
    HangUp,
    LineKind,
    MediaServer,
    Press,
    QueueOutcome,
    Silence,
    Speak,
    SpeakAudio,
    place_call,
)
from ivr.simulator.call import APPLICATION_ERROR
from ivr.simulator.media import silence_wav
from ivr.simulator.queue_wait import MAX_WAIT_FETCHES
from ivr.webhooks.security import SignatureCheck, install_signature_check
from tests.support.live_server import serve_wsgi

TOKEN = "0123456789abcdef0123456789abcdef"


@dataclass(frozen=True)
class Received:
    path: str
    method: str
    params: dict[str, str]  # the form of a POST, the query of a GET
    signature_ok: bool
    user_agent: str


Handler = str | Callable[[Received], Any]


class FakeGateway:
    """A Flask app answering fixed TwiML per path, checking Twilio's signature on each request."""

    def __init__(self, routes: dict[str, Handler], public_base: str = "") -> None:
        self.routes = routes
        self.public_base = public_base
        self.received: list[Received] = []
        self.app = Flask("fake-gateway")
        self.app.add_url_rule("/<path:path>", "any", self._answer, methods=["GET", "POST"])

    def reset(self, routes: dict[str, Handler]) -> FakeGateway:
        self.routes, self.public_base, self.received = routes, "", []
        return self

    def _answer(self, path: str) -> Any:
        query = request.query_string.decode()
        if self.public_base:
            url = self.public_base + request.path + (f"?{query}" if query else "")
        else:
            url = request.url
        params = request.form if request.method == "POST" else {}
        signature = request.headers.get("X-Twilio-Signature", "")
        valid = RequestValidator(TOKEN).validate(url, params, signature)
        data = dict(request.form) if request.method == "POST" else dict(request.args)
        received = Received(
            "/" + path, request.method, data, valid, request.headers.get("User-Agent", "")
        )
        self.received.append(received)
        handler = self.routes.get("/" + path)
        if handler is None:
            return Response("not found", status=404)
        answer = handler(received) if callable(handler) else handler
        if isinstance(answer, str):
            return Response(answer, mimetype="text/xml")
        return answer

    def to(self, path: str) -> list[Received]:
        return [item for item in self.received if item.path == path]


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[FakeGateway, str]]:
    """One fake gateway server for the module; each call gives it the test's routes."""
    gateway = FakeGateway({})
    with serve_wsgi(gateway.app) as base:
        yield gateway, base


@pytest.fixture(scope="module")
def media() -> Iterator[MediaServer]:
    with MediaServer() as server:
        yield server


@dataclass(frozen=True)
class Caller:
    client: httpx.Client
    gateway: FakeGateway
    base: str
    media: MediaServer

    def __call__(
        self,
        routes: dict[str, Handler],
        steps: list[Any],
        *,
        sleep: Callable[[float], None] = lambda seconds: None,
        **options: Any,
    ) -> tuple[CallResult, FakeGateway]:
        gateway = self.gateway.reset(routes)
        settings = CallOptions(
            voice_url=f"{self.base}/voice",
            auth_token=TOKEN,
            status_callback=f"{self.base}/status",
            **options,
        )
        result = place_call(self.client, settings, steps, media=self.media, sleep=sleep)
        assert all(item.signature_ok for item in gateway.received), "a request was badly signed"
        return result, gateway


@pytest.fixture
def call(served: tuple[FakeGateway, str], media: MediaServer) -> Iterator[Caller]:
    gateway, base = served
    with httpx.Client() as client:
        yield Caller(client, gateway, base, media)


def twiml(body: str) -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?><Response>{body}</Response>'


def test_an_incoming_call_carries_twilios_parameters_signed(call: Caller) -> None:
    result, gateway = call(
        {"/voice": twiml("<Say>Welcome to 311.</Say>"), "/status": ""},
        [],
        from_number="+16175550199",
        to_number="+16175550311",
    )
    first = gateway.to("/voice")[0]
    assert first.method == "POST"
    assert first.user_agent.startswith("TwilioProxy/")
    params = first.params
    assert re.fullmatch(r"CA[0-9a-f]{32}", params["CallSid"])
    assert re.fullmatch(r"AC[0-9a-f]{32}", params["AccountSid"])
    assert (params["From"], params["Caller"]) == ("+16175550199", "+16175550199")
    assert (params["To"], params["Called"]) == ("+16175550311", "+16175550311")
    assert params["CallStatus"] == "ringing"
    assert (params["Direction"], params["ApiVersion"]) == ("inbound", "2010-04-01")
    for prefix in ("From", "To", "Caller", "Called"):
        assert {f"{prefix}City", f"{prefix}State", f"{prefix}Zip", f"{prefix}Country"} <= set(
            params
        )
    assert params["CallToken"]
    assert result.transcript.heard() == ["Welcome to 311."]
    assert result.transcript.render().splitlines() == [
        "Heard: Welcome to 311.",
        "Call ended by the gateway",
    ]
    status = gateway.to("/status")
    assert len(status) == 1
    assert status[0].params["CallStatus"] == "completed"
    assert status[0].params["CallSid"] == params["CallSid"]
    assert int(status[0].params["CallDuration"]) >= 1
    assert result.ended_by == "gateway"


def test_keys_pressed_at_a_gather_go_to_its_relative_action(call: Caller) -> None:
    routes: dict[str, Handler] = {
        "/voice": twiml(
            '<Gather action="menu/choice" numDigits="1"><Say>Press 1 for potholes.</Say></Gather>'
            "<Say>We did not hear you.</Say>"
        ),
        "/menu/choice": lambda r: twiml(f"<Say>You chose {r.params['Digits']}.</Say>"),
        "/status": "",
    }
    result, gateway = call(routes, [Press("1")])
    choice = gateway.to("/menu/choice")
    assert len(choice) == 1
    assert choice[0].params["Digits"] == "1"
    assert choice[0].params["CallStatus"] == "in-progress"
    assert result.transcript.render().splitlines() == [
        "Heard: Press 1 for potholes.",
        "Pressed 1",
        "Heard: You chose 1.",
        "Call ended by the gateway",
    ]


def test_finish_on_key_ends_the_digits_and_is_not_sent(call: Caller) -> None:
    routes: dict[str, Handler] = {
        "/voice": twiml('<Gather action="/account"><Say>Your number, then pound.</Say></Gather>'),
        "/account": twiml("<Hangup/>"),
        "/status": "",
    }
    _result, gateway = call(routes, [Press("1234#")])
    assert gateway.to("/account")[0].params["Digits"] == "1234"


@pytest.mark.parametrize(
    ("attributes", "keys", "digits"),
    [
        ('finishOnKey="*"', "12*", "12"),
        ('finishOnKey=""', "12#", "12#"),  # no finish key: the timeout submits what came
        ('numDigits="2"', "1234", "12"),  # keys after numDigits are lost
        ("", "987", "987"),  # no finish key pressed: the timeout submits
    ],
)
def test_digits_are_collected_as_twilio_collects_them(
    call: Caller, attributes: str, keys: str, digits: str
) -> None:
    routes: dict[str, Handler] = {
        "/voice": twiml(f'<Gather action="/got" {attributes}/>'),
        "/got": twiml(""),
        "/status": "",
    }
    _result, gateway = call(routes, [Press(keys)])
    assert gateway.to("/got")[0].params["Digits"] == digits


def test_silence_falls_through_to_the_verb_after_the_gather(call: Caller) -> None:
    routes: dict[str, Handler] = {
        "/voice": twiml(
            '<Gather action="/got" numDigits="1"><Say>Press 1.</Say></Gather>'
            "<Say>Sorry, I did not hear anything.</Say><Redirect>/voice</Redirect>"
        ),
        "/got": twiml("<Say>Thanks.</Say>"),
        "/status": "",
    }
    result, gateway = call(routes, [Silence(), Press("1")])
    assert gateway.to("/got")[0].params["Digits"] == "1"
    assert result.transcript.heard() == [
        "Press 1.",
        "Sorry, I did not hear anything.",
        "Press 1.",
        "Thanks.",
    ]
    assert "(silence)" in result.transcript.render().splitlines()


def test_action_on_empty_result_requests_the_action_with_empty_digits(
    call: Caller,
) -> None:
    routes: dict[str, Handler] = {
        "/voice": twiml(
            '<Gather action="/got" actionOnEmptyResult="true"><Say>Press 1.</Say></Gather>'
            "<Say>Never reached.</Say>"
        ),
        "/got": twiml("<Say>Nothing pressed.</Say>"),
        "/status": "",
    }
    result, gateway = call(routes, [Silence()])
    assert gateway.to("/got")[0].params["Digits"] == ""
    assert "Never reached." not in result.transcript.heard()


def test_without_an_action_the_gather_posts_to_the_current_document(
    call: Caller,
) -> None:
    def menu(received: Received) -> str:
        if "Digits" in received.params:
            return twiml(f"<Say>Got {received.params['Digits']}.</Say>")
        return twiml('<Gather numDigits="1"><Say>Press a key.</Say></Gather>')

    _result, gateway = call({"/voice": menu, "/status": ""}, [Press("7")])
    posts = gateway.to("/voice")
    assert [post.params.get("Digits") for post in posts] == [None, "7"]


def test_speech_is_posted_as_speech_result_with_confidence(call: Caller) -> None:
    routes: dict[str, Handler] = {
        "/voice": twiml('<Gather input="speech" action="/where"><Say>Where is it?</Say></Gather>'),
        "/where": twiml(""),
        "/status": "",
    }
    result, gateway = call(routes, [Speak("twelve thirty four washington street", confidence=0.82)])
    params = gateway.to("/where")[0].params
    assert params["SpeechResult"] == "twelve thirty four washington street"
    assert float(params["Confidence"]) == pytest.approx(0.82)
    assert "Digits" not in params
    assert 'Said "twelve thirty four washington street"' in result.transcript.render()


def test_keys_at_a_speech_only_gather_are_not_heard(call: Caller) -> None:
    routes: dict[str, Handler] = {
        "/voice": twiml(
            '<Gather input="speech" action="/where"/><Say>Please say the address.</Say>'
        ),
        "/where": twiml(""),
        "/status": "",
    }
    result, gateway = call(routes, [Press("5")])
    assert gateway.to("/where") == []
    assert result.transcript.heard() == ["Please say the address."]


def test_a_get_action_carries_its_parameters_in_the_query(call: Caller) -> None:
    routes: dict[str, Handler] = {
        "/voice": twiml('<Gather action="/got?menu=main" method="GET" numDigits="1"/>'),
        "/got": twiml(""),
        "/status": "",
    }
    _result, gateway = call(routes, [Press("3")])
    got = gateway.to("/got")[0]
    assert got.method == "GET"
    assert (got.params["menu"], got.params["Digits"]) == ("main", "3")
    assert got.signature_ok


def test_a_recording_is_served_posted_and_reported(call: Caller, tmp_path: Path) -> None:
    audio = tmp_path / "pothole.wav"
    audio.write_bytes(silence_wav(3.0))
    fetched: list[bytes] = []

    def recorded(received: Received) -> str:
        # The gateway fetches the recording as it would fetch Twilio's.
        response = httpx.get(received.params["RecordingUrl"])
        assert response.headers["content-type"] == "audio/x-wav"
        fetched.append(response.content)
        return twiml("<Say>Thank you.</Say>")

    routes: dict[str, Handler] = {
        "/voice": twiml(
            "<Say>Describe the problem after the beep.</Say>"
            '<Record action="/recorded" maxLength="60" finishOnKey="#" '
            'recordingStatusCallback="/recording-status"/>'
        ),
        "/recorded": recorded,
        "/recording-status": "",
        "/status": "",
    }
    result, gateway = call(routes, [SpeakAudio(audio, then="#")])
    action = gateway.to("/recorded")[0].params
    assert re.fullmatch(r"RE[0-9a-f]{32}", action["RecordingSid"])
    assert action["RecordingUrl"].endswith(
        f"/2010-04-01/Accounts/{result.account_sid}/Recordings/{action['RecordingSid']}"
    )
    assert action["RecordingUrl"].startswith("http://127.0.0.1:")
    assert (action["RecordingDuration"], action["Digits"]) == ("3", "#")
    with wave.open(io.BytesIO(fetched[0])) as wav:
        assert wav.getnframes() / wav.getframerate() == pytest.approx(3.0)
    status = gateway.to("/recording-status")
    assert len(status) == 1
    assert status[0].params["RecordingStatus"] == "completed"
    assert status[0].params["RecordingSid"] == action["RecordingSid"]
    assert status[0].params["RecordingDuration"] == "3"
    # The callback comes once the action has been answered.
    order = [item.path for item in gateway.received]
    assert order.index("/recording-status") > order.index("/recorded")
    assert result.transcript.heard() == [
        "Describe the problem after the beep.",
        "(beep)",
        "Thank you.",
    ]


def test_spoken_words_at_a_record_become_audio_of_their_length(call: Caller) -> None:
    routes: dict[str, Handler] = {
        "/voice": twiml('<Record action="/recorded" playBeep="false"/>'),
        "/recorded": twiml(""),
        "/status": "",
    }
    result, gateway = call(routes, [Speak("a deep pothole in front of the school")])
    url = gateway.to("/recorded")[0].params["RecordingUrl"]
    assert httpx.get(url + ".wav").status_code == 200
    params = gateway.to("/recorded")[0].params
    assert "Digits" not in params  # ended by the silence timeout
    assert int(params["RecordingDuration"]) == 3
    assert result.recordings[0].duration == 3


def test_a_long_recording_is_cut_at_max_length(call: Caller, tmp_path: Path) -> None:
    audio = tmp_path / "long.wav"
    audio.write_bytes(silence_wav(12.0))
    routes: dict[str, Handler] = {
        "/voice": twiml('<Record action="/recorded" maxLength="5"/>'),
        "/recorded": twiml(""),
        "/status": "",
    }
    _result, gateway = call(routes, [SpeakAudio(audio)])
    url = gateway.to("/recorded")[0].params["RecordingUrl"]
    with wave.open(io.BytesIO(httpx.get(url).content)) as wav:
        assert wav.getnframes() == 5 * wav.getframerate()
    assert gateway.to("/recorded")[0].params["RecordingDuration"] == "5"


def test_an_empty_recording_requests_nothing_and_goes_on(call: Caller) -> None:
    routes: dict[str, Handler] = {
        "/voice": twiml(
            '<Record action="/recorded" recordingStatusCallback="/recording-status" '
            'recordingStatusCallbackEvent="completed absent"/>'
            "<Say>We did not get a message.</Say>"
        ),
        "/recorded": twiml(""),
        "/recording-status": "",
        "/status": "",
    }
    result, gateway = call(routes, [Silence()])
    assert gateway.to("/recorded") == []
    assert [r.params["RecordingStatus"] for r in gateway.to("/recording-status")] == ["absent"]
    assert result.transcript.heard()[-1] == "We did not get a message."


def test_hanging_up_during_a_record_still_posts_the_recording(call: Caller, tmp_path: Path) -> None:
    audio = tmp_path / "message.wav"
    audio.write_bytes(silence_wav(2.0))
    routes: dict[str, Handler] = {
        "/voice": twiml('<Record action="/recorded"/>'),
        "/recorded": twiml("<Say>This is never heard.</Say>"),
        "/status": "",
    }
    result, gateway = call(routes, [SpeakAudio(audio, then="hangup")])
    assert gateway.to("/recorded")[0].params["Digits"] == "hangup"
    assert "This is never heard." not in result.transcript.heard()
    assert result.ended_by == "caller"
    assert gateway.to("/status")[0].params["CallStatus"] == "completed"


def test_a_dial_that_is_not_answered_reports_no_answer(call: Caller) -> None:
    routes: dict[str, Handler] = {
        "/voice": twiml(
            "<Say>Connecting you to an agent.</Say>"
            '<Dial action="/after-dial" timeout="20">+16175550100</Dial>'
        ),
        "/after-dial": twiml("<Say>Nobody is free. Please call again.</Say>"),
        "/status": "",
    }
    result, gateway = call(routes, [AnswerDial("no-answer")])
    params = gateway.to("/after-dial")[0].params
    assert params["DialCallStatus"] == "no-answer"
    assert re.fullmatch(r"CA[0-9a-f]{32}", params["DialCallSid"])
    assert "Dialled +16175550100 → no-answer" in result.transcript.render().splitlines()
    assert result.transcript.heard()[-1] == "Nobody is free. Please call again."


def test_an_answered_dial_reports_its_duration(call: Caller) -> None:
    routes: dict[str, Handler] = {
        "/voice": twiml('<Dial action="/after-dial"><Client>agent7</Client></Dial>'),
        "/after-dial": twiml(""),
        "/status": "",
    }
    result, gateway = call(routes, [AnswerDial("completed", duration=95)])
    params = gateway.to("/after-dial")[0].params
    assert (params["DialCallStatus"], params["DialCallDuration"]) == ("completed", "95")
    assert int(gateway.to("/status")[0].params["CallDuration"]) >= 95
    assert result.duration >= 95


def test_a_dial_without_action_goes_on_with_the_next_verb(call: Caller) -> None:
    routes: dict[str, Handler] = {
        "/voice": twiml("<Dial>+16175550100</Dial><Say>The agent has left the call.</Say>"),
        "/status": "",
    }
    result, _gateway = call(routes, [AnswerDial("busy")])
    assert result.transcript.heard() == ["The agent has left the call."]


def test_enqueue_plays_the_wait_url_again_each_time_it_ends_until_the_agent_takes_the_caller(
    call: Caller,
) -> None:
    routes: dict[str, Handler] = {
        "/voice": twiml('<Enqueue waitUrl="/hold" action="/left-queue">311 agents</Enqueue>'),
        "/hold": twiml('<Say>You are caller number one.</Say><Pause length="8"/>'),
        "/left-queue": twiml("<Say>Goodbye.</Say>"),
        "/status": "",
    }
    result, gateway = call(routes, [QueueOutcome("bridged", wait=40)])
    # Twilio asks again each time the wait's TwiML ends, with the seconds waited so far
    # (2 s to say the sentence, 8 s of pause): the last pause is cut when the agent takes them.
    waits = gateway.to("/hold")
    assert [r.params["QueueTime"] for r in waits] == ["0", "10", "20", "30"]
    assert waits[0].params["QueuePosition"] == "1"
    params = gateway.to("/left-queue")[0].params
    assert (params["QueueResult"], params["QueueTime"]) == ("bridged", "40")
    assert result.transcript.heard() == ["You are caller number one."] * 4 + ["Goodbye."]


def test_a_wait_url_saying_leave_takes_the_caller_out_of_the_queue(call: Caller) -> None:
    def hold(received: Received) -> str:
        if int(received.params["QueueTime"]) >= 20:
            return twiml("<Leave/>")
        return twiml('<Say>Please stay on the line.</Say><Pause length="8"/>')

    routes: dict[str, Handler] = {
        "/voice": twiml('<Enqueue waitUrl="/hold" action="/left-queue">agents</Enqueue>'),
        "/hold": hold,
        "/left-queue": twiml("<Say>Nobody is free. Goodbye.</Say>"),
        "/status": "",
    }
    result, gateway = call(routes, [QueueOutcome("bridged", wait=600)])
    assert [r.params["QueueTime"] for r in gateway.to("/hold")] == ["0", "10", "20"]
    params = gateway.to("/left-queue")[0].params
    assert (params["QueueResult"], params["QueueTime"]) == ("leave", "20")
    assert result.transcript.heard()[-1] == "Nobody is free. Goodbye."
    assert result.transcript.of_kind(LineKind.QUEUED) == ["Waited in queue agents → leave"]


def test_a_wait_url_that_takes_no_time_is_not_requested_without_end(call: Caller) -> None:
    routes: dict[str, Handler] = {
        "/voice": twiml('<Enqueue waitUrl="/hold" action="/left-queue">agents</Enqueue>'),
        "/hold": twiml(""),
        "/status": "",
    }
    result, gateway = call(routes, [QueueOutcome("bridged", wait=60)])
    assert result.ended_by == "step-limit"
    assert len(gateway.to("/hold")) == MAX_WAIT_FETCHES
    assert gateway.to("/left-queue") == []


def test_a_caller_taken_at_once_hears_no_wait_url(call: Caller) -> None:
    routes: dict[str, Handler] = {
        "/voice": twiml('<Enqueue waitUrl="/hold" action="/left-queue">agents</Enqueue>'),
        "/hold": twiml("<Say>Please stay on the line.</Say>"),
        "/left-queue": twiml(""),
        "/status": "",
    }
    _result, gateway = call(routes, [QueueOutcome("bridged")])
    assert gateway.to("/hold") == []
    assert gateway.to("/left-queue")[0].params["QueueTime"] == "0"


def test_a_redirect_loop_is_stopped_and_the_call_still_reported(call: Caller) -> None:
    routes: dict[str, Handler] = {
        "/voice": twiml('<Say>One moment.</Say><Pause length="1"/><Redirect>/voice</Redirect>'),
        "/status": "",
    }
    pauses: list[float] = []
    result, gateway = call(routes, [], max_requests=12, sleep=pauses.append)
    assert result.ended_by == "step-limit"
    assert len(gateway.to("/voice")) == 12
    assert pauses == [1.0] * 12  # each <Pause length="1"> gave the gateway a real second
    assert gateway.to("/status")[0].params["CallStatus"] == "completed"


def test_a_caller_hanging_up_at_a_gather_ends_with_the_status_callback(
    call: Caller,
) -> None:
    routes: dict[str, Handler] = {
        "/voice": twiml('<Gather action="/got"><Say>Press 1.</Say></Gather><Say>Bye.</Say>'),
        "/got": twiml(""),
        "/status": "",
    }
    result, gateway = call(routes, [HangUp()])
    assert gateway.to("/got") == []
    assert [r.path for r in gateway.received] == ["/voice", "/status"]
    assert gateway.to("/status")[0].params["CallStatus"] == "completed"
    assert result.ended_by == "caller"
    assert result.transcript.render().splitlines()[-1] == "Caller hung up"


def test_the_caller_hangs_up_when_the_script_runs_out(call: Caller) -> None:
    routes: dict[str, Handler] = {
        "/voice": twiml('<Gather action="/got"/>'),
        "/got": twiml(""),
        "/status": "",
    }
    result, gateway = call(routes, [])
    assert gateway.to("/got") == []
    assert result.transcript.of_kind(LineKind.ENDED) == ["Caller hung up (end of script)"]


@pytest.mark.parametrize(
    ("answer", "code"),
    [
        (Response("boom", status=500), "11200"),
        (Response("<Response><Say>unclosed</Response>", mimetype="text/xml"), "12100"),
        (Response("<Response><Speak>hi</Speak></Response>", mimetype="text/xml"), "12100"),
        (Response("{}", mimetype="application/json"), "12300"),
    ],
)
def test_an_app_error_is_what_the_caller_hears(call: Caller, answer: Response, code: str) -> None:
    routes: dict[str, Handler] = {
        "/voice": twiml('<Gather action="/broken" numDigits="1"/>'),
        "/broken": lambda received: answer,
        "/status": "",
    }
    result, gateway = call(routes, [Press("1")])
    assert result.transcript.heard() == [APPLICATION_ERROR]
    errors = result.transcript.of_kind(LineKind.ERROR)
    assert len(errors) == 1
    assert errors[0].startswith(code)
    assert result.ended_by == "error"
    assert gateway.to("/status")[0].params["CallStatus"] == "completed"


def test_a_gateway_slower_than_the_webhook_timeout_is_an_app_error(call: Caller) -> None:
    def slow(received: Received) -> str:
        time.sleep(0.5)
        return twiml("<Say>Too late.</Say>")

    result, _gateway = call({"/voice": slow, "/status": ""}, [], webhook_timeout=0.1)
    assert result.transcript.heard() == [APPLICATION_ERROR]
    assert result.transcript.of_kind(LineKind.ERROR)[0].startswith("11205")


def test_plain_text_is_said_and_audio_is_played(call: Caller) -> None:
    routes: dict[str, Handler] = {
        "/voice": twiml("<Redirect>/text</Redirect>"),
        "/text": lambda r: Response("Hello   from text.", mimetype="text/plain"),
        "/status": "",
    }
    result, _gateway = call(routes, [])
    assert result.transcript.heard() == ["Hello from text."]


def test_an_http_redirect_is_followed_and_signed_for_its_target(call: Caller) -> None:
    routes: dict[str, Handler] = {
        "/voice": lambda r: Response("", status=307, headers={"Location": "/moved"}),
        "/moved": twiml("<Say>Moved here.</Say>"),
        "/status": "",
    }
    result, gateway = call(routes, [])
    assert gateway.to("/moved")[0].method == "POST"
    assert result.transcript.heard() == ["Moved here."]


def test_reject_as_the_first_verb_leaves_the_call_unanswered(call: Caller) -> None:
    routes: dict[str, Handler] = {
        "/voice": twiml('<Reject reason="busy"/><Say>Unreachable.</Say>'),
        "/status": "",
    }
    result, gateway = call(routes, [])
    params = gateway.to("/status")[0].params
    assert (params["CallStatus"], params["CallDuration"]) == ("busy", "0")
    assert result.transcript.heard() == []
    assert result.ended_by == "rejected"


def test_a_script_step_that_does_not_fit_stops_the_call(call: Caller) -> None:
    routes: dict[str, Handler] = {"/voice": twiml('<Gather action="/got"/>'), "/status": ""}
    result, _gateway = call(routes, [AnswerDial("busy")])
    assert result.ended_by == "script"
    assert "dial" in result.transcript.of_kind(LineKind.ENDED)[0]


def test_without_an_auth_token_requests_are_not_signed(call: Caller) -> None:
    seen: list[str | None] = []

    def voice(received: Received) -> str:
        seen.append(request.headers.get("X-Twilio-Signature"))
        return twiml("")

    call.gateway.reset({"/voice": voice})
    place_call(call.client, CallOptions(voice_url=f"{call.base}/voice"), [])
    assert seen == [None]


def test_behind_a_proxy_the_public_url_is_signed_and_mapped_back(call: Caller) -> None:
    public = "https://311.example.gov/city"
    routes: dict[str, Handler] = {
        "/voice": twiml(
            f'<Gather action="{public}/gather" numDigits="1"/>'  # absolute public URL
        ),
        "/gather": twiml("<Redirect>done</Redirect>"),  # relative to the public URL
        "/done": twiml("<Say>Done.</Say>"),
    }
    gateway = call.gateway.reset(routes)
    gateway.public_base = public
    options = CallOptions(
        voice_url=f"{public}/voice", transport_url=f"{call.base}/voice", auth_token=TOKEN
    )
    result = place_call(call.client, options, [Press("4")])
    assert [r.path for r in gateway.received] == ["/voice", "/gather", "/done"]
    assert all(r.signature_ok for r in gateway.received)
    assert result.transcript.heard() == ["Done."]


def signed_gateway(token: str) -> Flask:
    """A gateway whose webhooks sit behind the real signature check, behind a proxy."""
    app = Flask("signed-gateway")
    hooks = Blueprint("hooks", "signed-gateway")
    install_signature_check(
        hooks, SignatureCheck(auth_token=token, public_base_url="https://311.example.gov/")
    )

    @hooks.post("/voice")
    def voice() -> Response:
        return Response(twiml('<Gather action="gather" numDigits="1"/>'), mimetype="text/xml")

    @hooks.post("/gather")
    def gather() -> Response:
        said = f"<Say>You pressed {request.form['Digits']}.</Say>"
        return Response(twiml(said), mimetype="text/xml")

    app.register_blueprint(hooks, url_prefix="/twilio")
    return app


@pytest.mark.parametrize(
    ("token", "heard"), [(TOKEN, "You pressed 9."), ("wrong", APPLICATION_ERROR)]
)
def test_the_gateways_signature_check_accepts_the_simulator_and_only_it(
    call: Caller, token: str, heard: str
) -> None:
    with serve_wsgi(signed_gateway(TOKEN)) as base:
        options = CallOptions(
            voice_url="https://311.example.gov/twilio/voice",
            transport_url=f"{base}/twilio/voice",
            auth_token=token,
        )
        result = place_call(call.client, options, [Press("9")])
    assert result.transcript.heard()[-1] == heard
