"""The standard intake flow, generated from the city's own Open311 services.

welcome ("para español, oprima nueve"; a caller who presses it hears the welcome again in
Spanish) → the recording notice, in the caller's language → the service menu (where saying
"español" also switches) → the service's questions →
the location (said, read back, confirmed; else house number by keypad and street by voice;
an ambiguous street asks for the postal code) → the description (recorded, transcribed by a
job) → a final confirm → submit → goodbye. 0 reaches a person from every question.

The menu: the services themselves when there are nine or fewer; otherwise a first menu of the
city's groups (a group of one service is offered as that service), each leading to a menu of its
services. A menu with more than nine entries is paged: eight entries and "for more choices,
press 9", with star going back. At the first menu a caller may also say any service's name, or
the second language's name ("español"): the welcome and the recording notice are said again in
that language, then the menu.

The questions, from each service definition's attributes in ``order``:

- ``singlevaluelist``: a menu of its values (paged like any menu);
- ``multivaluelist``: one yes/no question per value ("Is it …? Press 1 for yes, 2 for no"),
  every yes adding that value and every no taking it back — simple to answer by keypad or
  voice, whatever the list's size. A required one with no yes at all is asked once more
  ("The city needs at least one of these…"), then a person: the city would refuse it;
- ``number``: digits, ended by pound;
- ``string``, ``text``, ``datetime``: a spoken answer (the datetime as said, for the city to read);
- an attribute with ``variable: false`` is information: it is read, not asked;
- an optional question can be skipped with star; after its last attempt it is skipped. After
  the last attempt at a required question, the caller goes to a person.

Prompts are catalogue templates ("For {name}, press {key}.") filled with speakable names made
by :func:`flows.speakable.speakable_service_name`: still catalogue keys, never inline prose.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flows.intake_parts import (
    RECORDING_NOTICE,
    WELCOMED,
    includes,
    language_options,
    report,
    status_by_phone,
    status_option,
    welcome,
)
from flows.loader import flow_from_document
from flows.model import Flow
from flows.speakable import service_vocabulary, speakable_service_name
from ivr.open311.models import Attribute, Service, ServiceDefinition

MENU_KEYS = "123456789"
PAGE_SIZE = 8  # entries on a page that continues: key 9 is "more"
# Entries into one menu page a call may make: paging back and forth, or starting over from
# the final confirm, goes round; after this many the caller goes where silence would lead.
MENU_VISITS = 6
OPERATOR = "operator"
MAIN_MENU = "main_menu"
LOCATION = "ask_location"
STATUS = "ask_reference"
GENERATED_SOURCE = "<generated intake>"


@dataclass(frozen=True)
class _Entry:
    """One thing a menu offers: a group or a service."""

    name: str  # speakable
    target: str
    service_code: str | None = None
    phrases: tuple[str, ...] = ()
    value: str | None = None  # an attribute value's key, for a question's menu


def intake_flow(
    services: Sequence[Service],
    definitions: Mapping[str, ServiceDefinition] | None = None,
    *,
    languages: Sequence[str] = ("en", "es"),
    recognizer: str = "twilio",
) -> Flow:
    """The generated intake as a validated flow; ``recognizer`` as ``IVR_RECOGNIZER``."""
    document = generate_intake(services, definitions, languages=languages, recognizer=recognizer)
    return flow_from_document(document, source=GENERATED_SOURCE)


def generate_intake(
    services: Sequence[Service],
    definitions: Mapping[str, ServiceDefinition] | None = None,
    *,
    name: str = "intake",
    languages: Sequence[str] = ("en", "es"),
    recognizer: str = "twilio",
) -> dict[str, Any]:
    """The intake flow document (plain data, ready to check or to write as YAML)."""
    if not services:
        raise ValueError("a city with no services has nothing to offer callers")
    definitions = definitions or {}
    texts = [t for s in services for t in (s.service_name, s.group, s.description)]
    vocabulary = service_vocabulary(texts)
    states: dict[str, dict[str, Any]] = {}
    entries: list[_Entry] = []
    for index, service in enumerate(services):
        first = _questions(states, index, service, definitions.get(service.service_code))
        spoken = speakable_service_name(service.service_name, vocabulary)
        keywords = tuple(k for k in service.keywords if k.strip())
        entries.append(_Entry(spoken, first, service.service_code, (spoken, *keywords)))
    entries = _unique_names(entries, services)
    top = _top_entries(states, services, entries, vocabulary)
    grouped = len(top) != len(entries)
    intro = "intake.choose_group" if grouped else "intake.choose_service"
    _menu(states, MAIN_MENU, top, intro=intro, by_voice=entries if grouped else ())
    states[MAIN_MENU]["options"].append(status_option(target=STATUS))
    # "español" said at the first menu, after the welcome's moment has passed: the welcome,
    # the way to a person and the recording notice again in Spanish, then this menu
    states[MAIN_MENU]["options"] += language_options(languages, target=WELCOMED)
    states.update(welcome(languages, then=RECORDING_NOTICE))
    offline = recognizer != "twilio"
    states.update(report(restart=MAIN_MENU, offline=offline))
    states.update(status_by_phone(start=STATUS, main_menu=MAIN_MENU, operator=OPERATOR))
    return {
        "name": name,
        "description": "The standard intake, generated from the city's Open311 services.",
        "start": "welcome",
        "operator": OPERATOR,
        "languages": list(languages),
        "include": includes(
            location=LOCATION, operator=OPERATOR, offline=offline, after_notice=MAIN_MENU
        ),
        "states": states,
    }


def _unique_names(entries: list[_Entry], services: Sequence[Service]) -> list[_Entry]:
    """Two services must not sound alike in one menu: repeat names get their code."""
    counts: dict[str, int] = {}
    for entry in entries:
        counts[entry.name] = counts.get(entry.name, 0) + 1
    unique = []
    for entry, service in zip(entries, services, strict=True):
        if counts[entry.name] > 1:
            name = speakable_service_name(f"{entry.name} {' '.join(service.service_code)}")
            entry = _Entry(name, entry.target, entry.service_code, (name, *entry.phrases[1:]))
        unique.append(entry)
    return unique


def _top_entries(
    states: dict[str, dict[str, Any]],
    services: Sequence[Service],
    entries: list[_Entry],
    vocabulary: frozenset[str],
) -> list[_Entry]:
    """The services themselves when they fit one menu or have no groups; else the groups."""
    groups: dict[str, list[_Entry]] = {}
    for service, entry in zip(services, entries, strict=True):
        groups.setdefault(service.group.strip(), []).append(entry)
    if len(entries) <= len(MENU_KEYS) or len(groups) < 2:
        return entries
    top: list[_Entry] = []
    for index, (group, members) in enumerate(groups.items()):
        if not group or len(members) == 1:
            top += members
            continue
        menu = f"group{index}_{_slug(group)}"
        spoken = speakable_service_name(group, vocabulary)
        _menu(states, menu, members, intro="intake.choose_service", back=MAIN_MENU)
        top.append(_Entry(spoken, menu, None, (spoken,)))
    return top


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:40] or "x"


def _option(key: str, entry: _Entry) -> dict[str, Any]:
    option: dict[str, Any] = {
        "key": key,
        "target": entry.target,
        "name": entry.name,
        "phrases": list(entry.phrases),
        "prompt": {"key": "menu.option", "values": {"name": entry.name}},
    }
    if entry.service_code is not None:
        option["service_code"] = entry.service_code
    if entry.value is not None:
        option["value"] = entry.value
    return option


def _voice_option(entry: _Entry) -> dict[str, Any]:
    """A service chosen by saying its name at the first menu, without a key of its own."""
    return {
        "target": entry.target,
        "name": entry.name,
        "phrases": list(entry.phrases),
        "service_code": entry.service_code,
    }


def _pages(entries: Sequence[_Entry]) -> list[Sequence[_Entry]]:
    if len(entries) <= len(MENU_KEYS):
        return [entries]
    return [entries[i : i + PAGE_SIZE] for i in range(0, len(entries), PAGE_SIZE)]


def _menu(
    states: dict[str, dict[str, Any]],
    name: str,
    entries: Sequence[_Entry],
    *,
    intro: str,
    back: str | None = None,
    by_voice: Sequence[_Entry] = (),
    fields: Mapping[str, Any] | None = None,
    prompt: Any = None,
    after_last_attempt: str = OPERATOR,
    page_back: bool = True,
) -> None:
    """One menu state per page, named ``name``, ``name_page2``…; every page also takes the
    services of ``by_voice`` by name, except those it offers by key."""
    pages = _pages(entries)
    names = [name] + [f"{name}_page{i}" for i in range(2, len(pages) + 1)]
    for number, page in enumerate(pages):
        options = [_option(MENU_KEYS[i], entry) for i, entry in enumerate(page)]
        if number + 1 < len(pages):
            options.append(_nav("9", names[number + 1], "more", "menu.more"))
        previous = names[number - 1] if number and page_back else back
        if previous is not None:
            options.append(_nav("*", previous, "back", "menu.back"))
        keyed = {entry.service_code for entry in page}
        options += [_voice_option(e) for e in by_voice if e.service_code not in keyed]
        states[names[number]] = {
            "type": "menu",
            "prompt": prompt if prompt is not None else intro,
            "options": options,
            "attempts": 2,
            "after_last_attempt": after_last_attempt,
            "max_visits": MENU_VISITS,
            "after_max_visits": after_last_attempt,
            **(fields or {}),
        }


def _nav(key: str, target: str, words: str, prompt: str) -> dict[str, Any]:
    return {"key": key, "target": target, "words": [words], "prompt": prompt}


# -- questions ------------------------------------------------------------------------------


def _spoken(name: str, key: str) -> str:
    return speakable_service_name(name) if name.strip() else key


def _questions(
    states: dict[str, dict[str, Any]],
    index: int,
    service: Service,
    definition: ServiceDefinition | None,
) -> str:
    """Add the states asking ``service``'s questions; return the first (or the location)."""
    attributes = sorted(definition.attributes if definition else (), key=lambda a: a.order)
    following = LOCATION
    for number in range(len(attributes), 0, -1):
        attribute = attributes[number - 1]
        name = f"service{index}_q{number}_{_slug(attribute.code)}"
        following = _question(states, name, attribute, following)
    return following


def _question(
    states: dict[str, dict[str, Any]], name: str, attribute: Attribute, following: str
) -> str:
    question = attribute.description or attribute.code.replace("_", " ")
    values = {"question": question}
    code = attribute.code
    if not attribute.variable:
        states[name] = {
            "type": "say",
            "prompt": {"key": "question.note", "values": values},
            "transitions": {"done": following},
        }
        return name
    optional = not attribute.required
    give_up = following if optional else OPERATOR
    skip: dict[str, Any] = {"skip_key": "*", "transitions": {"skip": following}} if optional else {}
    skip_prompt = ["question.skip"] if optional else []
    if attribute.datatype == "singlevaluelist" and attribute.values:
        entries = [
            _Entry(_spoken(v.name, v.key), following, None, (_spoken(v.name, v.key),), v.key)
            for v in attribute.values
        ]
        _menu(
            states,
            name,
            entries,
            intro="question.choose",
            prompt=[{"key": "question.choose", "values": values}, *skip_prompt],
            fields={"attribute": code, **skip},
            after_last_attempt=give_up,
            page_back=not optional,  # star skips the question on every page
        )
        return name
    if attribute.datatype == "multivaluelist" and attribute.values:
        return _yes_no_chain(states, name, attribute, following, question=values)
    if attribute.datatype == "number":
        states[name] = {
            "type": "ask_digits",
            "prompt": [{"key": "question.digits", "values": values}, *skip_prompt],
            "attribute": code,
            "finish_on_key": "#",
            "max_digits": 12,
        }
    else:  # string, text, datetime, and a list without values
        states[name] = {
            "type": "ask_speech",
            "prompt": [{"key": "question.speech", "values": values}, *skip_prompt],
            "attribute": code,
        }
    states[name].update({"attempts": 2, "after_last_attempt": give_up})
    states[name].setdefault("transitions", {})["done"] = following
    if optional:
        states[name]["skip_key"] = "*"
        states[name]["transitions"]["skip"] = following
    return name


def _yes_no_chain(
    states: dict[str, dict[str, Any]],
    name: str,
    attribute: Attribute,
    following: str,
    *,
    question: Mapping[str, str],
) -> str:
    """A multivaluelist as one yes/no question per value (``name_v1`` …), the first saying
    the ``question`` (its prompt's values). A required one is checked after its last value:
    with no yes at all (the city would refuse the report), the caller hears that one is needed
    and the values once more, then goes to a person."""
    after_last = following
    if attribute.required:
        first, check, again = f"{name}_v1", f"{name}_given", f"{name}_needed"
        states[check] = {
            "type": "lookup",
            "behaviour": "require_attribute",
            "attribute": attribute.code,
            "transitions": {"answered": following, "unanswered": again},
        }
        states[again] = {
            "type": "say",
            "prompt": "question.needs_one",
            "max_visits": 1,  # one more pass through the values a call, then a person
            "after_max_visits": OPERATOR,
            "transitions": {"done": first},
        }
        after_last = check
    for number in range(len(attribute.values), 0, -1):
        value = attribute.values[number - 1]
        state_name = f"{name}_v{number}"
        spoken = {"name": _spoken(value.name, value.key)}
        prompt = (
            {"key": "question.yes_no", "values": {**question, **spoken}}
            if number == 1
            else {"key": "question.yes_no_next", "values": spoken}
        )
        states[state_name] = {
            "type": "confirm",
            "prompt": prompt,
            "attribute": attribute.code,
            "value": value.key,
            "attempts": 2,
            "after_last_attempt": after_last,
            "transitions": {"yes": after_last, "no": after_last},
        }
        after_last = state_name
    return after_last
