"""Whole simulated calls handed between the machine and staff, both ways.

The gateway runs behind a public URL (``https://311.example.gov``), as behind a proxy; the
simulator signs that URL and reaches the gateway on 127.0.0.1. Staff's side: the agents' queue
TwiML (``/twilio/voice/agent``) takes queued callers, and Twilio's REST API is the local
stand-in (``TwilioApi``), whose call updates reach the simulated call in progress.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from flask import Flask

from ivr.app import create_app
from ivr.dialog.state import CallState
from ivr.handoff.desk import HandoffDesk, HandoffError
from ivr.runtime import Runtime
from ivr.settings import Settings
from ivr.simulator import (
    AnswerDial,
    CallOptions,
    Hold,
    LineKind,
    LiveCalls,
    MediaServer,
    Press,
    QueueOutcome,
    Silence,
    Speak,
    place_call,
)
from ivr.simulator.call import CallResult
from ivr.simulator.sids import new_sid
from tests.calls.phone import AUTH_TOKEN, prepared_store
from tests.calls.test_whole_calls import PAVEMENT_DEFECT, published, reference_heard
from tests.support.live_server import serve_wsgi
from tests.support.twilio_api import TwilioApi

PUBLIC = "https://311.example.gov"
ACCOUNT = "AC" + "2" * 32
QUEUE = "staff"
ADDRESS = Speak("four thirty eight washington street")
HOLD = "Please hold while I connect you with a person."
ASK_ADDRESS = "Where is the problem? Please say the street address, like 100 Main Street."
ENTER_CODE = "Please enter the six digit code the 311 agent gave you."
ENTER_CODE_ES = "Por favor marque el código de seis dígitos que le dio el agente del 311."


@dataclass
class Line:
    """The staffed gateway: its app, the Twilio stand-in and the live calls it can redirect."""

    app: Flask
    base_url: str
    http: httpx.Client
    media: MediaServer
    twilio: TwilioApi
    live: LiveCalls
    threads: list[threading.Thread] = field(default_factory=list)

    @property
    def handoffs(self) -> HandoffDesk:
        return self.app.extensions["voice311"].handoffs

    def call(self, script: list[Any], *, path: str = "", call_sid: str = "") -> CallResult:
        options = CallOptions(
            voice_url=f"{PUBLIC}/twilio/voice{path}",
            transport_url=f"{self.base_url}/twilio/voice{path}",
            auth_token=AUTH_TOKEN,
            account_sid=ACCOUNT,
            status_callback=f"{PUBLIC}/twilio/voice/status",
            pause_pace=0.05,
            agent_url=f"{PUBLIC}/twilio/voice/agent",
        )
        return place_call(
            self.http, options, script, media=self.media, call_sid=call_sid, live=self.live
        )

    def call_in_background(self, script: list[Any]) -> tuple[str, list[CallResult]]:
        """Start a call that Twilio knows as live; its result is added to the list at its end."""
        sid, results = new_sid("CA"), []
        self.twilio.live_call(sid)
        thread = threading.Thread(target=lambda: results.append(self.call(script, call_sid=sid)))
        thread.start()
        self.threads.append(thread)
        return sid, results

    def finish(self) -> None:
        for thread in self.threads:
            thread.join(timeout=60)
        self.threads.clear()

    def state(self, sid: str) -> CallState:
        state = self.app.extensions["voice311"].desk.state(sid)
        assert state is not None
        return state


@pytest.fixture(scope="module")
def line(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Line]:
    folder: Path = tmp_path_factory.mktemp("handoffs")
    url = prepared_store(f"sqlite:///{folder / 'voice311.db'}")
    live = LiveCalls()
    twilio = TwilioApi(ACCOUNT, AUTH_TOKEN, on_redirect=live.redirect)
    with serve_wsgi(twilio.app) as api_url:
        settings = Settings(
            recognizer="twilio",  # the caller script speaks words, not audio
            database_url=url,
            public_base_url=PUBLIC,
            twilio_auth_token=AUTH_TOKEN,
            twilio_account_sid=ACCOUNT,
            twilio_api_base_url=api_url,
            operator_queue=QUEUE,
            geocoder_city="Boston",
            geocoder_region="MA",
        )
        app = create_app(settings)
        rt: Runtime = app.extensions["voice311"]
        with serve_wsgi(app) as base, httpx.Client(timeout=15) as http, MediaServer() as media:
            rt.work.start(interval=0.2)
            staffed = Line(app, base, http, media, twilio, live)
            try:
                yield staffed
            finally:
                staffed.finish()
                rt.work.stop()
                rt.engine.dispose()


def agent_heard(result: CallResult) -> list[str]:
    return result.transcript.of_kind(LineKind.AGENT_HEARD)


def test_a_caller_pressing_0_waits_in_the_queue_and_the_agent_hears_service_and_address(
    line: Line,
) -> None:
    script = [*PAVEMENT_DEFECT, ADDRESS, Press("0"), QueueOutcome("bridged", wait=12)]
    result = line.call(script)

    assert HOLD in result.transcript.heard()
    assert result.transcript.of_kind(LineKind.QUEUED) == [f"Waited in queue {QUEUE} → bridged"]
    (whisper,) = agent_heard(result)
    assert whisper.startswith("311 caller about pavement defect. Address: four thirty eight")
    assert "Washington Street" in whisper
    staff = line.state(result.call_sid).staff
    assert staff is not None and staff.status == "with staff" and staff.via == QUEUE
    assert staff.agent_call.startswith("CA") and staff.agent_call != result.call_sid


def test_a_caller_whose_last_attempt_failed_goes_to_the_queue(line: Line) -> None:
    # silent twice at the address (the keypad), then twice at the house number (a person)
    silences = [Silence()] * 4
    result = line.call([*PAVEMENT_DEFECT, *silences, QueueOutcome("bridged")])

    heard = result.transcript.heard()
    assert heard.count(ASK_ADDRESS) == 2 and HOLD in heard
    assert agent_heard(result) == ["311 caller about pavement defect. No address yet."]


def test_staff_send_a_live_caller_into_the_address_step_and_get_them_back_with_it(
    line: Line,
) -> None:
    script = [Silence(), Press("0"), QueueOutcome("bridged"), Hold(30)]
    script += [ADDRESS, Press("1"), QueueOutcome("bridged")]
    sid, results = line.call_in_background(script)
    assert line.live.wait_until_holding(sid, 30)
    before = line.state(sid)
    assert before.staff is not None and before.staff.status == "with staff"

    line.handoffs.send_live(sid, "ask_location", {"service_code": "25"}, "agent ann")
    line.finish()

    (result,) = results
    heard = result.transcript.heard()
    assert ASK_ADDRESS in heard  # the flow asked for the address
    assert any(text.startswith("I heard four thirty eight Washington Street") for text in heard)
    assert heard[-1] == HOLD  # back to staff once the address is confirmed (taken at once)
    first, back = agent_heard(result)
    assert first == "311 caller about no service chosen yet. No address yet."
    assert back.startswith("Your caller is back from the automated line. 311 caller about")
    assert "Address: four thirty eight Washington Street" in back
    (update,) = [u for u in line.twilio.call_updates() if u.path.endswith(f"/Calls/{sid}.json")]
    assert update.form["Url"].startswith(f"{PUBLIC}/twilio/voice/handoff/")
    assert update.form["Method"] == "POST"

    state = line.state(sid)
    assert state.service_code == "25"
    assert state.location is not None and state.location.outcome == "done"
    assert (state.location.house_number, state.location.street) == ("438", "Washington Street")
    assert state.staff is not None and state.staff.part_done and state.staff.agent == "agent ann"


def test_twilio_refusing_the_update_is_a_clear_error_and_the_caller_stays(line: Line) -> None:
    sid, results = line.call_in_background([Silence(), Press("0"), QueueOutcome(), Hold(1)])
    assert line.live.wait_until_holding(sid, 30)
    line.twilio.live_call(sid, "completed")  # Twilio has the call as over already
    with pytest.raises(HandoffError, match="no longer in progress"):
        line.handoffs.send_live(sid, "ask_location", {}, "agent ann")
    line.finish()
    (result,) = results
    assert ASK_ADDRESS not in result.transcript.heard()


def test_a_finished_call_or_an_unknown_step_cannot_be_handed_off(line: Line) -> None:
    result = line.call([Silence(), Press("0"), QueueOutcome()])
    with pytest.raises(HandoffError, match="not in progress any more"):
        line.handoffs.send_live(result.call_sid, "ask_location", {}, "agent ann")
    with pytest.raises(HandoffError, match="not a step staff can send a caller to"):
        line.handoffs.send_live(result.call_sid, "submit", {}, "agent ann")
    with pytest.raises(HandoffError, match="service_code"):
        line.handoffs.new_code("ask_location", {"service_code": "nope"}, "agent ann")


def test_a_handoff_code_starts_the_flow_at_the_agents_step_and_files_the_report(
    line: Line,
) -> None:
    code = line.handoffs.new_code("ask_location", {"service_code": "25"}, "agent ann")
    assert len(code) == 6 and code.isdigit()
    script = [Press(code), ADDRESS, Press("1"), Speak("a broken slab"), Press("1")]
    result = line.call(script, path="/handoff")

    heard = result.transcript.heard()
    assert heard[:2] == [ENTER_CODE, ENTER_CODE_ES]  # the line speaks every language
    assert heard[2] == ASK_ADDRESS
    request = published(line_gateway(line), reference_heard(heard))
    assert request["service_code"] == "25"
    assert request["address"] == "438 Washington Street, Boston, MA 02135"
    staff = line.state(result.call_sid).staff
    assert staff is not None and staff.agent == "agent ann" and staff.target == "ask_location"

    again = line.call([Press(code), Press("000000"), Press("999999")], path="/handoff")
    assert again.transcript.heard().count("Sorry, that code is not one we know.") == 3
    assert again.transcript.heard()[-4:] == [
        "Sorry, that code is not one we know.",
        "Please call 311 again and ask for a new code. Goodbye.",
        "Lo siento, no conocemos ese código.",
        "Por favor llame otra vez al 311 y pida un código nuevo. Adiós.",
    ]


def test_an_expired_code_is_refused_and_the_caller_may_try_another(line: Line) -> None:
    desk = line.handoffs
    calls = line.app.extensions["voice311"].desk
    past = datetime.now(UTC) - timedelta(hours=2)
    stale = HandoffDesk(
        line.app.extensions["voice311"].settings,
        calls,
        desk.book,
        lambda: None,  # type: ignore[arg-type, return-value]
        languages=("en", "es"),
        clock=lambda: past,
    )
    expired = stale.new_code("main_menu", {"language": "es"}, "agent bo")
    fresh = desk.new_code("main_menu", {"language": "es"}, "agent bo")
    result = line.call([Press(expired), Press(fresh)], path="/handoff")

    heard = result.transcript.heard()
    # a Spanish-speaking caller, sent by a Spanish-speaking agent, is told in Spanish too
    assert heard[2:6] == [
        "Sorry, that code has expired. The agent can give you a new one.",
        ENTER_CODE,
        "Lo siento, ese código ya venció. El agente le puede dar uno nuevo.",
        ENTER_CODE_ES,
    ]
    assert line.state(result.call_sid).language == "es"
    assert any("español" in text.lower() or "¿" in text for text in heard[6:])


def line_gateway(line: Line) -> Any:
    """What ``published`` needs of a gateway: ``requests_published`` over HTTP."""

    class _Published:
        def requests_published(self) -> list[dict[str, Any]]:
            response = line.http.get(f"{line.base_url}/open311/v2/requests.json")
            response.raise_for_status()
            result: list[dict[str, Any]] = response.json()
            return result

    return _Published()


def test_a_person_dialled_hears_the_whisper_before_the_caller_is_connected(line: Line) -> None:
    rt: Runtime = line.app.extensions["voice311"]
    settings = rt.settings.replace(operator_queue="", operator_number="+16175550100")
    app = create_app(settings)
    with serve_wsgi(app) as base:
        dialled = Line(app, base, line.http, line.media, line.twilio, line.live)
        result = dialled.call([*PAVEMENT_DEFECT, ADDRESS, Press("0"), AnswerDial("completed", 40)])
        state = dialled.state(result.call_sid)
    app.extensions["voice311"].engine.dispose()

    assert result.transcript.of_kind(LineKind.DIALLED) == ["Dialled +16175550100 → completed"]
    (whisper,) = agent_heard(result)
    assert whisper.startswith("311 caller about pavement defect. Address: four thirty eight")
    assert state.staff is not None and state.staff.via == "number"
    assert state.staff.status == "with staff" and state.staff.agent_call.startswith("CA")
