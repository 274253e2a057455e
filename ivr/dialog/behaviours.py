"""The behaviours a ``lookup`` state may name, under the names ``flows.behaviour_specs`` registers.

A behaviour reads the call's slots, does its work through the context's injected callables and
returns the event that leaves the state — or :data:`WAIT` when an input it needs is still
being produced by a job (a recording being transcribed).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from flows.model import State
from ivr.dialog.follow_up import (
    find_duplicates,
    offer_text,
    request_status,
    start_duplicate_check,
)
from ivr.dialog.location_repair import (
    keep_place_unconfirmed,
    match_street_letters,
    more_street_choices,
    resolve_street_choice,
)
from ivr.dialog.placing import place_words
from ivr.dialog.turn import Turn
from ivr.dialog.waiting import WAIT


def _slot_names(state: State, input_name: str) -> tuple[str, ...]:
    return state.inputs.get(input_name, ())


def resolve_address(turn: Turn, state: State) -> str:
    used = _slot_names(state, "words") + _slot_names(state, "postal_code")
    if any(slot in turn.pending for slot in used):
        return WAIT
    if "words" in state.inputs:
        words = " ".join(turn.slots[s] for s in _slot_names(state, "words") if turn.slots.get(s))
    else:
        words = turn.location.query if turn.location else ""
    postal_codes = [turn.slots[s] for s in _slot_names(state, "postal_code") if turn.slots.get(s)]
    return place_words(turn, words, postal_codes[0] if postal_codes else None)


def await_transcripts(turn: Turn, state: State) -> str:
    """WAIT while any slot named in ``slots`` still awaits its transcript."""
    if any(slot in turn.pending for slot in _slot_names(state, "slots")):
        return WAIT
    return "done"


def require_attribute(turn: Turn, state: State) -> str:
    """A required multivaluelist's answers: the city refuses a report without one."""
    return "answered" if state.attribute and turn.attributes.get(state.attribute) else "unanswered"


BEHAVIOURS: Mapping[str, Callable[[Turn, State], str]] = {
    "resolve_address": resolve_address,
    "request_status": request_status,
    "start_duplicate_check": start_duplicate_check,
    "find_duplicates": find_duplicates,
    "offer_text": offer_text,
    "await_transcripts": await_transcripts,
    "match_street_letters": match_street_letters,
    "more_street_choices": more_street_choices,
    "resolve_street_choice": resolve_street_choice,
    "require_attribute": require_attribute,
    "keep_place_unconfirmed": keep_place_unconfirmed,
}
