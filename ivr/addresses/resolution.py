"""Spoken words to ranked places with any geocoder: parse, then geocode.

The gazetteer geocoder does this itself (:meth:`GazetteerGeocoder.resolve`), because it can do
better: it tells the parser which streets exist and takes "in <neighbourhood>" out of the
words. A remote geocoder gets the parser's candidates as they are.
"""

from __future__ import annotations

import dataclasses
import logging

from ivr.addresses.geocoder import GazetteerGeocoder
from ivr.addresses.spoken import parse_spoken
from ivr.addresses.types import Geocoder, GeocodeResult, no_match

log = logging.getLogger(__name__)


def resolve(
    geocoder: Geocoder, words: str, *, postal_code: str | None = None
) -> list[GeocodeResult]:
    """Ranked results for what the caller said (``postal_code``: keyed in); never raises."""
    if isinstance(geocoder, GazetteerGeocoder):
        return geocoder.resolve(words, postal_code=postal_code)
    try:
        parsed = parse_spoken(words)
    except Exception:
        log.exception("parsing the spoken address failed")
        return [no_match("the words could not be read as an address (internal error)")]
    candidates = list(parsed.candidates)
    if not candidates:
        return [no_match(parsed.reason or "no address was heard")]
    if postal_code and postal_code.strip():
        code = postal_code.strip()[:10]
        candidates = [dataclasses.replace(c, postal_code=code) for c in candidates]
    try:
        return geocoder.geocode(candidates) or [no_match("the geocoder gave no answer")]
    except Exception:
        log.exception("geocoding failed")
        return [no_match("the address could not be looked up (internal error)")]
