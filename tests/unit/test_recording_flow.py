"""The offline-speech intake: the address said into a short <Record> whose transcript the
lookup waits for, the report waiting a moment for the description's transcript, and the
description filed as an automatic transcript (or as a note that staff have the recording)."""

from __future__ import annotations

from xml.etree.ElementTree import Element

import pytest
from defusedxml.ElementTree import fromstring

from flows.catalogue import Catalogue, load_catalogues
from flows.check import check_flow
from flows.generate import intake_flow
from flows.model import Flow
from ivr.dialog.actions import Record
from ivr.dialog.events import Event
from ivr.open311.catalogue import load_service_catalogue
from ivr.settings import Settings
from ivr.webhooks.filing import description
from ivr.webhooks.twiml import render_twiml
from tests.unit.call_driver import Call, FakeResolver, place

URL = "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1"


@pytest.fixture(scope="module")
def catalogues() -> dict[str, Catalogue]:
    return load_catalogues()


@pytest.fixture(scope="module")
def offline() -> Flow:
    services = load_service_catalogue(Settings().services_path)
    definitions = {d.service_code: d for d in services.definitions}
    return intake_flow(services.services, definitions, recognizer="pocketsphinx")


def at_location(flow: Flow, catalogues: dict[str, Catalogue]) -> Call:
    resolver = FakeResolver()
    resolver.knows("four thirty eight washington street", place("438", "Washington Street"))
    call = Call(flow, catalogues, resolver=resolver)
    call.start()
    call.silence()  # no Spanish
    call.press("2")  # street defects
    call.press("1")  # construction plate shifted
    assert call.state.current == "ask_location"
    return call


def test_the_offline_intake_passes_every_check(offline: Flow, catalogues) -> None:
    assert check_flow(offline, catalogues) == []


def test_the_address_is_a_short_recording_without_a_tone(offline: Flow, catalogues) -> None:
    call = at_location(offline, catalogues)
    record = next(a for a in call.actions if isinstance(a, Record))
    root: Element = fromstring(
        render_twiml(call.actions, catalogues=catalogues, urls=lambda e, s: f"https://gw/{s}/{e}")
    )
    verb = root.find("Record")
    assert verb is not None
    assert (verb.get("timeout"), verb.get("maxLength"), verb.get("playBeep")) == (
        "1",
        "10",
        "false",
    )
    assert record.step == call.state.step


def test_the_lookup_waits_for_the_transcript_then_reads_it_back(offline: Flow, catalogues):
    call = at_location(offline, catalogues)
    call.send(Event.recording(URL, 2, step=call.state.step))
    assert call.heard() == ["One moment, please."]
    (job,) = call.jobs
    assert (job.name, job.data["grammar"], job.data["slot"]) == (
        "transcribe",
        "streets",
        "location_words",
    )
    result = {"text": "four thirty eight washington street", "slots": {"x_source": "t"}}
    call.send(Event.job_result(job.key, result))
    call.send(Event.redirect(step=call.state.step))
    assert call.heard()[0].startswith("I heard four thirty eight Washington Street")
    assert call.state.current == "confirm_location"


def test_nothing_recognised_leads_to_the_keypad(offline: Flow, catalogues) -> None:
    call = at_location(offline, catalogues)
    call.send(Event.recording(URL, 2, step=call.state.step))
    (job,) = call.jobs
    call.send(Event.job_result(job.key, {"text": "", "slots": {}}))
    call.send(Event.redirect(step=call.state.step))
    assert call.heard() == [call.text("location.house_number")]
    assert call.state.current == "ask_house_number"


def test_the_street_alone_is_recognised_against_street_names(offline: Flow, catalogues):
    call = at_location(offline, catalogues)
    call.silence()
    call.silence()  # two silences: the keypad path
    call.press("438#")
    assert call.state.current == "ask_street"
    call.send(Event.recording(URL + "2", 1, step=call.state.step))
    assert call.jobs[-1].data["grammar"] == "street_names"


def test_the_twilio_intake_keeps_speech_gathers() -> None:
    services = load_service_catalogue(Settings().services_path)
    flow = intake_flow(services.services, {}, recognizer="twilio")
    assert flow.states["ask_location"].type == "ask_speech"
    assert "await_description" not in flow.states


@pytest.mark.parametrize(
    ("slots", "pending", "filed"),
    [
        (
            {"description": "a plate  moved", "description_source": "automatic transcript"},
            {},
            "[automatic transcript] a plate moved",
        ),
        ({"description": "typed by staff"}, {}, "typed by staff"),
        ({"description": "", "description_url": URL}, {"description": "k"}, "not been transcribed"),
        ({"description": "", "description_url": URL}, {}, "for staff to listen to"),
        ({}, {}, ""),
    ],
)
def test_the_description_filed(slots, pending, filed) -> None:
    text = description(slots, pending)
    assert filed in text if filed else text == ""
    assert "Recordings/" not in text
