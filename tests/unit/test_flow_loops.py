"""Loops are bounded and the location path always ends somewhere good.

``ivr flows check`` rejects a cycle of states none of which limits its visits; the engine
counts visits per call and leaves a state once they are used up (the ZIP-code question asks at
most twice). The location path's last repairs: the street's letters keyed, a menu of the
streets found, and — with nobody to take the call — the report goes on with the caller's own
words, marked "place not confirmed".
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from flows.catalogue import Catalogue, load_catalogues
from flows.check import check_document, check_flow
from flows.generate import intake_flow
from flows.loader import FLOWS_DIR, load_flow, shipped_flow_paths
from flows.model import Flow
from ivr.addresses.index import PointRecord, build_index
from ivr.addresses.keyed_streets import KeyedStreets
from ivr.dialog.state import CallState
from ivr.open311.catalogue import load_service_catalogue
from ivr.settings import Settings
from ivr.webhooks.filing import PLACE_UNCONFIRMED_MARK, report_from_job
from tests.unit.call_driver import Call, FakeResolver, place


@pytest.fixture(scope="module")
def catalogues() -> dict[str, Catalogue]:
    return load_catalogues()


@pytest.fixture(scope="module")
def bike_rack() -> Flow:
    return load_flow(FLOWS_DIR / "bike_rack.yaml")


def _say(prompt: str, then: str) -> dict[str, Any]:
    return {"type": "say", "prompt": prompt, "transitions": {"done": then}}


def _looping_flow(**limit: Any) -> dict[str, Any]:
    """ask → check → ask again, forever unless ``limit`` (max_visits…) is put on ``ask``."""
    ask = {
        "type": "ask_digits",
        "prompt": "location.house_number",
        "store_as": "n",
        "attempts": 2,
        "after_last_attempt": "bye",
        "transitions": {"done": "check"},
        **limit,
    }
    return {
        "name": "loops",
        "start": "ask",
        "states": {
            "ask": ask,
            "check": _say("common.wait", "ask"),
            "bye": {"type": "hangup", "prompt": "common.goodbye"},
        },
    }


def _problems(doc: dict[str, Any], catalogues: dict[str, Catalogue]) -> list[str]:
    return [str(p) for p in check_document(doc, "loops.yaml", catalogues)]


def test_a_cycle_without_a_visit_limit_is_rejected_naming_its_states(catalogues) -> None:
    assert _problems(_looping_flow(), catalogues) == [
        "loops.yaml, state 'ask', field 'max_visits': unbounded loop: 'ask', 'check' lead back "
        "to each other and none of them limits its visits (give one max_visits and "
        "after_max_visits)"
    ]


def test_the_same_cycle_with_a_visit_limit_is_accepted(catalogues) -> None:
    limited = _looping_flow(max_visits=3, after_max_visits="bye")
    assert _problems(limited, catalogues) == []


def test_a_limit_without_its_way_out_breaks_the_schema(catalogues) -> None:
    assert _problems(_looping_flow(max_visits=3), catalogues) == [
        "loops.yaml, state 'ask': 'after_max_visits' is a dependency of 'max_visits'"
    ]


def test_a_state_leading_to_itself_is_a_loop(catalogues) -> None:
    doc = _looping_flow()
    doc["states"]["ask"]["transitions"] = {"done": "ask"}
    del doc["states"]["check"]
    assert _problems(doc, catalogues) == [
        "loops.yaml, state 'ask', field 'max_visits': unbounded loop: 'ask' lead back to each "
        "other and none of them limits its visits (give one max_visits and after_max_visits)"
    ]


def test_a_cycle_that_avoids_the_limited_state_is_still_rejected(catalogues) -> None:
    # ask ⇄ check is limited at ask, but check ⇄ again goes round without passing it
    doc = _looping_flow(max_visits=3, after_max_visits="bye")
    doc["states"]["check"] = {
        "type": "menu",
        "prompt": "intake.choose_service",
        "options": [
            {
                "key": "1",
                "target": "ask",
                "prompt": {"key": "menu.option", "values": {"name": "a"}},
            },
            {
                "key": "2",
                "target": "again",
                "prompt": {"key": "menu.option", "values": {"name": "b"}},
            },
        ],
        "attempts": 1,
        "after_last_attempt": "bye",
    }
    doc["states"]["again"] = _say("common.wait", "check")
    assert _problems(doc, catalogues) == [
        "loops.yaml, state 'again', field 'max_visits': unbounded loop: 'again', 'check' lead "
        "back to each other and none of them limits its visits (give one max_visits and "
        "after_max_visits)"
    ]


@pytest.mark.parametrize("recognizer", ["twilio", "pocketsphinx"])
def test_every_shipped_flow_and_the_intake_pass_the_loop_check(catalogues, recognizer) -> None:
    services = load_service_catalogue(Settings().services_path)
    flows = [load_flow(path) for path in shipped_flow_paths()]
    definitions = {d.service_code: d for d in services.definitions}
    flows.append(intake_flow(services.services, definitions, recognizer=recognizer))
    for flow in flows:
        assert check_flow(flow, catalogues) == [], flow.name
    assert flows[-1].states["ask_postal_code"].max_visits == 2


# -- the engine ---------------------------------------------------------------------------------


def _always_ambiguous() -> FakeResolver:
    """Main Street is everywhere, and the ZIP code never settles it."""
    resolver = FakeResolver()
    main = place("12", "Main Street", "02129")
    resolver.knows("12 main street", main, ambiguous=True)
    resolver.knows("12 main street", main, postal_code="02129", ambiguous=True)
    return resolver


def _to_location(call: Call) -> None:
    call.start()
    call.silence()  # the welcome's Spanish offer: silence goes on in English


def test_the_zip_code_loop_ends_after_its_limit(bike_rack: Flow, catalogues) -> None:
    call = Call(bike_rack, catalogues, resolver=_always_ambiguous())
    _to_location(call)
    zip_question = call.text("location.postal_code", address="twelve Main Street")
    heard = call.say("12 main street")
    asked = heard.count(zip_question)
    for _ in range(10):  # star: not my street; 12; Main Street; ambiguous again …
        if call.state.current != "ask_postal_code":
            break
        call.press("*")
        call.press("12#")
        heard = call.say("main street")
        asked += heard.count(zip_question)
    assert asked == 2
    assert call.state.current == "ask_street_letters"
    assert heard[-1] == call.text("location.street_letters")
    assert call.state.visits["ask_postal_code"] == 3
    # the count is the call's, kept between webhooks
    assert CallState.from_dict(call.state.to_dict()).visits == call.state.visits


def test_a_number_not_in_the_zip_code_keyed_is_asked_on_the_keypad(
    bike_rack: Flow, catalogues
) -> None:
    # "five Humboldt Court" heard for 10: Humboldt Court is in two ZIP codes, and the caller's
    # has no 5. The street is theirs (they keyed its ZIP code): the number is asked again.
    resolver = FakeResolver()
    misheard = place("5", "Humboldt Court", "02121")
    resolver.knows("5 humboldt court", misheard, ambiguous=True)
    right = place("10", "Humboldt Court", "02119")
    resolver.knows("10 humboldt court", right)
    call = Call(bike_rack, catalogues, resolver=resolver)
    _to_location(call)
    assert call.say("5 humboldt court") == [
        call.text("location.postal_code", address="five Humboldt Court")
    ]
    heard = call.press("02119")
    assert resolver.calls[-1] == ("5 humboldt court", "02119")  # not there: not placed
    assert heard == [call.text("location.house_number")]
    assert call.press("10#") == [call.text("location.street")]
    heard = call.say("humboldt court")
    assert heard[0].startswith("To suggest a bike rack at ten Humboldt Court")
    assert call.state.visits.get("ask_street_letters", 0) == 0


@pytest.fixture(scope="module")
def streets() -> KeyedStreets:
    records = [
        PointRecord(
            "WASHINGTON ST", "Washington St", "438", 438, "02135", "Brighton", 42.34, -71.15
        ),
        PointRecord("WARREN ST", "Warren St", "12", 12, "02119", "Roxbury", 42.32, -71.08),
    ]
    index = build_index(records)
    return KeyedStreets(lambda: index)


def _letters_call(bike_rack: Flow, catalogues, streets: KeyedStreets, **kw: Any) -> Call:
    resolver = FakeResolver()
    resolver.knows(
        "438 Washington St", place("438", "Washington Street", "02135"), postal_code="02135"
    )
    call = Call(bike_rack, catalogues, resolver=resolver, **kw)
    call.context = dataclasses.replace(call.context, streets=streets)
    _to_location(call)
    call.say("somewhere nobody knows")  # not placed: the keypad
    call.press("438#")
    assert call.say("washingtun") == [
        call.text("location.street_not_found"),
        call.text("location.street"),
    ]
    heard = call.say("washingtun")  # the second try fails too: the letters
    assert heard == [call.text("location.street_not_found"), call.text("location.street_letters")]
    return call


def test_the_street_is_found_by_its_letters_and_confirmed(
    bike_rack: Flow, catalogues, streets: KeyedStreets
) -> None:
    call = _letters_call(bike_rack, catalogues, streets)
    heard = call.press("927#")
    assert heard == [
        call.text("location.street_choices"),
        "For Washington Street, press 1.",
        "For Warren Street, press 2.",
        "If it is none of these, press 9.",
    ]
    assert call.press("3") == ["Sorry, I didn't catch that.", *heard]  # no third street
    heard = call.press("1")
    assert heard[0].startswith("To suggest a bike rack at four thirty eight Washington Street")
    call.press("1")
    submit = next(job for job in call.jobs if job.name == "submit")
    report = report_from_job(submit.data)
    assert (report.lat, report.long) == (42.34, -71.07)  # the resolver's place
    assert PLACE_UNCONFIRMED_MARK not in report.description


def test_letters_that_start_no_street_are_asked_again(
    bike_rack: Flow, catalogues, streets: KeyedStreets
) -> None:
    call = _letters_call(bike_rack, catalogues, streets)
    heard = call.press("555#")
    assert heard == [call.text("location.no_street_letters"), call.text("location.street_letters")]
    assert "no street starting with those letters" in heard[0]


def test_with_nobody_to_take_the_call_the_report_goes_on_unplaced(
    bike_rack: Flow, catalogues, streets: KeyedStreets
) -> None:
    call = _letters_call(bike_rack, catalogues, streets, transfers={})
    call.press("927#")
    heard = call.press("9")  # none of these; no operator configured
    assert call.text("location.not_confirmed") in heard
    assert "could not confirm the place" in call.text("location.not_confirmed")
    assert call.state.location is not None and call.state.location.unconfirmed
    submit = next(job for job in call.jobs if job.name == "submit")  # bike_rack submits next
    report = report_from_job(submit.data, city="Boston", region="MA")
    assert report.address_string == "somewhere nobody knows / 438 washingtun"
    assert report.lat is None and report.long is None
    assert report.description.endswith(PLACE_UNCONFIRMED_MARK)


def test_a_street_chosen_before_any_house_number_asks_for_it(
    bike_rack: Flow, catalogues, streets: KeyedStreets
) -> None:
    # Washington Street is everywhere and the ZIP code keyed does not settle it: the letters
    # come before any keyed number, and the street alone is no place to read back.
    resolver = FakeResolver()
    somewhere = place("5", "Washington Street", "02135")
    resolver.knows("5 washington street", somewhere, ambiguous=True)
    resolver.knows("5 washington street", somewhere, postal_code="02135", ambiguous=True)
    resolver.knows("438 Washington St", place("438", "Washington Street", "02135"))
    call = Call(bike_rack, catalogues, resolver=resolver)
    call.context = dataclasses.replace(call.context, streets=streets)
    _to_location(call)
    call.say("5 washington street")
    assert call.press("02135") == [call.text("location.street_letters")]
    assert call.press("927#")[1:3] == [
        "For Warren Street, press 1.",
        "For Washington Street, press 2.",
    ]
    assert call.press("2") == [call.text("location.chosen_street_number")]
    heard = call.press("438#")
    assert heard[0].startswith("To suggest a bike rack at four thirty eight Washington Street")
    assert "no house number" not in " ".join(heard)


def test_with_a_person_the_caller_is_transferred(
    bike_rack: Flow, catalogues, streets: KeyedStreets
) -> None:
    call = _letters_call(bike_rack, catalogues, streets)
    call.press("927#")
    heard = call.press("9")
    assert heard == [call.text("common.transfer")]
    assert call.state.current == "place_by_person"
    assert not any(job.name == "submit" for job in call.jobs)  # the person files it


@pytest.fixture(scope="module")
def many_streets() -> KeyedStreets:
    """Six streets whose names start with the keys 9-2-7, each with a number 438, and one
    without it: more than one menu of four."""
    names = ("Washington", "Warren", "Wards", "Yarmouth", "Warwick", "Warland", "Warner")
    records = [
        PointRecord(
            f"{name.upper()} ST",
            f"{name} St",
            number,
            int(number),
            "02135",
            "Brighton",
            42.34,
            -71.15,
        )
        for name, number in zip(names, ("438",) * 6 + ("12",), strict=True)
    ]
    index = build_index(records)
    return KeyedStreets(lambda: index)


def test_more_streets_are_offered_four_at_a_time(
    bike_rack: Flow, catalogues, many_streets: KeyedStreets
) -> None:
    call = _letters_call(bike_rack, catalogues, many_streets)
    first = call.press("927#")
    assert first[0] == call.text("location.street_choices")
    assert first[-2:] == ["For more streets, press 8.", "If it is none of these, press 9."]
    assert len(first) == 1 + 4 + 2
    second = call.press("8")
    assert second[0] == call.text("location.street_choices")
    offered = [line for line in second if line.startswith("For ") and "more" not in line]
    # The two streets left with 438, then the one without it; no "more" on the last menu.
    assert len(offered) == 3 and offered[-1] == "For Warner Street, press 3."
    assert "For more streets, press 8." not in second
    named = {line.split(",")[0].removeprefix("For "): line[-2] for line in offered}
    assert set(named) | {s.split(",")[0].removeprefix("For ") for s in first[1:5]} == {
        "Washington Street", "Warren Street", "Wards Street", "Yarmouth Street",
        "Warwick Street", "Warland Street", "Warner Street",
    }  # fmt: skip
    assert call.press("8") == ["Sorry, I didn't catch that.", *second]  # nothing more
    heard = call.press(named["Washington Street"])  # by name, Washington is on the second menu
    assert heard[0].startswith("To suggest a bike rack at four thirty eight Washington Street")
