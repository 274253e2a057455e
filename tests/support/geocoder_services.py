"""Four geocoding services on 127.0.0.1, answering as each documents, recording each request.

``FakeGeocodingService(name)`` is a small Flask app for ``nominatim``, ``pelias``, ``arcgis``
or ``census``: it serves the service's path, refuses what the real service refuses (no
User-Agent for Nominatim, a wrong key for Pelias and ArcGIS, a missing benchmark or an over-long
address for the Census), and otherwise answers with the Boston places of
:mod:`tests.support.geocoder_bodies`, chosen by the first part of the query. A few made-up
streets answer badly on purpose:

- ``13 BROKEN ST``: status 200 with an HTML page;
- ``14 ODD ST``: the service's JSON with a coordinate that is not a number;
- ``15 SLOW ST``: waits until ``release`` is set (or 10 s) before answering;
- ``16 DOWN ST``: status 503 with an HTML page.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, jsonify, request

from tests.support.geocoder_bodies import (
    BOSTON,
    BRIGHTON_438,
    arcgis_body,
    census_body,
    nominatim_body,
    pelias_body,
)

PELIAS_KEY = "ge-5f1c0d2e8a7b4c39"
ARCGIS_TOKEN = "AAPK3b9e1f0c7d2a4e68"

PATHS = {
    "nominatim": "/search",
    "pelias": "/v1/search",
    "arcgis": "/arcgis/rest/services/World/GeocodeServer/findAddressCandidates",
    "census": "/geocoder/locations/onelineaddress",
}
QUERY_PARAM = {"pelias": "text", "arcgis": "SingleLine", "census": "address"}
BROKEN_PAGE = "<html><body><h1>Service temporarily unavailable</h1></body></html>"
DOWN_PAGE = "<html><head><title>503 Service Unavailable</title></head><body></body></html>"
NOMINATIM_FORMATS = ("xml", "json", "jsonv2", "geojson", "geocodejson")
NOMINATIM_STRUCTURED = ("amenity", "street", "city", "county", "state", "country", "postalcode")


@dataclass(frozen=True)
class Seen:
    """One request the service received."""

    path: str
    args: dict[str, str]
    user_agent: str


class FakeGeocodingService:
    def __init__(self, name: str) -> None:
        self.name = name
        self.seen: list[Seen] = []
        self.release = threading.Event()
        self.app = Flask(f"fake_{name}")
        self.app.add_url_rule(PATHS[name], f"{name}_answer", self._answer)

    @property
    def base_path(self) -> str:
        """What follows the server's address in the adapter's base URL."""
        return "/arcgis/rest/services/World/GeocodeServer" if self.name == "arcgis" else ""

    def _answer(self) -> Response | tuple[Response, int]:
        args = request.args.to_dict()
        self.seen.append(Seen(request.path, args, request.headers.get("User-Agent", "")))
        refusal = REFUSALS[self.name](args, request.headers.get("User-Agent", ""))
        if refusal is not None:
            return refusal
        head = query_head(self.name, args)
        if head == "13 BROKEN ST":
            return Response(BROKEN_PAGE, 200, content_type="text/html")
        if head == "16 DOWN ST":
            return Response(DOWN_PAGE, 503, content_type="text/html")
        if head == "15 SLOW ST":
            self.release.wait(10)
        if head == "14 ODD ST":
            return jsonify(ODD_BODIES[self.name]())
        return jsonify(BODIES[self.name](BOSTON.get(head, []), args))


def query_head(name: str, args: Mapping[str, str]) -> str:
    """The first part of the query, upper case: "438 WASHINGTON ST"."""
    if name == "nominatim":
        query = args.get("street") or args.get("q", "")
    else:
        query = args.get(QUERY_PARAM[name], "")
    return query.split(",")[0].strip().upper()


def _nominatim_refusal(args: Mapping[str, str], user_agent: str) -> Response | None:
    if not user_agent or user_agent.startswith("python-"):
        return Response("<html><body><h1>Access blocked</h1></body></html>", 403)
    if args.get("format", "xml") not in NOMINATIM_FORMATS:
        message = "Parameter 'format' must be one of: " + ", ".join(NOMINATIM_FORMATS)
        return _json_error(400, {"error": {"code": 400, "message": message}})
    if "q" in args and any(name in args for name in NOMINATIM_STRUCTURED):
        message = (
            "Structured query parameters (amenity, street, city, county, state, postalcode, "
            "country) cannot be used together with 'q' parameter."
        )
        return _json_error(400, {"error": {"code": 400, "message": message}})
    return None


def _pelias_refusal(args: Mapping[str, str], user_agent: str) -> Response | None:
    if args.get("api_key") != PELIAS_KEY:
        return _json_error(401, {"geocoding": {"errors": ["Invalid authentication"]}})
    if not args.get("text"):
        errors = ["invalid param 'text': text length, must be >0"]
        return _json_error(400, {"geocoding": {"errors": errors}})
    return None


def _arcgis_refusal(args: Mapping[str, str], user_agent: str) -> Response | None:
    if args.get("token") != ARCGIS_TOKEN:
        return _json_error(200, {"error": {"code": 498, "message": "Invalid Token", "details": []}})
    if args.get("f") != "json":
        return Response("<html><body>ArcGIS REST Services Directory</body></html>", 200)
    return None


def _census_refusal(args: Mapping[str, str], user_agent: str) -> Response | None:
    if not args.get("benchmark"):
        return _json_error(400, {"errors": ["Benchmark is required"], "status": "400"})
    if len(args.get("address", "")) > 100:
        errors = ["Address cannot exceed 100 characters"]
        return _json_error(400, {"errors": errors, "status": "400"})
    return None


def _json_error(status: int, body: dict[str, Any]) -> Response:
    response = jsonify(body)
    response.status_code = status
    return response


REFUSALS: dict[str, Callable[[Mapping[str, str], str], Response | None]] = {
    "nominatim": _nominatim_refusal,
    "pelias": _pelias_refusal,
    "arcgis": _arcgis_refusal,
    "census": _census_refusal,
}

BODIES: dict[str, Callable[[Any, Mapping[str, str]], Any]] = {
    "nominatim": lambda spots, args: nominatim_body(spots),
    "pelias": lambda spots, args: pelias_body(spots, args.get("text", "")),
    "arcgis": lambda spots, args: arcgis_body(spots),
    "census": lambda spots, args: census_body(spots, args.get("address", "")),
}


def _odd_nominatim() -> Any:
    body = nominatim_body([BRIGHTON_438])
    body[0]["lat"] = "north"
    return body


def _odd_pelias() -> Any:
    body = pelias_body([BRIGHTON_438], "14 ODD ST")
    body["features"][0]["geometry"]["coordinates"] = [-71.157438, "north"]
    return body


def _odd_arcgis() -> Any:
    body = arcgis_body([BRIGHTON_438])
    body["candidates"][0]["location"]["y"] = "north"
    return body


def _odd_census() -> Any:
    body = census_body([BRIGHTON_438], "14 ODD ST")
    body["result"]["addressMatches"][0]["coordinates"]["y"] = "north"
    return body


ODD_BODIES: dict[str, Callable[[], Any]] = {
    "nominatim": _odd_nominatim,
    "pelias": _odd_pelias,
    "arcgis": _odd_arcgis,
    "census": _odd_census,
}
