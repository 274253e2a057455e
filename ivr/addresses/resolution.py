"""Spoken words to the candidates a resolver looks up: parse them, add a keyed postal code.

Every :class:`~ivr.addresses.types.AddressResolver` reads the caller's words here, so "twelve
thirty four", a postal code keyed on the phone pad and an empty answer mean the same to the
gazetteer and to a remote geocoder. The gazetteer passes ``known_streets`` (the parser then
prefers readings that name a street it has); a remote geocoder knows no street list and passes
none.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Sequence

from ivr.addresses.spoken import parse_spoken
from ivr.addresses.types import AddressCandidate, GeocodeResult, no_match

log = logging.getLogger(__name__)

Geocode = Callable[[Sequence[AddressCandidate]], list[GeocodeResult]]


def spoken_candidates(
    words: str,
    *,
    postal_code: str | None = None,
    known_streets: Callable[[str], bool] | None = None,
) -> list[AddressCandidate] | GeocodeResult:
    """The parser's readings of ``words`` (best first) with ``postal_code`` on each; a NONE
    result saying why when there is nothing to look up. Never raises."""
    try:
        parsed = parse_spoken(words, known_streets=known_streets)
    except Exception:  # the caller must hear something; the operator gets the trace
        log.exception("parsing the spoken address failed")
        return no_match("the words could not be read as an address (internal error)")
    candidates = list(parsed.candidates)
    if not candidates:
        return no_match(parsed.reason or "no address was heard")
    if postal_code and postal_code.strip():
        code = postal_code.strip()[:10]
        candidates = [dataclasses.replace(c, postal_code=code) for c in candidates]
    return candidates


def resolve_with(
    geocode: Geocode, words: str, *, postal_code: str | None = None
) -> list[GeocodeResult]:
    """Parse ``words`` and look the readings up with ``geocode``; never raises, never empty."""
    candidates = spoken_candidates(words, postal_code=postal_code)
    if isinstance(candidates, GeocodeResult):
        return [candidates]
    try:
        return geocode(candidates) or [no_match("the geocoder gave no answer")]
    except Exception:
        log.exception("geocoding failed")
        return [no_match("the address could not be looked up (internal error)")]
