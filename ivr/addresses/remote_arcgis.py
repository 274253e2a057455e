"""ArcGIS geocoding (Esri's World Geocoding Service, or a city's own ArcGIS Server locator):
``GET {base}/findAddressCandidates``.

The query is ``SingleLine`` text ("755 WASHINGTON ST, Boston, MA 02111", or
"WASHINGTON ST & BOYLSTON ST, Boston, MA" for a corner) with ``f=json``, ``outFields=*``,
``maxLocations``, ``outSR=4326`` (a city's own locator may otherwise answer in its state plane
coordinates), ``countryCode``, and, when the city's area is set, ``searchExtent`` and
``location`` at its centre. With an API key it sends ``token`` and ``forStorage=true``: the
gateway keeps the point in the call and in the report it files, which Esri's terms allow only
for results asked for storage.

The answer is ``{"candidates": [{"address", "location": {"x", "y"}, "score", "attributes"}]}``;
``score`` 0..100 becomes the confidence 0..1. ``attributes.Addr_type`` gives the level:

- ``PointAddress``, ``Subaddress`` → ADDRESS;
- ``StreetAddress``, ``StreetAddressExt`` (interpolated along a street's address range) →
  INTERPOLATED;
- ``StreetInt`` → INTERSECTION (the cross street is read from ``address``, "A St & B St, …");
- ``StreetName``, ``StreetBetween``, ``StreetMidBlock`` → STREET;
- anything coarser or a point of interest (``POI``, ``Locality``, ``Postal``…) is left out.

Errors come as ``{"error": {"code", "message"}}``, usually with status 200.
"""

from __future__ import annotations

from typing import Any, ClassVar

from ivr.addresses.remote import RemoteGeocoder, RemoteRequest
from ivr.addresses.remote_answer import (
    as_list,
    as_object,
    joined,
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

LEVELS = {
    "PointAddress": MatchLevel.ADDRESS,
    "Subaddress": MatchLevel.ADDRESS,
    "StreetAddress": MatchLevel.INTERPOLATED,
    "StreetAddressExt": MatchLevel.INTERPOLATED,
    "StreetInt": MatchLevel.INTERSECTION,
    "StreetName": MatchLevel.STREET,
    "StreetBetween": MatchLevel.STREET,
    "StreetMidBlock": MatchLevel.STREET,
}
NUMBERED = frozenset({MatchLevel.ADDRESS, MatchLevel.INTERPOLATED})


class ArcGISGeocoder(RemoteGeocoder):
    source: ClassVar[str] = "arcgis"
    default_url: ClassVar[str] = (
        "https://geocode-api.arcgis.com/arcgis/rest/services/World/GeocodeServer"
    )

    def request_for(self, candidate: AddressCandidate) -> RemoteRequest:
        config = self.config
        params = {
            "SingleLine": self.one_line(candidate),
            "f": "json",
            "outFields": "*",
            "maxLocations": str(config.limit),
            "outSR": "4326",
        }
        if config.country:
            params["countryCode"] = config.country.upper()
        if config.bounds is not None:
            b = config.bounds
            params["searchExtent"] = f"{b.west:g},{b.south:g},{b.east:g},{b.north:g}"
            params["location"] = f"{b.center_lon:g},{b.center_lat:g}"
        if config.api_key:
            params["token"] = config.api_key
            params["forStorage"] = "true"
        return RemoteRequest("/findAddressCandidates", params)

    def read_answer(self, body: Any) -> list[RemoteHit]:
        answer = self.checked_answer(body)
        candidates = as_list(member(answer, "candidates", "answer"), "candidates")
        return read_items(candidates, "candidates", self._read_candidate)

    def error_message(self, body: Any) -> str:
        error = body.get("error") if isinstance(body, dict) else None
        if not isinstance(error, dict):
            return ""
        code = text(error, "code")
        message = text(error, "message") or "error"
        return short(f"{code} {message}" if code else message)

    def _read_candidate(self, item: dict[str, Any], path: str) -> RemoteHit | None:
        attributes = as_object(member(item, "attributes", path), f"{path}.attributes")
        level = LEVELS.get(text(attributes, "Addr_type"))
        if level is None:
            return None
        address = text(item, "address")
        street = joined(
            text(attributes, "StPreDir"),
            text(attributes, "StPreType"),
            text(attributes, "StName"),
            text(attributes, "StType"),
            text(attributes, "StDir"),
        )
        cross = ""
        if level is MatchLevel.INTERSECTION:
            # "Washington St & Boylston St, Boston, Massachusetts, 02116"
            corner = address.split(",", 1)[0]
            first, _, second = corner.partition("&")
            street = street or first.strip()
            cross = second.strip()
        display, key = street_names(street or address.split(",", 1)[0])
        location = as_object(member(item, "location", path), f"{path}.location")
        house_number = text(attributes, "AddNum")
        place = Place(
            lat=latitude(member(location, "y", f"{path}.location"), f"{path}.location.y"),
            lon=longitude(member(location, "x", f"{path}.location"), f"{path}.location.x"),
            house_number=house_number if house_number and level in NUMBERED else None,
            street=display,
            street_key=key,
            cross_street=street_names(cross)[0],
            postal_code=text(attributes, "Postal"),
            neighbourhood=text(attributes, "Nbrhd") or text(attributes, "District"),
            source=self.source,
        )
        score = number(member(item, "score", path), f"{path}.score")
        return RemoteHit(place, level, score / 100.0)
