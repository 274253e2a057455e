"""The behaviours a ``lookup`` state may name, under the names ``flows.behaviour_specs`` registers.

A behaviour reads the call's slots, does its work through the context's injected callables and
returns the event that leaves the state — or :data:`WAIT` when an input it needs is still
being produced by a job (a recording being transcribed).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from flows.model import State
from ivr.addresses.types import GeocodeResult
from ivr.dialog.follow_up import (
    find_duplicates,
    offer_text,
    request_status,
    start_duplicate_check,
)
from ivr.dialog.state import Location
from ivr.dialog.turn import Turn
from ivr.dialog.waiting import WAIT


class DialogSetupError(RuntimeError):
    """The engine was asked to do something its context was not given the means for."""


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
    postal_code = postal_codes[0] if postal_codes else None
    if not words.strip():
        turn.set_location(Location(outcome="failed", query=words))
        return "failed"
    resolver = turn.context.resolver
    if resolver is None:
        raise DialogSetupError("the flow looks an address up but no resolver was given")
    results = list(resolver.resolve(words, postal_code=postal_code))
    best = next((r for r in results if r.matched), None)
    if best is None:
        turn.set_location(Location(outcome="failed", query=words))
        return "failed"
    if best.ambiguous and not best.number_not_placed:
        outcome = "ambiguous"
    elif best.ambiguous:
        # "1088 Templeton Way", and Templeton Way has no 1088: asking which ZIP code would
        # settle a street the caller probably never said. The keypad path asks again.
        outcome = "failed"
    elif best.score >= turn.context.confident_score:
        outcome = "done"
    else:
        outcome = "failed"
    spoken = turn.context.read_back(best, language=turn.language)
    turn.set_location(_location(outcome, best, words, spoken))
    return outcome


def _location(outcome: str, result: GeocodeResult, query: str, spoken: str) -> Location:
    place = result.place
    assert place is not None  # a matched result has a place
    return Location(
        outcome=outcome,
        level=str(result.level),
        score=result.score,
        lat=place.lat,
        lon=place.lon,
        house_number=place.house_number or "",
        street=place.street,
        postal_code=place.postal_code,
        spoken=spoken,
        query=query,
        ask_about=result.ask_about,
        source=place.source,
    )


def await_transcripts(turn: Turn, state: State) -> str:
    """WAIT while any slot named in ``slots`` still awaits its transcript."""
    if any(slot in turn.pending for slot in _slot_names(state, "slots")):
        return WAIT
    return "done"


BEHAVIOURS: Mapping[str, Callable[[Turn, State], str]] = {
    "resolve_address": resolve_address,
    "request_status": request_status,
    "start_duplicate_check": start_duplicate_check,
    "find_duplicates": find_duplicates,
    "offer_text": offer_text,
    "await_transcripts": await_transcripts,
}
