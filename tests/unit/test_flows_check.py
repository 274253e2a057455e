"""``ivr flows check``: the shipped flows pass, and each kind of broken flow fails by name."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from flows.behaviour_specs import BEHAVIOURS as FLOW_BEHAVIOURS
from flows.catalogue import Catalogue, catalogue_from_document, load_catalogues
from flows.check import check_catalogues, check_document, check_flow
from flows.generate import intake_flow
from flows.graph import mermaid
from flows.include import expand_includes
from flows.loader import FLOWS_DIR, load_flow, read_document, shipped_flow_paths
from flows.model import FlowError
from flows.yaml12 import dump_yaml, load_yaml
from ivr.cli import main
from ivr.dialog.behaviours import BEHAVIOURS as ENGINE_BEHAVIOURS
from ivr.open311.catalogue import load_service_catalogue
from ivr.settings import Settings


@pytest.fixture(scope="module")
def catalogues() -> dict[str, Catalogue]:
    return load_catalogues()


@pytest.fixture
def bike_rack() -> dict[str, Any]:
    """bike_rack.yaml with its fragments expanded, so a test can break any of its states."""
    doc, problems = expand_includes(read_document(FLOWS_DIR / "bike_rack.yaml"), "bike_rack.yaml")
    assert problems == []
    return copy.deepcopy(doc)


def problems(doc: dict[str, Any], catalogues) -> list[str]:
    return [str(p) for p in check_document(doc, "broken.yaml", catalogues)]


def test_the_catalogues_agree_and_hold_what_the_engine_says(catalogues) -> None:
    assert sorted(catalogues) == ["en", "es"]
    assert check_catalogues(catalogues) == []
    assert catalogues["en"].prompts.keys() == catalogues["es"].prompts.keys()


def test_a_catalogue_missing_a_prompt_is_named(catalogues) -> None:
    en = catalogues["en"]
    short = catalogue_from_document(
        {
            "language": "fr",
            "say_language": "fr-FR",
            "prompts": {k: v for k, v in en.prompts.items() if k != "location.ask"},
            "words": {k: list(v) for k, v in en.words.items()},
            "digits": {k: list(v) for k, v in en.digits.items()},
        },
        "fr.yaml",
    )
    found = [str(p) for p in check_catalogues({"en": en, "fr": short})]
    assert found == ["fr.yaml, field 'prompts.location.ask': missing"]


def test_a_catalogue_placeholder_must_be_a_plain_name() -> None:
    with pytest.raises(FlowError, match=r"prompts.bad.*must be a plain name"):
        catalogue_from_document(
            {"language": "en", "say_language": "en-US", "prompts": {"bad": "{a.b}"}}, "x.yaml"
        )


def test_every_shipped_flow_passes(catalogues) -> None:
    paths = shipped_flow_paths()
    assert [p.name for p in paths] == ["bike_rack.yaml"]
    for path in paths:
        assert check_flow(load_flow(path), catalogues) == []


def test_the_generated_intake_passes(catalogues) -> None:
    services = load_service_catalogue(Settings().services_path)
    definitions = {d.service_code: d for d in services.definitions}
    assert check_flow(intake_flow(services.services, definitions), catalogues) == []
    assert check_flow(intake_flow(services.services, {}), catalogues) == []


def test_unreachable_state(bike_rack, catalogues) -> None:
    bike_rack["states"]["orphan"] = {"type": "hangup", "prompt": "common.goodbye"}
    assert problems(bike_rack, catalogues) == [
        "broken.yaml, state 'orphan': unreachable: no path leads here from 'welcome'"
    ]


def test_dead_end(bike_rack, catalogues) -> None:
    del bike_rack["states"]["confirm_location"]["transitions"]["no"]
    assert problems(bike_rack, catalogues) == [
        "broken.yaml, state 'confirm_location', field 'transitions.no': "
        "dead end: a confirm state must say where 'no' leads"
    ]


def test_a_loop_with_no_way_out(bike_rack, catalogues) -> None:
    states = bike_rack["states"]
    states["thanks"] = {"type": "say", "prompt": "common.wait", "transitions": {"done": "again"}}
    states["again"] = {"type": "say", "prompt": "common.wait", "transitions": {"done": "thanks"}}
    stuck = ("submit", "thanks", "again", "place_unconfirmed", "tell_place_unconfirmed")
    assert sorted(problems(bike_rack, catalogues)) == sorted(
        [
            f"broken.yaml, state '{name}': no path from here ends the call (with a hangup or a "
            "transfer)"
            for name in stuck
        ]
        + [
            "broken.yaml, state 'again', field 'max_visits': unbounded loop: 'again', 'thanks' "
            "lead back to each other and none of them limits its visits (give one max_visits "
            "and after_max_visits)"
        ]
    )


def test_missing_after_last_attempt(bike_rack, catalogues) -> None:
    del bike_rack["states"]["ask_location"]["after_last_attempt"]
    assert problems(bike_rack, catalogues) == [
        "broken.yaml, state 'ask_location', field 'after_last_attempt': an input state must "
        "say where the caller goes after the last failed attempt"
    ]


def test_missing_attempts(bike_rack, catalogues) -> None:
    del bike_rack["states"]["ask_street"]["attempts"]
    assert problems(bike_rack, catalogues) == [
        "broken.yaml, state 'ask_street', field 'attempts': an input state must say how many "
        "attempts the caller gets"
    ]


def test_unknown_prompt_key(bike_rack, catalogues) -> None:
    bike_rack["states"]["ask_location"]["prompt"] = "location.where_is_it"
    assert problems(bike_rack, catalogues) == [
        "broken.yaml, state 'ask_location', field 'prompt[0]': prompt 'location.where_is_it' "
        "is not in catalogue en.yaml",
        "broken.yaml, state 'ask_location', field 'prompt[0]': prompt 'location.where_is_it' "
        "is not in catalogue es.yaml",
    ]


def test_a_placeholder_nothing_fills(bike_rack, catalogues) -> None:
    bike_rack["states"]["ask_location"]["prompt"] = "question.speech"
    found = problems(bike_rack, catalogues)
    assert found[0] == (
        "broken.yaml, state 'ask_location', field 'prompt[0]': prompt 'question.speech' needs "
        "a value for {question}, which nothing fills"
    )


def test_unknown_word_list(bike_rack, catalogues) -> None:
    bike_rack["states"]["welcome"]["options"][0]["words"] = ["klingon"]
    assert problems(bike_rack, catalogues)[0] == (
        "broken.yaml, state 'welcome', field 'options[0].words': word list 'klingon' is not in "
        "catalogue en.yaml"
    )


def test_unknown_target(bike_rack, catalogues) -> None:
    bike_rack["states"]["ask_street"]["transitions"]["done"] = "find_hosue"
    found = problems(bike_rack, catalogues)
    assert found[0] == (
        "broken.yaml, state 'ask_street', field 'transitions.done': target state 'find_hosue' "
        "does not exist"
    )
    assert any("state 'find_house': unreachable" in p for p in found)


def test_unknown_start_and_operator(bike_rack, catalogues) -> None:
    bike_rack["start"] = "hello"
    bike_rack["operator"] = "staff"
    found = problems(bike_rack, catalogues)
    assert found[:2] == [
        "broken.yaml, field 'start': names state 'hello', which does not exist",
        "broken.yaml, field 'operator': names state 'staff', which does not exist",
    ]


def test_unknown_behaviour(bike_rack, catalogues) -> None:
    bike_rack["states"]["find_location"]["behaviour"] = "guess_address"
    assert problems(bike_rack, catalogues) == [
        "broken.yaml, state 'find_location', field 'behaviour': 'guess_address' is not a "
        "registered behaviour"
    ]


def test_behaviour_input_that_does_not_exist(bike_rack, catalogues) -> None:
    bike_rack["states"]["find_location"]["inputs"]["city"] = "location_words"
    assert problems(bike_rack, catalogues) == [
        "broken.yaml, state 'find_location', field 'inputs.city': 'resolve_address' takes no "
        "such input"
    ]


def test_a_behaviour_that_judges_an_attribute_must_name_it(bike_rack, catalogues) -> None:
    bike_rack["states"]["find_location"] = {
        "type": "lookup",
        "behaviour": "require_attribute",
        "transitions": {"answered": "confirm_location", "unanswered": "operator"},
    }
    assert problems(bike_rack, catalogues) == [
        "broken.yaml, state 'find_location', field 'attribute': 'require_attribute' needs the "
        "attribute it judges"
    ]


def test_an_event_the_state_never_produces(bike_rack, catalogues) -> None:
    bike_rack["states"]["ask_location"]["transitions"]["yes"] = "operator"
    assert problems(bike_rack, catalogues) == [
        "broken.yaml, state 'ask_location', field 'transitions.yes': a ask_speech state never "
        "produces 'yes'"
    ]


def test_two_options_on_one_key(bike_rack, catalogues) -> None:
    options = bike_rack["states"]["welcome"]["options"]
    options.append({"key": "9", "target": "operator"})
    assert problems(bike_rack, catalogues) == [
        "broken.yaml, state 'welcome', field 'options': key 9 is used by more than one option"
    ]


@pytest.mark.parametrize(
    ("state", "field", "value", "expected"),
    [
        ("ask_location", "attempts", 0, "field 'attempts': 0 is less than the minimum of 1"),
        ("ask_location", "type", "dance", "field 'type': 'dance' is not one of"),
        ("welcome", "options", [{"key": "0", "target": "operator"}], "field 'options.0.key'"),
        ("ask_location", "prompt", "Where is it?", "field 'prompt'"),
        ("ask_location", "colour", "blue", "'colour' was unexpected"),
    ],
)
def test_schema_errors_name_the_state_and_field(
    bike_rack, catalogues, state, field, value, expected
) -> None:
    bike_rack["states"][state][field] = value
    found = problems(bike_rack, catalogues)
    assert found, "the broken document passed"
    assert found[0].startswith(f"broken.yaml, state '{state}'")
    assert expected in found[0]


def test_yes_and_no_stay_words_in_yaml() -> None:
    doc = load_yaml("transitions: {yes: a, no: b, on: c}\nflag: true\n")
    assert doc == {"transitions": {"yes": "a", "no": "b", "on": "c"}, "flag": True}
    assert load_yaml(dump_yaml(doc)) == doc


def test_every_registered_behaviour_is_implemented() -> None:
    assert set(FLOW_BEHAVIOURS) == set(ENGINE_BEHAVIOURS)


def test_graph_draws_every_state_and_edge(catalogues) -> None:
    flow = load_flow(FLOWS_DIR / "bike_rack.yaml")
    text = mermaid(flow)
    assert text.startswith("flowchart TD\n")
    for name in flow.states:
        assert f"s_{name}" in text
    assert '    s_find_location -->|"ambiguous"| s_ask_postal_code' in text
    assert '    s_welcome -->|"9"| s_welcomed' in text
    assert '    s_welcomed -->|"done"| s_recording_notice' in text
    assert '    s_recording_notice -->|"done"| s_ask_location' in text


def test_cli_check_passes_on_what_ships() -> None:
    result = CliRunner().invoke(main, ["flows", "check"])
    assert result.exit_code == 0, result.output
    assert "ok     bike_rack.yaml" in result.output
    assert "ok     intake (generated from the configured services)" in result.output


def test_cli_check_fails_with_a_message_per_problem(tmp_path: Path, bike_rack) -> None:
    del bike_rack["states"]["ask_location"]["after_last_attempt"]
    bike_rack["states"]["find_location"]["behaviour"] = "guess_address"
    path = tmp_path / "mine.yaml"
    path.write_text(dump_yaml(bike_rack), encoding="utf-8")
    result = CliRunner().invoke(main, ["flows", "check", str(path)])
    assert result.exit_code == 1
    assert "FAILED mine.yaml" in result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 2
    assert "state 'ask_location', field 'after_last_attempt'" in errors[0]
    assert "state 'find_location', field 'behaviour'" in errors[1]


def test_cli_check_reports_unreadable_yaml(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("name: [unclosed\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["flows", "check", str(path)])
    assert result.exit_code == 1
    assert "bad.yaml: cannot read flow" in result.stderr


def test_cli_check_names_a_file_that_is_not_text(tmp_path: Path) -> None:
    path = tmp_path / "photo.yaml"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\xf0\x9f\x00\xff")
    result = CliRunner().invoke(main, ["flows", "check", str(path)])
    assert result.exit_code == 1
    assert "photo.yaml: cannot read flow: not UTF-8 text" in result.stderr
    assert "unexpected" not in result.output + result.stderr


def test_cli_graph_of_the_generated_intake() -> None:
    result = CliRunner().invoke(main, ["flows", "graph", "intake"])
    assert result.exit_code == 0
    assert result.output.startswith("flowchart TD")
    assert "s_main_menu" in result.output and "s_ask_location" in result.output
    unknown = CliRunner().invoke(main, ["flows", "graph", "nope"])
    assert unknown.exit_code != 0
    assert "no flow named 'nope' (known: intake, bike_rack)" in unknown.output


def test_cli_generate_writes_a_flow_that_checks(tmp_path: Path, catalogues) -> None:
    out = tmp_path / "intake.yaml"
    result = CliRunner().invoke(main, ["flows", "generate", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert check_document(read_document(out), out.name, catalogues) == []
