"""How each kind of input state understands the caller's keys, words and recordings.

:func:`answer` tells the engine what the caller's event means for the current state: silence
(``no_input``), nothing the state knows (``no_match``), a request for a person
(``operator``), or a result with the state to go to next. It stores what was answered into
the call's slots and attributes on the way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flows.model import Option, State, StateType
from ivr.dialog.actions import WAITED_ON, Job
from ivr.dialog.events import Event, EventKind
from ivr.dialog.matching import best_choice, said_exactly, spoken_digits
from ivr.dialog.turn import Turn

OPERATOR_KEY = "0"
MIN_RECORDING_SECONDS = 1.0


@dataclass(frozen=True)
class Answered:
    result: str  # no_input, no_match, operator, or what happened ("option 2", "yes", "done")
    target: str | None = None


NO_INPUT = Answered("no_input")
NO_MATCH = Answered("no_match")
OPERATOR = Answered("operator")


def answer(turn: Turn, state: State, event: Event) -> Answered:
    if event.kind is EventKind.NO_INPUT:
        return NO_INPUT
    if event.kind is EventKind.KEYPRESS:
        digits = event.digits.strip()
        if state.type is StateType.ASK_DIGITS and state.finish_on_key:
            digits = digits.rstrip(state.finish_on_key)
        if not digits:
            return NO_INPUT
        if digits == OPERATOR_KEY and turn.flow.operator:
            return OPERATOR
        if state.skip_key and digits == state.skip_key:
            return _go(state, "skip")
        return _KEYPRESS[state.type](turn, state, digits)
    if event.kind is EventKind.SPEECH:
        text = event.text.strip()
        if not text:
            return NO_INPUT
        if state.min_confidence and (event.confidence or 0.0) < state.min_confidence:
            return NO_MATCH
        if _asks_for_person(turn, state, text):
            return OPERATOR
        if state.skip_key and said_exactly(text, turn.catalogue.words.get("skip", ())):
            return _go(state, "skip")
        return _SPEECH[state.type](turn, state, text)
    if event.kind is EventKind.RECORDING and state.type is StateType.RECORD:
        return _recording(turn, state, event)
    return NO_MATCH


def _go(state: State, event: str) -> Answered:
    return Answered(event, state.transitions.get(event))


def _asks_for_person(turn: Turn, state: State, text: str) -> bool:
    if not turn.flow.operator:
        return False
    person = turn.catalogue.words.get("operator", ())
    if state.type in (StateType.MENU, StateType.CONFIRM):
        choices = [("operator", person), *_option_choices(turn, state)]
        if state.type is StateType.CONFIRM:
            choices = [("operator", person), *_yes_no_choices(turn, state)]
        return best_choice(text, choices) == "operator"
    # In a free answer, "person" may be part of what they saw: only the bare request counts.
    return said_exactly(text, person)


# -- menus ----------------------------------------------------------------------------------


def option_name(turn: Turn, option: Option) -> str | None:
    """The option's name as the caller hears it; None when it is not on offer (it is named
    by a slot that is empty: fewer streets were found than the menu has places for)."""
    if option.name_slot is None:
        return option.name
    return turn.slots.get(option.name_slot) or None


def _option_phrases(turn: Turn, option: Option) -> list[str]:
    catalogue = turn.catalogue
    phrases = list(option.phrases)
    if option.name_slot is not None:
        phrases.append(turn.slots.get(option.name_slot, ""))  # the street's name, said
    for key in option.words:
        phrases += catalogue.words.get(key, ())
    if option.key is not None:
        phrases += catalogue.digits.get(option.key, ())
    return phrases


def _option_choices(turn: Turn, state: State) -> list[tuple[str, list[str]]]:
    return [
        (str(i), _option_phrases(turn, o))
        for i, o in enumerate(state.options)
        if option_name(turn, o) is not None
    ]


def _choose(turn: Turn, state: State, option: Option) -> Answered:
    if option.value is not None:
        turn.store(state.store_as, state.attribute, option.value)
    if option.service_code is not None:
        turn.choose_service(option.service_code, option.name)
    if option.language is not None:
        turn.language = option.language
    how = f"option {option.key}" if option.key else "option by voice"
    return Answered(how, option.target)


def _menu_key(turn: Turn, state: State, digits: str) -> Answered:
    for option in state.options:
        if option.key == digits and option_name(turn, option) is not None:
            return _choose(turn, state, option)
    return NO_MATCH


def _menu_speech(turn: Turn, state: State, text: str) -> Answered:
    chosen = best_choice(text, _option_choices(turn, state))
    if chosen is None:
        return NO_MATCH
    return _choose(turn, state, state.options[int(chosen)])


# -- yes or no ------------------------------------------------------------------------------


def _yes_no_choices(turn: Turn, state: State) -> list[tuple[str, list[str]]]:
    catalogue = turn.catalogue
    return [
        ("yes", [*catalogue.words.get("yes", ()), *catalogue.digits.get(state.yes_key, ())]),
        ("no", [*catalogue.words.get("no", ()), *catalogue.digits.get(state.no_key, ())]),
    ]


def _confirmed(turn: Turn, state: State, said: str | None) -> Answered:
    if said is None:
        return NO_MATCH
    if state.attribute and state.value is not None:  # a multivaluelist's value, asked alone
        if said == "yes":
            turn.add_attribute_value(state.attribute, state.value)
        else:  # a "no" on a second pass (the report started over) takes back an earlier yes
            turn.remove_attribute_value(state.attribute, state.value)
    return _go(state, said)


def _confirm_key(turn: Turn, state: State, digits: str) -> Answered:
    said = {state.yes_key: "yes", state.no_key: "no"}.get(digits)
    return _confirmed(turn, state, said)


def _confirm_speech(turn: Turn, state: State, text: str) -> Answered:
    return _confirmed(turn, state, best_choice(text, _yes_no_choices(turn, state)))


# -- numbers and free answers -------------------------------------------------------------------


def _digits_fit(state: State, digits: str) -> bool:
    if not digits.isdigit():
        return False
    if state.num_digits is not None:
        return len(digits) == state.num_digits
    return len(digits) >= state.min_digits and (
        state.max_digits is None or len(digits) <= state.max_digits
    )


def _digits_key(turn: Turn, state: State, digits: str) -> Answered:
    if not _digits_fit(state, digits):
        return NO_MATCH
    turn.store(state.store_as, state.attribute, digits)
    return _go(state, "done")


def _digits_speech(turn: Turn, state: State, text: str) -> Answered:
    digits = spoken_digits(text, turn.catalogue.digits)
    if digits is None:
        return NO_MATCH
    return _digits_key(turn, state, digits)


def _speech_key(turn: Turn, state: State, digits: str) -> Answered:
    return NO_MATCH  # a spoken answer cannot be typed; 0 and the skip key were handled before


def _speech_text(turn: Turn, state: State, text: str) -> Answered:
    turn.store(state.store_as, state.attribute, text)
    return _go(state, "done")


def _recording(turn: Turn, state: State, event: Event) -> Answered:
    if not event.recording_url or (
        event.duration is not None and event.duration < MIN_RECORDING_SECONDS
    ):
        return NO_INPUT
    slot = state.store_as or "recording"
    turn.slots[f"{slot}_url"] = event.recording_url
    if state.transcribe:
        key = f"{turn.before.call_sid}:{turn.next_step}:transcribe"
        data: dict[str, Any] = {
            "recording_url": event.recording_url,
            "language": turn.catalogue.say_language,
            "slot": slot,
            "grammar": state.grammar,
        }
        context = {
            name: " ".join(turn.slots[s] for s in slots if turn.slots.get(s))
            for name, slots in state.inputs.items()
        }
        if context:
            data["context"] = context  # e.g. the keyed house number, to narrow a street
        # A place is read back as soon as it is heard; a description waits for the filing.
        priority = WAITED_ON if state.grammar in ("streets", "street_names") else 0
        turn.jobs.append(
            Job(name="transcribe", key=key, step=turn.next_step, data=data, priority=priority)
        )
        turn.pending[slot] = key
    return _go(state, "done")


def _no_keys(turn: Turn, state: State, digits: str) -> Answered:
    return NO_MATCH


def _no_speech(turn: Turn, state: State, text: str) -> Answered:
    return NO_MATCH


_KEYPRESS = {
    StateType.MENU: _menu_key,
    StateType.CONFIRM: _confirm_key,
    StateType.ASK_DIGITS: _digits_key,
    StateType.ASK_SPEECH: _speech_key,
    StateType.RECORD: _no_keys,
}
_SPEECH = {
    StateType.MENU: _menu_speech,
    StateType.CONFIRM: _confirm_speech,
    StateType.ASK_DIGITS: _digits_speech,
    StateType.ASK_SPEECH: _speech_text,
    StateType.RECORD: _no_speech,
}
