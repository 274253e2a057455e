"""The US Census Bureau geocoder: ``GET {base}/geocoder/locations/onelineaddress``.

The query is ``address`` ("755 WASHINGTON ST, Boston, MA 02111") with
``benchmark=Public_AR_Current`` and ``format=json``; no key. The Census geocoder places a number
along the TIGER address ranges of a street, so every match is INTERPOLATED; it needs a house
number and cannot look up a corner, so such readings are not sent (their reason says so).

The answer is ``{"result": {"addressMatches": [{"matchedAddress", "coordinates": {"x", "y"},
"addressComponents": {"preDirection", "preType", "streetName", "suffixType",
"suffixDirection", "zip", "fromAddress", "toAddress", …}}]}}``. The service gives no score: it
only returns what it matched, so each match has confidence 0.9 (interpolated, not a surveyed
point). Errors come as ``{"errors": [...], "status": "400"}``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from ivr.addresses.remote import LookupFailure, RemoteGeocoder, RemoteRequest
from ivr.addresses.remote_answer import (
    as_list,
    as_object,
    joined,
    latitude,
    longitude,
    member,
    short,
    street_names,
    text,
)
from ivr.addresses.remote_ranking import RemoteHit
from ivr.addresses.types import AddressCandidate, MatchLevel, Place

BENCHMARK = "Public_AR_Current"
CONFIDENCE = 0.9


class CensusGeocoder(RemoteGeocoder):
    source: ClassVar[str] = "census"
    default_url: ClassVar[str] = "https://geocoding.geo.census.gov"

    def request_for(self, candidate: AddressCandidate) -> RemoteRequest:
        if not candidate.street:
            raise LookupFailure(f"{self.source}: no street name to look up", stop=False)
        if candidate.cross_street:
            raise LookupFailure(f"{self.source} cannot look up street corners", stop=False)
        if not candidate.house_number:
            raise LookupFailure(f"{self.source} needs a house number", stop=False)
        params = {
            "address": self.one_line(candidate),
            "benchmark": BENCHMARK,
            "format": "json",
        }
        return RemoteRequest("/geocoder/locations/onelineaddress", params)

    def read_answer(self, body: Any) -> list[RemoteHit]:
        answer = self.checked_answer(body)
        result = as_object(member(answer, "result", "answer"), "result")
        matches = as_list(member(result, "addressMatches", "result"), "result.addressMatches")
        return [
            self._read_match(as_object(item, f"addressMatches[{i}]"), f"addressMatches[{i}]")
            for i, item in enumerate(matches)
        ]

    def error_message(self, body: Any) -> str:
        errors = body.get("errors") if isinstance(body, dict) else None
        if isinstance(errors, list) and errors:
            return short("; ".join(str(error) for error in errors))
        return ""

    def _read_match(self, match: dict[str, Any], path: str) -> RemoteHit:
        where = f"{path}.coordinates"
        coordinates = as_object(member(match, "coordinates", path), where)
        parts = as_object(member(match, "addressComponents", path), f"{path}.addressComponents")
        street = joined(
            text(parts, "preDirection"),
            text(parts, "preType"),
            text(parts, "streetName"),
            text(parts, "suffixType"),
            text(parts, "suffixDirection"),
        )
        display, key = street_names(street)
        first_word = text(match, "matchedAddress").split(" ", 1)[0]
        place = Place(
            lat=latitude(member(coordinates, "y", where), f"{where}.y"),
            lon=longitude(member(coordinates, "x", where), f"{where}.x"),
            house_number=first_word if first_word[:1].isdigit() else None,
            street=display,
            street_key=key,
            postal_code=text(parts, "zip"),
            source=self.source,
        )
        return RemoteHit(place, MatchLevel.INTERPOLATED, CONFIDENCE)
