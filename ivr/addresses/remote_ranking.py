"""Scoring a remote service's places against what the caller said, and spotting ambiguity.

A service's confidence says how well its answer fits the *query*; it does not know that a
caller who asked for "755 Washington Street" and got "Washington Avenue", or the street with no
number, has not been understood. So each place's score is the service's own confidence (0..1)
times an *agreement* factor (0..1) that compares the place with the candidate:

- street key: same key, or same name when the caller gave no suffix ("Elm") → 1; otherwise
  0.8 × the similarity of the two keys (rapidfuzz ratio), so a near miss stays below a match;
- a house number was said but the place is only the street → × 0.6; the place has another
  number → × 0.5;
- a corner was said (street and cross street) but the place is not an intersection → × 0.7;
- a postal code was said and the place is in another → × 0.8.

The places of one answer whose scores are within ``ALIKE_MARGIN`` of the best are "alike"; when
they lie in different postal codes (or, lacking those, neighbourhoods) the result is ambiguous
and ``ask_about`` lists them, so the call flow can ask "which part of the city?".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from ivr.addresses.streets import parse_street, street_key
from ivr.addresses.types import AddressCandidate, GeocodeResult, MatchLevel, Place

ALIKE_MARGIN = 0.05
NEAR_MISS = 0.8
NUMBER_NOT_FOUND = 0.6
OTHER_NUMBER = 0.5
CORNER_NOT_FOUND = 0.7
OTHER_POSTAL_CODE = 0.8
UNNAMED_STREET = 0.7  # the service did not say which street it placed the caller on

_NUMBER_SEPARATORS = re.compile(r"[;,\s]+|-")


@dataclass(frozen=True)
class RemoteHit:
    """One place in a service's answer, as the adapter read it."""

    place: Place
    level: MatchLevel
    confidence: float  # the service's own confidence, normalised to 0..1


def rank_hits(
    candidate: AddressCandidate, hits: Sequence[RemoteHit], *, limit: int
) -> GeocodeResult:
    """The result for one candidate: best place, alternatives, ambiguity. ``hits`` not empty."""
    scored: list[tuple[float, int, RemoteHit]] = []
    seen: set[tuple[float, float, str | None, str]] = set()
    for index, hit in enumerate(hits):
        place = hit.place
        identity = (round(place.lat, 5), round(place.lon, 5), place.house_number, place.street_key)
        if identity in seen:
            continue
        seen.add(identity)
        confidence = min(max(hit.confidence, 0.0), 1.0)
        scored.append((confidence * agreement(candidate, hit), index, hit))
    scored.sort(key=lambda item: (-item[0], item[1]))
    scored = scored[: max(limit, 1)]
    best_score, _, best = scored[0]
    alike = [hit.place for score, _, hit in scored if best_score - score <= ALIKE_MARGIN]
    ask_about = _what_tells_apart(alike)
    return GeocodeResult(
        level=best.level,
        score=round(best_score, 4),
        place=best.place,
        alternatives=tuple(hit.place for _, _, hit in scored[1:]),
        ambiguous=bool(ask_about),
        ask_about=ask_about,
        candidate=candidate,
    )


def agreement(candidate: AddressCandidate, hit: RemoteHit) -> float:
    """How far the place is what the caller said, 0..1 (see the module's doc)."""
    place = hit.place
    factor = 1.0
    if candidate.street:
        if hit.level is MatchLevel.INTERSECTION and candidate.cross_street:
            cross_key = _key_or_empty(place.cross_street)
            straight = _same_street(candidate.street, place.street_key) + _same_street(
                candidate.cross_street, cross_key
            )
            swapped = _same_street(candidate.street, cross_key) + _same_street(
                candidate.cross_street, place.street_key
            )
            factor *= max(straight, swapped) / 2
        else:
            factor *= _same_street(candidate.street, place.street_key)
    if candidate.cross_street and hit.level is not MatchLevel.INTERSECTION:
        factor *= CORNER_NOT_FOUND
    if candidate.house_number:
        if hit.level is MatchLevel.STREET:
            factor *= NUMBER_NOT_FOUND
        elif place.house_number and not _same_number(candidate.house_number, place.house_number):
            factor *= OTHER_NUMBER
    said_code = (candidate.postal_code or "").strip()[:5]
    if said_code and place.postal_code and place.postal_code.strip()[:5] != said_code:
        factor *= OTHER_POSTAL_CODE
    return factor


def _same_street(said: str, found: str) -> float:
    if not found:
        return UNNAMED_STREET
    if said == found:
        return 1.0
    try:
        said_street = parse_street(said)
        if not said_street.suffix and parse_street(found).core == said_street.core:
            return 1.0
    except ValueError:
        pass
    return NEAR_MISS * fuzz.ratio(said, found) / 100.0


def _same_number(said: str, found: str) -> bool:
    said = said.strip().upper()
    found = found.strip().upper()
    return said == found or said in _NUMBER_SEPARATORS.split(found)


def _key_or_empty(written: str) -> str:
    try:
        return street_key(written) if written.strip() else ""
    except ValueError:
        return ""


def _what_tells_apart(places: Sequence[Place]) -> tuple[str, ...]:
    codes = tuple(dict.fromkeys(p.postal_code[:5] for p in places if p.postal_code))
    if len(codes) > 1:
        return codes
    hoods = tuple(dict.fromkeys(p.neighbourhood for p in places if p.neighbourhood))
    if len(hoods) > 1:
        return hoods
    return ()
