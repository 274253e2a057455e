"""A reacting caller (``Respond``) against a tiny TwiML app over real HTTP: the caller hears a
read-back, says "1" only when it names their address, and follows the repair the app offers
inside the same call.

The app reads back a place it chooses per test; after a "2" it asks for the house number by
keypad and reads back what it was given. The tests assert what the app received.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from flask import Flask, request

from ivr.simulator import (
    CallOptions,
    CallResult,
    HangUp,
    LineKind,
    Press,
    Respond,
    Silence,
    Turn,
    place_call,
)
from ivr.simulator.script import Action, Step
from tests.support.live_server import serve_wsgi

READ_BACK = re.compile(r"I heard (.+)\. Press 1 if that is right, 2 to try again\.")


def twiml(body: str) -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?><Response>{body}</Response>'


def read_back_app(first_guess: str, received: list[tuple[str, str]]) -> Flask:
    """Asks where, reads back ``first_guess``; on "2" asks for the house number and reads
    back "<number> Main Street"; on "1" says goodbye."""
    app = Flask("read-back")

    def confirm(address: str) -> str:
        return twiml(
            '<Say>One moment, please.</Say><Pause length="1"/>'
            '<Gather action="/confirm" numDigits="1">'
            f"<Say>I heard {address}. Press 1 if that is right, 2 to try again.</Say></Gather>"
        )

    @app.post("/voice")
    def voice() -> str:
        return twiml(
            '<Gather action="/where" numDigits="1"><Say>Where is the problem?</Say></Gather>'
        )

    @app.post("/where")
    def where() -> str:
        received.append(("where", request.form.get("Digits", "")))
        return confirm(first_guess)

    @app.post("/confirm")
    def confirmed() -> str:
        digits = request.form.get("Digits", "")
        received.append(("confirm", digits))
        if digits == "1":
            return twiml("<Say>Thank you. Goodbye.</Say><Hangup/>")
        return twiml(
            '<Gather action="/number" finishOnKey="#">'
            "<Say>Let's try again. Enter the house number, then press pound.</Say></Gather>"
        )

    @app.post("/number")
    def number() -> str:
        digits = request.form.get("Digits", "")
        received.append(("number", digits))
        return confirm(f"{digits} Main Street")

    @app.post("/status")
    def status() -> str:
        return ""

    return app


class MainStreetCaller:
    """Lives at 12 Main Street: says it (keys "1" for the sketch's "where"), confirms a
    read-back of their address only, keys the house number when asked, hangs up otherwise.
    ``turns`` keeps every turn it was asked about."""

    def __init__(self) -> None:
        self.turns: list[Turn] = []

    def __call__(self, turn: Turn) -> Action | None:
        self.turns.append(turn)
        if "Where is the problem?" in turn.heard:
            return Press("1")
        if found := READ_BACK.search(turn.text):
            return Press("1" if found.group(1) == "12 Main Street" else "2")
        if "Enter the house number" in turn.text:
            return Press("12#")
        return HangUp()


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client() as client:
        yield client


def run_call(http: httpx.Client, app: Flask, steps: list[Step]) -> CallResult:
    with serve_wsgi(app) as base:
        options = CallOptions(voice_url=f"{base}/voice", status_callback=f"{base}/status")
        return place_call(http, options, steps, sleep=lambda seconds: None)


def test_a_right_read_back_is_confirmed_at_once(http: httpx.Client) -> None:
    received: list[tuple[str, str]] = []
    caller = MainStreetCaller()
    result = run_call(http, read_back_app("12 Main Street", received), [Respond(caller)])

    assert received == [("where", "1"), ("confirm", "1")]
    assert result.transcript.heard()[-1] == "Thank you. Goodbye."
    assert result.ended_by == "gateway"
    # the read-back turn carried what was said since the caller pressed "1": the hold, then it
    assert caller.turns[1].heard == (
        "One moment, please.",
        "I heard 12 Main Street. Press 1 if that is right, 2 to try again.",
    )
    assert (caller.turns[1].verb, caller.turns[1].keys, caller.turns[1].speech) == (
        "gather",
        True,
        False,
    )


def test_a_wrong_read_back_is_refused_and_repaired_in_the_same_call(http: httpx.Client) -> None:
    received: list[tuple[str, str]] = []
    caller = MainStreetCaller()
    result = run_call(http, read_back_app("20 Maine Street", received), [Respond(caller)])

    assert received == [
        ("where", "1"),
        ("confirm", "2"),
        ("number", "12"),
        ("confirm", "1"),
    ]
    assert result.transcript.of_kind(LineKind.PRESSED) == [
        "Pressed 1",
        "Pressed 2",
        "Pressed 12#",
        "Pressed 1",
    ]
    assert result.transcript.heard()[-1] == "Thank you. Goodbye."


def test_a_caller_who_is_done_hands_the_wait_to_the_next_step(http: httpx.Client) -> None:
    received: list[tuple[str, str]] = []

    def only_the_first_question(turn: Turn) -> Action | None:
        return Press("1") if "Where is the problem?" in turn.heard else None

    steps: list[Step] = [Respond(only_the_first_question), Press("2"), Silence()]
    result = run_call(http, read_back_app("12 Main Street", received), steps)

    # the read-back was answered by the plain step after the caller was done, the keypad
    # question by the silence (no input: the document ends)
    assert received == [("where", "1"), ("confirm", "2")]
    assert result.transcript.of_kind(LineKind.PRESSED) == ["Pressed 1", "Pressed 2"]
    assert result.transcript.of_kind(LineKind.SILENCE) == ["(silence)"]


def test_a_once_step_answers_one_wait_only(http: httpx.Client) -> None:
    received: list[tuple[str, str]] = []
    asked: list[str] = []

    def confirm_anything(turn: Turn) -> Action:
        asked.append(turn.text)
        return Press("1")

    steps: list[Step] = [Press("1"), Respond(confirm_anything, once=True), HangUp()]
    result = run_call(http, read_back_app("99 Elm Street", received), steps)

    assert received == [("where", "1"), ("confirm", "1")]
    assert len(asked) == 1 and "I heard 99 Elm Street." in asked[0]
    assert result.ended_by == "gateway"
