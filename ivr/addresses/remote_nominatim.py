"""Nominatim (OpenStreetMap's geocoder): ``GET {base}/search``.

A house number and street go as a *structured* query (``street=755 Washington St``,
``city=``, ``state=``, ``postalcode=``), which Nominatim matches more strictly than free text;
a street corner goes as free text ``q=Washington St & Boylston St, Boston, MA``, since
Nominatim has no intersection search (it answers with one of the streets, which scores low).
``countrycodes`` and, when the city's area is set, ``viewbox`` with ``bounded=1`` keep the
answer in the city. Nominatim's usage policy asks for a User-Agent naming the application and
at most one request a second on the public server (the factory paces it).

The answer (``format=jsonv2``, ``addressdetails=1``) is a JSON array of places with ``lat``
and ``lon`` as strings, ``category``/``type``/``addresstype`` and an ``address`` object. Its
``importance`` measures how prominent a place is (Wikipedia links), not how well it matches, so
the confidence comes from what kind of place it is, in Nominatim's own order:

- a place of type ``houses`` is a number interpolated along an address line or a TIGER range
  → INTERPOLATED, 0.9;
- any other place with ``address.house_number`` → ADDRESS, 1.0;
- a road (category ``highway`` or address type ``road``) → STREET, 0.6;
- anything else (a town, a park with no number) is not a place to send a crew → left out.

Each place after the first loses 0.01, so Nominatim's order breaks ties.
"""

from __future__ import annotations

from typing import Any, ClassVar

from ivr.addresses.remote import LookupFailure, RemoteGeocoder, RemoteRequest
from ivr.addresses.remote_answer import (
    ServiceError,
    as_list,
    as_object,
    latitude,
    longitude,
    member,
    short,
    street_names,
    text,
)
from ivr.addresses.remote_ranking import RemoteHit
from ivr.addresses.types import AddressCandidate, MatchLevel, Place

CONFIDENCE = {MatchLevel.ADDRESS: 1.0, MatchLevel.INTERPOLATED: 0.9, MatchLevel.STREET: 0.6}
ORDER_STEP = 0.01


class NominatimGeocoder(RemoteGeocoder):
    source: ClassVar[str] = "nominatim"
    default_url: ClassVar[str] = "https://nominatim.openstreetmap.org"

    def request_for(self, candidate: AddressCandidate) -> RemoteRequest:
        config = self.config
        if not candidate.street:
            raise LookupFailure(f"{self.source}: no street name to look up", stop=False)
        params = {"format": "jsonv2", "addressdetails": "1", "limit": str(config.limit)}
        if config.country:
            params["countrycodes"] = config.country.lower()
        if config.bounds is not None:
            b = config.bounds
            params["viewbox"] = f"{b.west:g},{b.north:g},{b.east:g},{b.south:g}"
            params["bounded"] = "1"
        if candidate.cross_street:
            params["q"] = self.one_line(candidate)
            return RemoteRequest("/search", params)
        params["street"] = " ".join(filter(None, [candidate.house_number, candidate.street]))
        if config.city:
            params["city"] = config.city
        if config.region:
            params["state"] = config.region
        if candidate.postal_code:
            params["postalcode"] = candidate.postal_code
        return RemoteRequest("/search", params)

    def read_answer(self, body: Any) -> list[RemoteHit]:
        if isinstance(body, dict) and "error" in body:
            raise ServiceError(self.error_message(body))
        hits: list[RemoteHit] = []
        for index, item in enumerate(as_list(body, "answer")):
            hit = self._read_place(as_object(item, f"[{index}]"), f"[{index}]")
            if hit is not None:
                hits.append(
                    RemoteHit(hit.place, hit.level, hit.confidence - ORDER_STEP * len(hits))
                )
        return hits

    def error_message(self, body: Any) -> str:
        if isinstance(body, dict):
            error = body.get("error")
            if isinstance(error, dict):
                return short(text(error, "message"))
            if isinstance(error, str):
                return short(error)
        return ""

    def _read_place(self, item: dict[str, Any], path: str) -> RemoteHit | None:
        address = item.get("address") or {}
        address = as_object(address, f"{path}.address")
        number = text(address, "house_number")
        category = text(item, "category") or text(item, "class")  # "class" in format=json
        kind = text(item, "type")
        if kind == "houses" and number:
            level = MatchLevel.INTERPOLATED
        elif number:
            level = MatchLevel.ADDRESS
        elif category == "highway" or text(item, "addresstype") == "road":
            level = MatchLevel.STREET
        else:
            return None
        display, key = street_names(text(address, "road") or text(item, "name"))
        place = Place(
            lat=latitude(member(item, "lat", path), f"{path}.lat"),
            lon=longitude(member(item, "lon", path), f"{path}.lon"),
            house_number=number or None,
            street=display,
            street_key=key,
            postal_code=text(address, "postcode"),
            neighbourhood=text(address, "neighbourhood")
            or text(address, "suburb")
            or text(address, "quarter"),
            source=self.source,
        )
        return RemoteHit(place, level, CONFIDENCE[level])
