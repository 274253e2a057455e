"""Whole calls over HTTP where the place is hard to get: the street's letters keyed and chosen
from a menu, the report filed anyway when nobody can place it, a person when one is there, and
the ZIP-code question asked at most twice. The caller speaks audio (flite through the
telephone channel), recognised by PocketSphinx on this machine; the gateway has no operator
unless a test gives it one.

A street "not recognised" is a recording with no speech in it: its transcript is empty, as the
transcriber's confidence gate makes it for a street heard too unsurely.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from ivr.dashboard.call_view import call_detail
from ivr.dialog.state import CallState
from ivr.simulator import MediaServer, Press, Silence
from ivr.simulator.media import silence_wav
from ivr.simulator.script import Action, AnswerDial, Respond, Step, Turn
from ivr.webhooks.filing import PLACE_UNCONFIRMED_MARK
from tests.calls.phone import AUTH_TOKEN, Gateway, prepared_store, running_gateway
from tests.calls.test_audio_calls import (
    BOSTON_438_WASHINGTON,
    CONSTRUCTION_PLATE,
    AudioFiles,
    metres,
    place,
    published,
    reference_heard,
)

LETTERS = "enter the first three letters of the street name"
NOT_CONFIRMED = "could not confirm the place"
ZIP_QUESTION = "Please enter the five digit ZIP code."
OPTION = re.compile(r"For (.+), press (\d)\.")
OPERATOR_NUMBER = "+16175550100"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    return prepared_store(f"sqlite:///{tmp_path_factory.mktemp('repair') / 'voice311.db'}")


@pytest.fixture(scope="module")
def media() -> Iterator[MediaServer]:
    with MediaServer(auth_token=AUTH_TOKEN) as server:
        yield server


@pytest.fixture(scope="module")
def gateway(store: str, media: MediaServer) -> Iterator[Gateway]:
    with running_gateway(store, media=media, recognizer="pocketsphinx") as live:
        yield live


@pytest.fixture(scope="module")
def audio(tmp_path_factory: pytest.TempPathFactory) -> AudioFiles:
    return AudioFiles(tmp_path_factory.mktemp("repair-audio"))


def choose(street: str) -> Respond:
    """At the menu of streets, the key of the one whose name starts with ``street``."""

    def decide(turn: Turn) -> Action:
        options = [m for line in turn.heard if (m := OPTION.fullmatch(line))]
        keys = [m.group(2) for m in options if m.group(1).startswith(street)]
        assert keys, f"{street} not offered in {turn.heard}"
        return Press(keys[0])

    return Respond(decide, once=True)


def unheard_street_twice(audio: AudioFiles) -> list[Step]:
    """The address not recognised, the house number keyed, the street twice not recognised."""
    quiet = audio.file("quiet.wav", silence_wav(3.0))
    return [*CONSTRUCTION_PLATE, quiet, Press("438#"), quiet, quiet]


def state_of(gateway: Gateway, call_sid: str) -> CallState:
    row = gateway.call_row(call_sid)
    assert row is not None
    return CallState.from_dict(row.state)


def test_a_street_not_recognised_twice_is_found_by_its_letters(
    gateway: Gateway, audio: AudioFiles
) -> None:
    script: list[Step] = [
        *unheard_street_twice(audio),
        Press("927#"),  # W-A-S
        choose("Washington Street"),
        Press("1"),  # that is right
        Silence(),  # no description
        Silence(),
        Press("1"),  # send it
    ]
    result = gateway.call(script)

    heard = result.transcript.heard()
    assert any(LETTERS in line for line in heard)
    assert any(line.startswith("I heard four thirty eight Washington Street") for line in heard)
    request = published(gateway, reference_heard(heard))
    assert metres(place(request), BOSTON_438_WASHINGTON) < 50
    assert not any(NOT_CONFIRMED in line for line in heard)


def test_a_place_that_cannot_be_confirmed_is_filed_with_the_callers_words(
    gateway: Gateway, audio: AudioFiles
) -> None:
    address = audio.say("four thirty eight washington street", "flite:rms")
    street = audio.say("washington street", "flite:rms")
    script: list[Step] = [
        *CONSTRUCTION_PLATE,
        address,
        Press("2"),  # not right (the caller says so, whatever was heard)
        Press("438#"),
        street,
        Press("2"),  # wrong again
        street,
        Press("2"),  # and again: the letters
        Press("927#"),
        Press("9"),  # none of these: and no one to take the call
        audio.say("there is a big hole in the road", "flite:rms"),
        Press("1"),
    ]
    result = gateway.call(script)

    heard = result.transcript.heard()
    assert any(NOT_CONFIRMED in line for line in heard)
    assert "Thank you. Your report has been received." in heard
    request = published(gateway, reference_heard(heard))
    slots = state_of(gateway, result.call_sid).slots
    said = f"{slots['location_words']} / 438 {slots['street_words']}"
    assert "washington" in said.lower()
    assert request["address"] == said  # the caller's own words, as the city receives them
    assert request.get("lat") is None and request.get("long") is None
    assert PLACE_UNCONFIRMED_MARK in str(request["description"])
    (report,) = gateway.reports_of(result.call_sid)
    assert report.address_string == said and report.lat is None
    with gateway.sessions() as session:  # what the staff call page shows
        detail = call_detail(session, result.call_sid, datetime.now(UTC))
    assert detail is not None and detail.delivery is not None
    assert detail.delivery.place_unconfirmed and detail.delivery.address == said
    assert detail.location is not None and detail.location.unconfirmed


def test_with_an_operator_the_caller_is_transferred_and_the_person_files_it(
    own_store: str, media: MediaServer, audio: AudioFiles
) -> None:
    script = [*unheard_street_twice(audio), Press("927#"), Press("9"), AnswerDial("completed", 30)]
    with running_gateway(
        own_store, media=media, recognizer="pocketsphinx", operator_number=OPERATOR_NUMBER
    ) as gateway:
        result = gateway.call(script)
        reports = gateway.reports_of(result.call_sid)
        state = state_of(gateway, result.call_sid)
    heard = result.transcript.heard()
    assert "Please hold while I connect you with a person." in heard
    assert not any(NOT_CONFIRMED in line for line in heard)
    assert reports == []  # the person on the line files it
    assert state.current == "place_by_person" and state.slots["house_number"] == "438"


def test_the_zip_code_question_is_asked_at_most_twice(gateway: Gateway, audio: AudioFiles) -> None:
    address = audio.say("one hundred washington street", "flite:rms")
    street = audio.say("washington street", "flite:rms")

    def caller(turn: Turn) -> Action | None:
        text = turn.text
        if LETTERS in text:
            return None  # the loop is over: the script's next step hangs up
        if ZIP_QUESTION in text:
            return Press("*")  # not my street
        if "Enter the house number" in text:
            return Press("100#")
        if "say just the street name" in text:
            return street
        if "Press 1 if that is right" in text:
            return Press("2")
        return Silence()

    result = gateway.call([*CONSTRUCTION_PLATE, address, Respond(caller)])

    heard = result.transcript.heard()
    asked = [line for line in heard if ZIP_QUESTION in line]
    # the street is ambiguous every time: asked twice, and the third time, the letters
    assert len(asked) == 2
    assert LETTERS in heard[-1]
    assert state_of(gateway, result.call_sid).visits["ask_postal_code"] == 3
