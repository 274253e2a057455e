"""Words to a place: the address lookup that ``resolve_address`` and the keyed street choice
share, and the :class:`~ivr.dialog.state.Location` it leaves on the call."""

from __future__ import annotations

from ivr.addresses.types import GeocodeResult
from ivr.dialog.state import Location
from ivr.dialog.turn import Turn


class DialogSetupError(RuntimeError):
    """The engine was asked to do something its context was not given the means for."""


def place_words(
    turn: Turn, words: str, postal_code: str | None, *, settle_ambiguity: bool = False
) -> str:
    """Look ``words`` up (in ``postal_code`` when given) and keep the best place on the call.

    ``done``: one confident match, read back as {address}; ``ambiguous``: the street is in
    several places (ask for the postal code); ``failed``: nothing confident. With
    ``settle_ambiguity`` (the caller already chose the street from a list), the best match
    is read back whatever its score: the caller confirms it or not."""
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
    if settle_ambiguity:
        outcome = "done"
    elif best.ambiguous and not best.number_not_placed:
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
