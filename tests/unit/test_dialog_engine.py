"""The dialog engine walked event by event: what the caller hears, and what would be filed."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from flows.catalogue import Catalogue, load_catalogues
from flows.generate import intake_flow
from flows.loader import FLOWS_DIR, flow_from_document, load_flow
from flows.model import Flow
from ivr.addresses.types import AddressCandidate, GeocodeResult, MatchLevel
from ivr.dialog.actions import Dial, Gather, Hangup, Record, Redirect
from ivr.dialog.context import TransferTarget
from ivr.dialog.events import Event
from ivr.dialog.state import CallState
from ivr.open311.catalogue import load_service_catalogue
from ivr.open311.models import Attribute, AttributeValue, Service, ServiceDefinition
from ivr.settings import Settings
from tests.unit.call_driver import OPERATOR_NUMBER, Call, FakeResolver, place


@pytest.fixture(scope="module")
def catalogues() -> dict[str, Catalogue]:
    return load_catalogues()


@pytest.fixture(scope="module")
def sf_services() -> tuple[Service, ...]:
    return load_service_catalogue(Settings().services_path).services


@pytest.fixture(scope="module")
def intake(sf_services: tuple[Service, ...]) -> Flow:
    return intake_flow(sf_services, {})


def key_for(flow: Flow, state: str, name: str) -> str:
    option = next(o for o in flow.states[state].options if o.name == name and o.key)
    assert option.key is not None
    return option.key


def to_main_menu(call: Call) -> None:
    call.start()
    call.silence()  # the welcome's short pause for "para español" passes
    assert call.state.current == "main_menu"


def test_the_caller_is_welcomed_and_offered_spanish(intake: Flow, catalogues) -> None:
    call = Call(intake, catalogues)
    heard = call.start()
    assert heard[0] == call.text("intake.welcome")
    assert call.text("common.operator_hint") in heard
    assert heard[-1] == "Para español, oprima nueve."


def test_keypad_and_voice_choose_the_same_option(intake: Flow, catalogues) -> None:
    by_key, by_voice = Call(intake, catalogues), Call(intake, catalogues)
    to_main_menu(by_key)
    to_main_menu(by_voice)
    heard_key = by_key.press(key_for(intake, "main_menu", "graffiti"))
    heard_voice = by_voice.say("it's about graffiti")
    assert by_key.state.current == by_voice.state.current == "group4_graffiti"
    assert heard_key == heard_voice
    assert by_key.text("menu.option", name="graffiti public bike rack", key="1") in heard_key


@pytest.mark.parametrize(("language_key", "back"), [(None, "star"), ("9", "asterisco")])
def test_the_back_key_is_said_as_a_word(intake: Flow, catalogues, language_key, back) -> None:
    """A voice given "press *" may say "asterisk", or nothing: the key is said with the
    catalogue's word, as the other prompts say it ("press star", "oprima asterisco")."""
    call = Call(intake, catalogues)
    call.start()
    call.press(language_key) if language_key else call.silence()
    assert call.state.current == "main_menu"
    heard = call.press(key_for(intake, "main_menu", "graffiti"))
    assert heard[-1].endswith(f", {back}.") or heard[-1].endswith(f" {back}.")
    assert not any("*" in line for line in heard)


def test_a_service_can_be_said_at_the_first_menu(intake: Flow, catalogues) -> None:
    call = Call(intake, catalogues)
    to_main_menu(call)
    heard = call.say("a damaged tree")
    assert call.state.service_code == "6"
    assert call.state.service_name == "damaged tree"
    assert heard == [call.text("location.ask")]


def test_an_unclear_answer_is_asked_again_kindly(intake: Flow, catalogues) -> None:
    call = Call(intake, catalogues)
    to_main_menu(call)
    heard = call.say("banana")
    assert heard[0] == "Sorry, I didn't catch that."
    assert heard[1] == call.text("intake.choose_group")
    assert call.state.current == "main_menu"


def test_two_silences_then_a_person(intake: Flow, catalogues) -> None:
    call = Call(intake, catalogues)
    to_main_menu(call)
    heard = call.silence()
    assert heard[0] == "Sorry, I didn't hear anything."
    assert call.state.current == "main_menu"
    heard = call.silence()
    assert heard == [call.text("common.transfer")]
    dial = call.actions[-1]
    assert isinstance(dial, Dial) and dial.number == OPERATOR_NUMBER
    assert dial.step == call.state.step


@pytest.mark.parametrize("answer", [("press", "0"), ("say", "operator"), ("say", "a person")])
def test_zero_or_asking_reaches_a_person_at_a_menu(intake: Flow, catalogues, answer) -> None:
    call = Call(intake, catalogues)
    to_main_menu(call)
    how, what = answer
    heard = call.press(what) if how == "press" else call.say(what)
    assert heard == [call.text("common.transfer")]
    assert isinstance(call.actions[-1], Dial)


def test_zero_reaches_a_person_while_giving_the_address(intake: Flow, catalogues) -> None:
    call = Call(intake, catalogues)
    to_main_menu(call)
    call.say("damaged tree")
    assert call.state.current == "ask_location"
    call.press("0")
    assert call.state.current == "operator"
    assert isinstance(call.actions[-1], Dial)


def test_no_one_free_ends_the_call_kindly(intake: Flow, catalogues) -> None:
    call = Call(intake, catalogues)
    to_main_menu(call)
    call.press("0")
    call.send(Event.dial_result("no-answer", step=call.state.step))
    assert call.heard() == [call.text("common.transfer_failed")]
    assert isinstance(call.actions[-1], Hangup)
    assert call.state.ended


def test_without_a_transfer_target_the_caller_is_told(intake: Flow, catalogues) -> None:
    call = Call(intake, catalogues, transfers={})
    to_main_menu(call)
    heard = call.press("0")
    assert heard == [call.text("common.transfer_failed")]
    assert call.state.ended


def test_spanish_switch(intake: Flow, catalogues) -> None:
    call = Call(intake, catalogues)
    call.start()
    heard = call.press("9")
    assert call.state.language == "es"
    # The welcome and the way to a person again, the recording notice, in the language just
    # chosen, then the first menu.
    assert heard[:3] == [
        call.text("intake.welcome", "es"),
        call.text("common.operator_hint", "es"),
        call.text("common.recording_notice", "es"),
    ]
    assert heard[3] == call.text("intake.choose_group", "es")
    gather = call.actions[3]
    assert isinstance(gather, Gather) and gather.language == "es"
    heard = call.say("cinco")  # the fifth choice, said in Spanish
    assert call.state.current == "group4_graffiti"
    assert heard[0] == call.text("intake.choose_service", "es")


def test_replayed_event_returns_the_same_outcome_once(intake: Flow, catalogues) -> None:
    call = Call(intake, catalogues)
    to_main_menu(call)
    press = Event.keypress(key_for(intake, "main_menu", "graffiti"), step=call.state.step)
    first = call.send(press)
    again = call.send(press)  # Twilio retried the same webhook
    assert again.replayed and not first.replayed
    assert again.actions == first.actions
    assert again.state == first.state
    start_again = call.send(Event.start())
    assert start_again.replayed and start_again.state == first.state


def _resolver() -> FakeResolver:
    resolver = FakeResolver()
    resolver.knows("1234 washington street", place("1234", "Washington Street"))
    resolver.knows("1243 washington street", place("1243", "Washington Street"))
    return resolver


def test_location_is_read_back_and_can_be_corrected(intake: Flow, catalogues) -> None:
    resolver = _resolver()
    call = Call(intake, catalogues, resolver=resolver)
    to_main_menu(call)
    call.say("damaged tree")
    heard = call.say("1234 washington street")
    assert heard == [
        "I heard twelve thirty four Washington Street, zero two one one eight. "
        "Press 1 if that is right, 2 to try again."
    ]
    heard = call.press("2")
    assert heard == [call.text("location.house_number")]
    heard = call.press("1243")
    assert heard == [call.text("location.street")]
    heard = call.say("washington street")
    assert resolver.calls[-1] == ("1243 washington street", None)
    assert heard == [
        "I heard twelve forty three Washington Street, zero two one one eight. "
        "Press 1 if that is right, 2 to try again."
    ]
    heard = call.say("yes that's right")
    assert heard == [call.text("description.ask")]
    assert isinstance(call.actions[-2], Record)
    assert call.state.location is not None and call.state.location.house_number == "1243"


def test_a_wrong_street_read_back_asks_for_the_street_once_more_then_its_letters(
    intake: Flow, catalogues
) -> None:
    call = Call(intake, catalogues, resolver=_resolver())
    to_main_menu(call)
    call.say("damaged tree")
    call.say("1234 washington street")
    call.press("2")
    call.press("1243")
    call.say("washington street")
    assert call.press("2") == [call.text("location.street")]  # the street, once more
    call.say("washington street")
    assert call.press("2") == [call.text("location.street_letters")]


def test_an_unknown_address_asks_number_then_street(intake: Flow, catalogues) -> None:
    call = Call(intake, catalogues, resolver=_resolver())
    to_main_menu(call)
    call.say("damaged tree")
    heard = call.say("somewhere over the rainbow")
    assert heard == [call.text("location.house_number")]


def test_ambiguous_street_asks_for_the_postal_code(intake: Flow, catalogues) -> None:
    resolver = FakeResolver()
    resolver.knows("12 main street", place("12", "Main Street", "02129"), ambiguous=True)
    resolver.knows(
        "12 main street", place("12", "Main Street", "02129"), postal_code="02129", score=0.97
    )
    call = Call(intake, catalogues, resolver=resolver)
    to_main_menu(call)
    call.say("damaged tree")
    heard = call.say("12 main street")
    assert heard == [call.text("location.postal_code", address="twelve Main Street")]
    gather = call.actions[0]
    assert isinstance(gather, Gather) and gather.num_digits == 5
    heard = call.press("02129")
    assert resolver.calls[-1] == ("12 main street", "02129")
    assert heard == [
        "I heard twelve Main Street, zero two one two nine. "
        "Press 1 if that is right, 2 to try again."
    ]


def test_a_street_without_the_number_heard_goes_to_the_keypad_not_the_zip_code(
    intake: Flow, catalogues
) -> None:
    # "1088 Templeton Way": Templeton Way is in two postal codes and has no 1088. Asking the
    # ZIP code of a street the caller probably never said leads nowhere: the keypad asks again.
    resolver = FakeResolver()
    street_only = GeocodeResult(
        level=MatchLevel.STREET,
        score=0.34,
        place=place("", "Templeton Way", "02124"),
        ambiguous=True,
        ask_about=("02124", "02125"),
        candidate=AddressCandidate("1088", "TEMPLETON WAY"),
    )
    resolver.answers[("1088 templeton way", None)] = [street_only]
    call = Call(intake, catalogues, resolver=resolver)
    to_main_menu(call)
    call.say("damaged tree")
    heard = call.say("1088 templeton way")
    assert heard == [call.text("location.house_number")]


def _definitions() -> dict[str, ServiceDefinition]:
    kinds = (AttributeValue("oak", "Oak"), AttributeValue("elm", "Elm"))
    return {
        "6": ServiceDefinition(
            "6",
            (
                Attribute(
                    "tree_kind",
                    "singlevaluelist",
                    "What kind of tree?",
                    True,
                    order=1,
                    values=kinds,
                ),
                Attribute("height", "number", "How tall is it, in feet?", False, order=2),
            ),
        )
    }


def test_a_whole_report_is_filed_with_what_the_caller_said(sf_services, catalogues) -> None:
    flow = intake_flow(sf_services, _definitions())
    call = Call(flow, catalogues, resolver=_resolver())
    to_main_menu(call)
    heard = call.say("damaged tree")
    assert heard[0] == "What kind of tree?"
    assert "For elm, press 2." in heard
    call.say("elm")
    heard = call.press("*")  # the height is optional
    assert heard == [call.text("location.ask")]
    call.say("1234 washington street")
    call.press("1")
    call.send(Event.recording("https://api.twilio.test/rec/RE1", 7.0, step=call.state.step))
    assert call.heard() == [
        "To send your report about damaged tree at twelve thirty four Washington Street, "
        "zero two one one eight, press 1. "
        "To start over, press 2."
    ]
    transcribe = call.jobs[-1]
    assert transcribe.name == "transcribe"
    assert transcribe.data["recording_url"] == "https://api.twilio.test/rec/RE1"
    assert not call.jobs[-1].with_step
    heard = call.press("1")
    assert heard == [call.text("report.received"), call.text("common.goodbye")]
    assert isinstance(call.actions[-1], Hangup) and call.state.ended
    submit = call.jobs[-1]
    assert submit.name == "submit" and submit.with_step
    assert submit.data["service_code"] == "6"
    assert submit.data["attributes"] == {"tree_kind": ["elm"]}
    assert submit.data["location"]["lat"] == pytest.approx(42.34)
    assert submit.data["slots"]["description_url"] == "https://api.twilio.test/rec/RE1"
    assert submit.data["pending"] == {"description": transcribe.key}
    # The transcript arrives after the call: it fills the slot the report is waiting for.
    done = call.send(Event.job_result(transcribe.key, {"text": "a branch fell"}))
    assert done.actions == () and done.state.slots["description"] == "a branch fell"
    assert done.state.pending == {}


def test_replaying_the_final_yes_files_once(sf_services, catalogues) -> None:
    call = Call(intake_flow(sf_services, {}), catalogues, resolver=_resolver())
    to_main_menu(call)
    call.say("damaged tree")
    call.say("1234 washington street")
    call.press("1")
    call.silence()
    call.silence()  # no description: the report goes on without one
    yes = Event.keypress("1", step=call.state.step)
    call.send(yes)
    call.send(yes)
    assert [job.name for job in call.jobs] == ["submit"]
    assert call.heard() == [call.text("report.received"), call.text("common.goodbye")]


WAITING_FLOW = {
    "name": "waiting",
    "start": "where",
    "operator": "person",
    "states": {
        "where": {
            "type": "record",
            "prompt": "location.ask",
            "store_as": "where",
            "transcribe": True,
            "attempts": 1,
            "after_last_attempt": "person",
            "transitions": {"done": "find"},
        },
        "find": {
            "type": "lookup",
            "behaviour": "resolve_address",
            "inputs": {"words": "where"},
            "transitions": {"done": "confirm", "ambiguous": "person", "failed": "person"},
        },
        "confirm": {
            "type": "confirm",
            "prompt": "location.confirm",
            "attempts": 1,
            "after_last_attempt": "person",
            "transitions": {"yes": "bye", "no": "person"},
        },
        "bye": {"type": "hangup", "prompt": "common.goodbye"},
        "person": {"type": "transfer", "prompt": "common.transfer"},
    },
}


def test_a_lookup_waits_for_the_transcript_it_needs(catalogues) -> None:
    flow = flow_from_document(WAITING_FLOW, "waiting")
    call = Call(flow, catalogues, resolver=_resolver())
    call.start()
    call.send(Event.recording("https://api.twilio.test/rec/RE2", 4.0, step=call.state.step))
    assert call.heard() == ["One moment, please."]
    assert isinstance(call.actions[-1], Redirect) and call.actions[-1].event == "redirect"
    call.send(Event.redirect(step=call.state.step))
    assert call.heard() == ["One moment, please."]
    call.send(Event.job_result(call.jobs[0].key, {"text": "1234 Washington Street"}))
    call.send(Event.redirect(step=call.state.step))
    assert call.heard() == [
        "I heard twelve thirty four Washington Street, zero two one one eight. "
        "Press 1 if that is right, 2 to try again."
    ]


def test_a_transcript_that_never_comes_leads_to_a_person(catalogues) -> None:
    flow = flow_from_document(WAITING_FLOW, "waiting")
    call = Call(flow, catalogues, resolver=_resolver())
    call.start()
    call.send(Event.recording("https://api.twilio.test/rec/RE3", 4.0, step=call.state.step))
    for _ in range(call.context.max_wait_polls):
        call.send(Event.redirect(step=call.state.step))
    assert call.state.current == "person"
    assert isinstance(call.actions[-1], Dial)


def test_a_silent_recording_counts_as_no_input(catalogues) -> None:
    flow = flow_from_document(WAITING_FLOW, "waiting")
    call = Call(flow, catalogues)
    call.start()
    call.send(Event.recording("https://api.twilio.test/rec/RE4", 0.0, step=call.state.step))
    assert call.state.current == "person"
    assert call.jobs == []


def test_bike_rack_flow_files_a_suggestion(catalogues) -> None:
    call = Call(load_flow(FLOWS_DIR / "bike_rack.yaml"), catalogues, resolver=_resolver())
    heard = call.start()
    assert heard[0] == call.text("bike_rack.welcome")
    call.silence()
    call.say("1234 washington street")
    heard = call.press("1")
    assert heard[0] == call.text("bike_rack.received")
    assert call.jobs[-1].data["service_code"] == "bike_rack_suggestion"


def test_a_bike_rack_caller_who_chooses_spanish_is_welcomed_in_spanish(catalogues) -> None:
    call = Call(load_flow(FLOWS_DIR / "bike_rack.yaml"), catalogues, resolver=_resolver())
    call.start()
    heard = call.press("9")
    assert heard[:2] == [
        call.text("bike_rack.welcome", "es"),  # the line's purpose, heard only in English before
        call.text("common.recording_notice", "es"),
    ]


def test_staff_can_hand_a_caller_back_at_any_state(intake: Flow, catalogues) -> None:
    call = Call(intake, catalogues)
    to_main_menu(call)
    call.press("0")
    heard = call.send(Event.resume("ask_location"))
    assert heard.state.current == "ask_location"
    assert call.heard() == [call.text("location.ask")]


def test_hangup_ends_the_call_and_later_events_do_nothing(intake: Flow, catalogues) -> None:
    call = Call(intake, catalogues)
    to_main_menu(call)
    at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    ended = call.send(Event.hangup(at=at))
    assert ended.state.ended and ended.actions == ()
    assert ended.state.history[-1].event == "hangup"
    assert ended.state.history[-1].at == at.isoformat()
    later = call.send(Event.keypress("1", step=call.state.step))
    assert later.actions == () and later.state == ended.state
    # A late retry of the menu's step (its URL's step is one behind) does not hear the menu.
    stale = call.send(Event.keypress("1", step=call.state.step - 1))
    assert stale.actions == () and not stale.replayed and stale.state == ended.state


def test_a_retry_of_the_step_that_said_goodbye_hears_the_goodbye_again(
    intake: Flow, catalogues
) -> None:
    call = Call(intake, catalogues)
    to_main_menu(call)
    call.press("0")
    call.send(Event.dial_result("no-answer", step=call.state.step))  # no one free: goodbye
    assert call.state.ended and isinstance(call.state.last_actions[-1], Hangup)
    again = call.send(Event.dial_result("no-answer", step=call.state.step - 1))
    assert again.replayed and again.actions == call.state.last_actions


def test_call_state_round_trips_through_json_and_hides_personal_data(
    intake: Flow, catalogues
) -> None:
    call = Call(intake, catalogues, resolver=_resolver())
    to_main_menu(call)
    call.say("damaged tree")
    call.say("1234 washington street")
    state = call.state
    again = CallState.from_dict(json.loads(json.dumps(state.to_dict())))
    assert again == state
    shown = repr(state) + repr(Event.speech("1234 washington street", step=1))
    assert "1234" not in shown and "ashington" not in shown
    assert "1234" not in json.dumps([r.to_dict() for r in state.history])


def test_attempts_start_again_when_a_state_is_entered_again(intake: Flow, catalogues) -> None:
    call = Call(intake, catalogues)
    to_main_menu(call)
    call.silence()
    assert call.state.attempts == {"main_menu": 1}
    call.press(key_for(intake, "main_menu", "graffiti"))
    call.press("*")  # back to the first menu
    assert call.state.current == "main_menu"
    call.silence()
    assert call.state.current == "main_menu"  # one silence again, not the last attempt


def test_transfer_target_can_be_a_queue(intake: Flow, catalogues) -> None:
    call = Call(intake, catalogues, transfers={"operator": TransferTarget(queue="311")})
    to_main_menu(call)
    call.press("0")
    assert type(call.actions[-1]).__name__ == "Enqueue"


@pytest.mark.parametrize(
    ("said", "service", "state"),
    [
        ("graffiti on a bike rack", "graffiti public bike rack", "ask_location"),
        ("it's about graffiti", "", "group4_graffiti"),
        ("broken parking meter", "damaged parking meter", "ask_location"),
        ("overflowing dumpster", "overflowing city receptacle or dumpster", "ask_location"),
        ("three", "", "group2_sidewalk_or_curb"),
        ("more choices", "", "main_menu_page2"),
        ("a tree", "", "main_menu"),  # several choices have a tree: asked again
        ("someone dumped a couch", "", "main_menu"),
    ],
)
def test_what_a_caller_says_at_the_first_menu(intake, catalogues, said, service, state) -> None:
    call = Call(intake, catalogues)
    to_main_menu(call)
    call.say(said)
    assert (call.state.service_name, call.state.current) == (service, state)


@pytest.mark.parametrize(
    ("said", "language", "state"),
    [
        ("yes that's right", "en", "ask_description"),
        ("not right", "en", "ask_house_number"),
        ("yeah", "en", "ask_description"),
        ("yes no", "en", "confirm_location"),
        ("sí, está bien", "es", "ask_description"),
        ("no", "es", "ask_house_number"),
    ],
)
def test_yes_and_no_by_voice(intake, catalogues, said, language, state) -> None:
    call = Call(intake, catalogues, resolver=_resolver())
    call.start()
    call.press("9") if language == "es" else call.silence()
    call.say("damaged tree")
    call.say("1234 washington street")
    assert call.state.current == "confirm_location"
    call.say(said)
    assert call.state.current == state


def test_a_house_number_can_be_said_digit_by_digit(intake, catalogues) -> None:
    call = Call(intake, catalogues, resolver=_resolver())
    to_main_menu(call)
    call.say("damaged tree")
    call.say("1234 washington street")
    call.press("2")
    heard = call.say("one two four three")
    assert call.state.slots["house_number"] == "1243"
    assert heard == [call.text("location.street")]


def test_a_place_not_confirmed_is_named_as_described_in_the_last_question(
    sf_services, catalogues
) -> None:
    call = Call(intake_flow(sf_services, _definitions()), catalogues, transfers={})
    to_main_menu(call)
    call.say("damaged tree")
    call.say("elm")
    call.press("*")
    call.say("somewhere nobody knows")  # not placed: the keypad
    call.press("438#")
    call.say("washingtun")
    call.say("washingtun")  # not placed twice: the letters
    heard = call.press("927#")  # no street list here, and nobody to take the call
    assert call.text("location.not_confirmed") in heard
    assert call.state.location is not None and call.state.location.unconfirmed
    call.send(Event.recording("https://api.twilio.test/rec/RE1", 7.0, step=call.state.step))
    assert call.heard() == [
        "To send your report about damaged tree at the place you described, press 1. "
        "To start over, press 2."
    ]
    assert catalogues["es"].prompts["location.unconfirmed_place"] == "el lugar que describió"
