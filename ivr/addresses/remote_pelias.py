"""Pelias (geocode.earth, or a city's own Pelias): ``GET {base}/v1/search``.

The query is one line of text — "755 WASHINGTON ST, Boston, MA 02111", or
"WASHINGTON ST & BOYLSTON ST, Boston, MA" for a corner, which Pelias's parser reads as an
intersection — with ``api_key`` when one is configured, ``size``, ``boundary.country``, and,
when the city's area is set, ``boundary.rect.*`` plus ``focus.point.*`` at its centre.

The answer is a GeoJSON FeatureCollection: ``geometry.coordinates`` is [lon, lat];
``properties`` carries ``layer``, ``housenumber``, ``street``, ``postalcode``,
``neighbourhood``, ``confidence`` (0..1, used as is), ``match_type`` and ``accuracy``:

- layer ``address`` → ADDRESS, or INTERPOLATED when ``match_type`` is ``interpolated``;
- layer ``venue`` with a house number and street → ADDRESS;
- layer ``street`` → STREET; layer ``intersection`` → INTERSECTION (``street`` and
  ``cross_street``, or the two halves of ``name`` around "&");
- coarser layers (neighbourhood, locality, postal code…) are left out.

Errors come as ``{"geocoding": {"errors": [...]}}``, with a 4xx status or, for some, 200.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from ivr.addresses.remote import RemoteGeocoder, RemoteRequest
from ivr.addresses.remote_answer import (
    AnswerError,
    as_list,
    as_object,
    latitude,
    longitude,
    member,
    number,
    read_items,
    short,
    street_names,
    text,
)
from ivr.addresses.remote_ranking import RemoteHit
from ivr.addresses.types import AddressCandidate, MatchLevel, Place

MISSING_CONFIDENCE = 0.5  # a feature without ``confidence`` (some Pelias versions, some layers)
NUMBERED = frozenset({MatchLevel.ADDRESS, MatchLevel.INTERPOLATED})
_CORNER = re.compile(r"\s+(?:&|and|at)\s+", re.IGNORECASE)


class PeliasGeocoder(RemoteGeocoder):
    source: ClassVar[str] = "pelias"
    default_url: ClassVar[str] = "https://api.geocode.earth"

    def request_for(self, candidate: AddressCandidate) -> RemoteRequest:
        config = self.config
        params = {"text": self.one_line(candidate)}
        params["size"] = str(config.limit)
        if config.api_key:
            params["api_key"] = config.api_key
        if config.country:
            params["boundary.country"] = config.country.upper()
        if config.bounds is not None:
            b = config.bounds
            params["boundary.rect.min_lat"] = f"{b.south:g}"
            params["boundary.rect.min_lon"] = f"{b.west:g}"
            params["boundary.rect.max_lat"] = f"{b.north:g}"
            params["boundary.rect.max_lon"] = f"{b.east:g}"
            params["focus.point.lat"] = f"{b.center_lat:g}"
            params["focus.point.lon"] = f"{b.center_lon:g}"
        return RemoteRequest("/v1/search", params)

    def read_answer(self, body: Any) -> list[RemoteHit]:
        answer = self.checked_answer(body)
        features = as_list(member(answer, "features", "answer"), "features")
        return read_items(features, "features", self._read_feature)

    def error_message(self, body: Any) -> str:
        geocoding = body.get("geocoding") if isinstance(body, dict) else None
        errors = geocoding.get("errors") if isinstance(geocoding, dict) else None
        if isinstance(errors, list) and errors:
            return short("; ".join(str(error) for error in errors))
        if isinstance(body, dict) and isinstance(body.get("error"), str):
            return short(body["error"])  # API gateways in front of Pelias: {"error": "..."}
        return ""

    def _read_feature(self, feature: dict[str, Any], path: str) -> RemoteHit | None:
        props = as_object(member(feature, "properties", path), f"{path}.properties")
        layer = text(props, "layer")
        house_number = text(props, "housenumber")
        street = text(props, "street")
        cross = ""
        if layer == "address":
            interpolated = text(props, "match_type") == "interpolated"
            level = MatchLevel.INTERPOLATED if interpolated else MatchLevel.ADDRESS
        elif layer == "venue" and house_number and street:
            level = MatchLevel.ADDRESS
        elif layer == "street":
            level = MatchLevel.STREET
            street = street or text(props, "name")
        elif layer == "intersection":
            level = MatchLevel.INTERSECTION
            cross = text(props, "cross_street")
            if not (street and cross):
                halves = _CORNER.split(text(props, "name"), maxsplit=1)
                if len(halves) == 2:
                    street, cross = halves
        else:
            return None
        geometry = as_object(member(feature, "geometry", path), f"{path}.geometry")
        where = f"{path}.geometry.coordinates"
        coordinates = as_list(member(geometry, "coordinates", f"{path}.geometry"), where)
        if len(coordinates) < 2:
            raise AnswerError(f"{where} is not [lon, lat]")
        display, key = street_names(street)
        confidence = props.get("confidence")
        place = Place(
            lat=latitude(coordinates[1], f"{where}[1]"),
            lon=longitude(coordinates[0], f"{where}[0]"),
            house_number=house_number if house_number and level in NUMBERED else None,
            street=display,
            street_key=key,
            cross_street=street_names(cross)[0],
            postal_code=text(props, "postalcode"),
            neighbourhood=text(props, "neighbourhood") or text(props, "borough"),
            source=self.source,
        )
        if confidence is None:
            return RemoteHit(place, level, MISSING_CONFIDENCE)
        return RemoteHit(place, level, number(confidence, f"{path}.properties.confidence"))
