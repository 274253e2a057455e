"""The intake generated from a city's services: its menus, its names, its questions."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator

import pytest

from flows.catalogue import load_catalogues
from flows.check import check_flow
from flows.generate import generate_intake, intake_flow
from flows.loader import flow_from_document
from flows.model import Flow, State
from flows.speakable import service_vocabulary, speakable_service_name
from flows.yaml12 import dump_yaml, load_yaml
from ivr.open311.catalogue import load_service_catalogue
from ivr.open311.models import Attribute, AttributeValue, Service, ServiceDefinition
from ivr.settings import PACKAGE_DATA, Settings
from tests.unit.call_driver import Call

SF_NAMES = [s["service_name"] for s in json.loads((PACKAGE_DATA / "services.json").read_text())]


@pytest.fixture(scope="module")
def sf() -> tuple[Service, ...]:
    return load_service_catalogue(Settings().services_path).services


@pytest.fixture(scope="module")
def sf_vocabulary(sf) -> frozenset[str]:
    return service_vocabulary([t for s in sf for t in (s.service_name, s.group, s.description)])


def menus(flow: Flow) -> Iterator[State]:
    return (s for s in flow.states.values() if s.type == "menu")


def keyed(state: State) -> dict[str, str]:
    """The options chosen by a digit (star leads to status by phone at the main menu)."""
    return {o.key: o.name for o in state.options if o.key and o.key.isdigit()}


def test_sf_has_more_than_nine_services_so_the_first_menu_offers_groups(sf) -> None:
    assert len(sf) == 38
    flow = intake_flow(sf, {})
    pages = [flow.states["main_menu"], flow.states["main_menu_page2"]]
    offered = [o for page in pages for o in page.options if o.key and o.key.isdigit() and o.name]
    members = {g: [s for s in sf if s.group == g] for g in {s.group for s in sf}}
    assert len(members) == 13 and len(offered) == 13
    for option in offered:
        if option.service_code is not None:  # a group of one is offered as its service
            service = next(s for s in sf if s.service_code == option.service_code)
            assert len(members[service.group]) == 1
        else:
            group = next(g for g in members if speakable_service_name(g) == option.name)
            services = {o.service_code for o in flow.states[option.target].options}
            assert services == {s.service_code for s in members[group]} | {None}  # None: back
    assert {"graffiti", "sewer issues", "tree maintenance"} <= {o.name for o in offered}


def test_menus_never_offer_more_than_nine_keys_and_page_with_nine(sf) -> None:
    flow = intake_flow(sf, {})
    for state in menus(flow):
        keys = [o.key for o in state.options if o.key]
        assert len(keys) == len(set(keys)), state.name
        assert set(keys) <= set("123456789*"), state.name
    first = keyed(flow.states["main_menu"])
    assert len(first) == 9 and first["9"] == ""
    more = next(o for o in flow.states["main_menu"].options if o.key == "9")
    assert more.target == "main_menu_page2" and more.words == ("more",)
    back = next(o for o in flow.states["main_menu_page2"].options if o.key == "*")
    assert back.target == "main_menu"


def test_every_service_can_be_reached_by_keys(sf) -> None:
    flow = intake_flow(sf, {})
    by_key = {o.service_code for s in menus(flow) for o in s.options if o.key and o.service_code}
    assert by_key == {s.service_code for s in sf}


def test_every_service_can_be_said_at_the_first_menu(sf) -> None:
    flow = intake_flow(sf, {})
    for page in ("main_menu", "main_menu_page2"):
        options = flow.states[page].options
        voice = {o.service_code for o in options if not o.key and o.language is None}
        keyed_here = {o.service_code for o in options if o.key and o.service_code}
        assert keyed_here and not voice & keyed_here
        assert voice | keyed_here == {s.service_code for s in sf}


def test_nine_services_or_fewer_make_one_menu_of_services(sf) -> None:
    flow = intake_flow(sf[:9], {})
    first = flow.states["main_menu"]
    services = [o for o in first.options if o.key != "*" and o.language is None]
    assert [o.service_code for o in services] == [s.service_code for s in sf[:9]]
    assert [o.key for o in services] == list("123456789")
    status = next(o for o in first.options if o.key == "*")
    assert status.target == "ask_reference" and status.words == ("status",)
    assert not any(name.startswith("group") for name in flow.states)
    spanish = next(o for o in first.options if o.language is not None)
    assert (spanish.key, spanish.words, spanish.language) == (None, ("spanish",), "es")
    assert spanish.target == "welcomed"  # the welcome and the notice in Spanish, then the menu


@pytest.mark.parametrize("name", SF_NAMES)
def test_speakable_name_of_every_sf_service(name: str, sf_vocabulary) -> None:
    spoken = speakable_service_name(name, sf_vocabulary)
    assert re.fullmatch(r"[a-z]+( [a-z]+)*", spoken), spoken
    assert all(len(word) <= 12 for word in spoken.split()), spoken  # glued words are split
    assert "enter" not in spoken.split() and "x" not in spoken.split()
    assert speakable_service_name(spoken, sf_vocabulary) == spoken


@pytest.mark.parametrize(
    ("name", "spoken"),
    [
        ("Sewage_Back_Up Out_of_catch_basin", "sewage backup out of catch basin"),
        ("Trees - Damaged Tree", "damaged tree"),
        ("Cans_Left_Out_24x7", "cans left out around the clock"),
        ("Sewage_Back_up Outofsewervent4inch", "sewage backup out of sewer vent four inch"),
        ("Graffiti - Public - Other_enter_additional_details_below", "graffiti public other"),
        ("Garbage and/or overgrowth on vacant lot", "garbage or overgrowth on vacant lot"),
        ("Sign - Defaced", "defaced sign"),
        ("Trees - Damaging Property", "trees damaging property"),
    ],
)
def test_speakable_names_of_messy_names(name: str, spoken: str, sf_vocabulary) -> None:
    assert speakable_service_name(name, sf_vocabulary) == spoken


def test_sf_speakable_names_are_all_different(sf_vocabulary) -> None:
    spoken = [speakable_service_name(n, sf_vocabulary) for n in SF_NAMES]
    assert len(set(spoken)) == len(spoken)


def test_services_that_sound_alike_are_told_apart() -> None:
    services = [Service("a1", "Pot_Hole"), Service("b2", "Pot Hole")]
    flow = intake_flow(services, {})
    assert sorted(keyed(flow.states["main_menu"]).values()) == ["pot hole a one", "pot hole b two"]


def _definition() -> ServiceDefinition:
    kinds = tuple(AttributeValue(f"k{i}", f"Kind_{name}") for i, name in enumerate("ABCDEFGHIJ"))
    return ServiceDefinition(
        "1",
        (
            Attribute("notice", "string", "Crews come within a week.", variable=False, order=1),
            Attribute("kind", "singlevaluelist", "What kind?", True, order=2, values=kinds),
            Attribute(
                "extras",
                "multivaluelist",
                "What else is there?",
                False,
                order=3,
                values=(AttributeValue("glass", "Broken glass"), AttributeValue("oil", "Oil")),
            ),
            Attribute("count", "number", "How many are there?", True, order=4),
            Attribute("when", "datetime", "When did you see it?", False, order=5),
            Attribute("notes", "text", "Anything else?", False, order=6),
        ),
    )


def test_attributes_become_questions_in_order() -> None:
    services = [Service("1", "Cans_Left_Out_24x7"), Service("2", "Pavement_Defect")]
    flow = intake_flow(services, {"1": _definition()})
    option = next(o for o in flow.states["main_menu"].options if o.service_code == "1")
    chain: list[State] = []
    name = option.target
    while name != "ask_location":
        state = flow.states[name]
        chain.append(state)
        if state.type == "confirm":
            name = state.transitions["yes"]
        else:
            name = state.transitions.get("done") or state.options[0].target
    kinds = [(s.type, s.attribute) for s in chain]
    assert kinds == [
        ("say", None),
        ("menu", "kind"),
        ("confirm", "extras"),
        ("confirm", "extras"),
        ("ask_digits", "count"),
        ("ask_speech", "when"),
        ("ask_speech", "notes"),
    ]
    notice, kind, glass, oil, count, when, notes = chain
    assert notice.prompt[0].values == (("question", "Crews come within a week."),)
    # Required: no skip, a person after the last attempt. Optional: star skips.
    assert kind.skip_key is None and kind.after_last_attempt == "operator"
    assert count.skip_key is None and count.after_last_attempt == "operator"
    assert when.skip_key == "*" and when.transitions["skip"] == notes.name
    assert notes.skip_key == "*" and notes.after_last_attempt == "ask_location"
    assert (glass.value, oil.value) == ("glass", "oil")
    # Ten values do not fit one menu: eight, then "more".
    first_page = [o.value for o in kind.options if o.key]
    assert first_page == [f"k{i}" for i in range(8)] + [None]
    page2 = flow.states[f"{kind.name}_page2"]
    assert [o.value for o in page2.options if o.key] == ["k8", "k9", None]
    assert check_flow(flow, load_catalogues()) == []


def test_answers_reach_the_report(sf) -> None:
    services = [Service("1", "Cans_Left_Out_24x7"), Service("2", "Pavement_Defect")]
    flow = intake_flow(services, {"1": _definition()})
    call = Call(flow, load_catalogues())
    call.start()
    call.silence()
    heard = call.press("1")
    assert heard[:2] == ["Crews come within a week.", "What kind?"]
    call.press("9")  # more kinds
    call.say("kind j")
    call.press("1")  # broken glass: yes
    call.say("no")  # oil: no
    call.press("12")
    call.press("*")  # when: skipped
    heard = call.say("a lot of cans")
    assert heard == [call.text("location.ask")]
    assert call.state.attributes == {
        "kind": ("k9",),
        "extras": ("glass",),
        "count": ("12",),
        "notes": ("a lot of cans",),
    }


def test_one_language_has_no_offer_of_another() -> None:
    flow = intake_flow([Service("1", "Pavement_Defect")], {}, languages=("en",))
    assert flow.states["welcome"].type == "say"
    assert check_flow(flow, load_catalogues()) == []


def test_generated_yaml_reads_back_as_the_same_flow(sf) -> None:
    document = generate_intake(sf, {})
    again = flow_from_document(load_yaml(dump_yaml(document)), "<generated intake>")
    assert again == flow_from_document(document, "<generated intake>")


def test_no_services_is_an_error() -> None:
    with pytest.raises(ValueError, match="no services"):
        generate_intake([], {})


def _dumping() -> tuple[list[Service], dict[str, ServiceDefinition]]:
    """Illegal dumping as the embedded city defines it: what was dumped is required."""
    items = Attribute(
        "items",
        "multivaluelist",
        "What has been dumped?",
        True,
        order=1,
        values=(AttributeValue("furniture", "Furniture"), AttributeValue("mattress", "A mattress")),
    )
    services = [Service("15", "Illegal_Dumping"), Service("2", "Pavement_Defect")]
    return services, {"15": ServiceDefinition("15", (items,))}


def _dumping_call() -> Call:
    flow = intake_flow(*_dumping())
    assert check_flow(flow, load_catalogues()) == []
    call = Call(flow, load_catalogues())
    call.start()
    call.silence()
    assert call.press("1") == ["What has been dumped? Is it furniture? Press 1 for yes, 2 for no."]
    return call


def test_a_required_multivaluelist_with_no_yes_is_asked_once_more_then_a_person() -> None:
    call = _dumping_call()
    call.press("2")
    heard = call.say("no")
    assert heard == [
        call.text("question.needs_one"),
        "What has been dumped? Is it furniture? Press 1 for yes, 2 for no.",
    ]
    call.press("2")
    heard = call.press("2")
    assert heard[0] == call.text("common.transfer")
    assert call.state.current == "operator" and "items" not in call.state.attributes


def test_a_required_multivaluelist_answered_on_its_second_pass_goes_on() -> None:
    call = _dumping_call()
    call.press("2")
    call.press("2")
    call.press("2")
    assert call.press("1") == [call.text("location.ask")]
    assert call.state.attributes == {"items": ("mattress",)}


def test_a_required_multivaluelist_never_understood_is_asked_once_more() -> None:
    call = _dumping_call()
    for _ in range(4):  # two attempts at each value, none understood
        call.say("purple")
    assert call.heard()[-2:] == [
        call.text("question.needs_one"),
        "What has been dumped? Is it furniture? Press 1 for yes, 2 for no.",
    ]


def test_a_no_takes_back_a_yes_of_an_earlier_pass() -> None:
    """A caller who starts the report over and now says no to a value no longer reports it."""
    call = _dumping_call()
    call.press("1")  # furniture: yes
    call.press("1")  # a mattress: yes
    assert call.state.attributes == {"items": ("furniture", "mattress")}
    first = call.state.visits  # the second pass, as after "to start over, press 2"
    call.state = dataclasses.replace(call.state, current="service0_q1_items_v1", visits=first)
    call.press("2")  # furniture: no
    assert call.press("1") == [call.text("location.ask")]
    assert call.state.attributes == {"items": ("mattress",)}
