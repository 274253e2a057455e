"""Fragments: the location sub-flow is written once and included by the intake and bike_rack;
state types are one enum, the same in the program and in the schema."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from flows import include
from flows.catalogue import load_catalogues
from flows.check import check_document
from flows.generate import generate_intake, intake_flow
from flows.include import expand_includes, fragment_names, load_fragment
from flows.loader import FLOWS_DIR, flow_from_document, load_flow, read_document
from flows.model import FlowError, State, StateType
from flows.schema import SCHEMA_PATH
from ivr.open311.models import Service

LOCATION_STATES = [
    "ask_location",
    "find_location",
    "confirm_location",
    "ask_house_number",
    "ask_street",
    "find_house",
    "ask_postal_code",
    "find_in_postal_code",
    "confirm_location_again",
]
SERVICES = [Service("1", "Pothole"), Service("2", "Graffiti")]


def _flow(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "name": "mine",
        "start": "ask_location",
        "operator": "operator",
        "include": [
            {"fragment": "location", "with": {"confirmed": "thanks"}},
            {"fragment": "person"},
        ],
        "states": {"thanks": {"type": "hangup", "prompt": "common.goodbye"}},
    }
    doc.update(changes)
    return doc


def _problems(doc: dict[str, Any]) -> list[str]:
    return [str(p) for p in check_document(doc, "mine.yaml", load_catalogues())]


def test_the_schema_admits_exactly_the_state_types() -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert schema["$defs"]["state"]["properties"]["type"]["enum"] == [t.value for t in StateType]


def test_loaded_states_carry_the_enum() -> None:
    flow = load_flow(FLOWS_DIR / "bike_rack.yaml")
    assert flow.states["welcome"].type is StateType.MENU
    assert flow.states["find_location"].type is StateType.LOOKUP


def test_bike_rack_and_the_intake_share_the_location_states() -> None:
    bike = load_flow(FLOWS_DIR / "bike_rack.yaml")
    intake = intake_flow(SERVICES, {})
    for name in LOCATION_STATES:
        ours, theirs = bike.states[name], intake.states[name]
        if name.startswith("confirm_location"):
            # What differs is a parameter: the read-back prompt and where "yes" leads.
            assert ours.prompt[0].key == "bike_rack.confirm"
            assert theirs.prompt[0].key == "location.confirm"
            assert ours.transitions["yes"] == "submit"
            assert theirs.transitions["yes"] == "start_duplicate_check"
            assert ours.transitions["no"] == theirs.transitions["no"]
        else:
            assert ours == theirs
    for name in ("operator", "nobody_free"):
        assert bike.states[name] == intake.states[name]


def test_offline_recognition_records_the_address_and_the_street() -> None:
    intake = intake_flow(SERVICES, {}, recognizer="pocketsphinx")
    ask, street = intake.states["ask_location"], intake.states["ask_street"]
    assert (ask.type, ask.grammar, ask.max_length, ask.play_beep) == (
        StateType.RECORD,
        "streets",
        10,
        False,
    )
    assert ask.after_last_attempt == "ask_house_number"
    assert (street.type, street.grammar, street.max_length) == (StateType.RECORD, "street_names", 8)
    assert street.inputs == {"house_number": ("house_number",)}
    assert intake.states["confirm_report"].transitions["yes"] == "await_description"
    online = intake_flow(SERVICES, {})
    assert online.states["ask_location"].type is StateType.ASK_SPEECH
    assert "await_description" not in online.states


def test_the_generated_intake_includes_the_fragments() -> None:
    doc = generate_intake(SERVICES, {})
    fragments = [entry["fragment"] for entry in doc["include"]]
    assert fragments == ["recording_notice", "location", "person"]
    assert "ask_location" not in doc["states"]
    assert "ask_location" in flow_from_document(doc, "<generated intake>").states


def test_expanding_leaves_the_fragment_as_it_was() -> None:
    first = flow_from_document(_flow(), "a.yaml")
    other = _flow(include=[{"fragment": "location", "with": {"confirmed": "operator"}}])
    other["states"] = {"operator": {"type": "hangup", "prompt": "common.goodbye"}}
    second = flow_from_document(other, "b.yaml")
    assert first.states["confirm_location"].transitions["yes"] == "thanks"
    assert second.states["confirm_location"].transitions["yes"] == "operator"


def test_a_flow_of_fragments_passes_the_check() -> None:
    assert _problems(_flow()) == []
    doc, problems = expand_includes(read_document(FLOWS_DIR / "bike_rack.yaml"), "x")
    assert problems == [] and "include" not in doc


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        (
            {"fragment": "locaton"},
            "mine.yaml, field 'include.0.fragment': no fragment 'locaton' (known: location, "
            "person, recording_notice)",
        ),
        (
            {"fragment": "location"},
            "mine.yaml, field 'include.0.with': fragment 'location' needs a value for 'confirmed'",
        ),
        (
            {"fragment": "location", "with": {"confirmed": "thanks", "colour": "blue"}},
            "mine.yaml, field 'include.0.with.colour': fragment 'location' has no parameter "
            "'colour' (it takes: start, confirmed, confirm_prompt, offline)",
        ),
        (
            {"fragment": "location", "with": {"confirmed": "thanks", "offline": "yes"}},
            "mine.yaml, field 'include.0.with.offline': must be true or false",
        ),
        (
            {"fragment": "location", "with": {"confirmed": 3}},
            "mine.yaml, field 'include.0.with.confirmed': 3 is not of type 'string', 'boolean'",
        ),
        ({"fragment": "../bike_rack"}, "mine.yaml, field 'include.0.fragment': '../bike_rack'"),
    ],
)
def test_include_problems_name_the_entry(entry: dict[str, Any], expected: str) -> None:
    found = _problems(_flow(include=[entry, {"fragment": "person"}]))
    assert found, "the broken include passed"
    assert found[0].startswith(expected)


def test_a_state_defined_twice_is_a_problem_not_an_override() -> None:
    doc = _flow()
    doc["states"]["find_location"] = {"type": "hangup", "prompt": "common.goodbye"}
    assert _problems(doc) == [
        "mine.yaml, state 'find_location': defined by both the flow itself and fragment 'location'"
    ]


def test_a_parameter_that_breaks_the_schema_is_named_at_the_state() -> None:
    doc = _flow(include=[{"fragment": "location", "with": {"confirmed": "no such state!"}}])
    found = _problems(doc)
    assert any(
        p.startswith("mine.yaml, state 'confirm_location', field 'transitions.yes'") for p in found
    )


def test_every_shipped_fragment_loads() -> None:
    assert fragment_names() == ["location", "person", "recording_notice"]
    for name in fragment_names():
        assert load_fragment(name).states


@pytest.fixture
def own_fragments(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    load_fragment.cache_clear()
    monkeypatch.setattr(include, "FRAGMENTS_DIR", tmp_path)
    yield tmp_path
    load_fragment.cache_clear()


def test_a_broken_fragment_is_named(own_fragments: Path) -> None:
    (own_fragments / "bad.yaml").write_text(
        "parameters: {who: {default: x}, flag: {default: false}}\n"
        "states:\n"
        "  a: {type: say, prompt: 'common.${who}', transitions: {done: '${what}'}}\n"
        "variants:\n"
        "  - when: {flag: 'true'}\n"
        "    states: {b: {type: hangup}}\n",
        encoding="utf-8",
    )
    with pytest.raises(FlowError) as caught:
        load_fragment("bad")
    assert [str(p) for p in caught.value.problems] == [
        "fragments/bad.yaml, field 'variants.0.when.flag': is not of the parameter's type",
        "fragments/bad.yaml, field 'variants.0.states.b': a variant replaces states; this is new",
        "fragments/bad.yaml, field 'states.a.prompt': 'common.${who}': a placeholder must be "
        'the whole value, as "${name}"',
        "fragments/bad.yaml, field 'states.a.transitions.done': '${what}' names no parameter "
        "of this fragment",
    ]


def test_a_variant_replaces_states_when_its_parameters_match(own_fragments: Path) -> None:
    (own_fragments / "bye.yaml").write_text(
        "parameters: {polite: {default: false}}\n"
        "states:\n  bye: {type: hangup}\n"
        "variants:\n"
        "  - when: {polite: true}\n"
        "    states: {bye: {type: hangup, prompt: common.goodbye}}\n",
        encoding="utf-8",
    )
    doc = {"name": "x", "start": "bye", "include": [{"fragment": "bye"}]}
    plain: State = flow_from_document(doc, "x").states["bye"]
    doc["include"] = [{"fragment": "bye", "with": {"polite": True}}]
    polite: State = flow_from_document(doc, "x").states["bye"]
    assert plain.prompt == () and polite.prompt[0].key == "common.goodbye"
