"""A city stand-in that answers as mySociety's open311-adapter (``Open311::Endpoint``) does.

The behaviour follows the adapter's own code (perllib/Open311/Endpoint.pm and
Endpoint/Schema.pm), where the client meets it:

- every input is checked against a Data::Rx schema before anything is done, and every failure
  of the check is reported, all in one 400 answer: a first error "Error in input for <call>",
  then one error per failure;
- ``start_date`` and ``end_date`` must be ``YYYY-MM-DDThh:mm:ss`` followed by ``Z`` or an
  ``±hh:mm`` offset, nothing else: a fraction of a second is refused with "found value isn't a
  datetime";
- a POST is a strict record: ``service_code`` and ``api_key`` are required on every POST, each
  attribute of the service is read from the key ``attribute[code]`` only (the adapter maps
  keys matching ``^attribute\\[(\\w+)\\]$``), so ``attribute[code][]`` is an unexpected entry;
  a multivaluelist's values come as ``attribute[code]`` repeated;
- ids are numbers counted from 0: the first report is ``"0"``;
- a service definition lists each list attribute's values sorted by key.

It answers JSON (``.json``); an answer in another extension is the adapter's 404. Each request
it receives is kept in :attr:`AdapterCity.received`, repeats and order kept, headers too.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from werkzeug.wrappers import Request, Response

W3C_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:Z|[+-]\d{2}:\d{2})", re.ASCII)
IDENTIFIER = re.compile(r"[\w\-]+", re.ASCII)
NOT_A_DATETIME = "found value isn't a datetime"
OPTIONAL_FIELDS = frozenset(
    {
        "jurisdiction_id",
        "lat",
        "long",
        "address_string",
        "address_id",
        "email",
        "device_id",
        "account_id",
        "first_name",
        "last_name",
        "phone",
        "description",
        "media_url",
    }
)
SEARCH_FIELDS = frozenset(
    {"jurisdiction_id", "service_request_id", "service_code", "start_date", "end_date", "status"}
)

# A city of two services, one asking a multivaluelist (what was dumped).
DUMPING = {
    "service_code": "dumping",
    "service_name": "Illegal dumping",
    "description": "Rubbish dumped on the street",
    "type": "realtime",
    "group": "Street cleaning",
    "attributes": [
        {
            "code": "items",
            "datatype": "multivaluelist",
            "required": True,
            "description": "What has been dumped?",
            "values": [
                {"key": "mattress", "name": "A mattress"},
                {"key": "bags", "name": "Bags of rubbish"},
                {"key": "furniture", "name": "Furniture"},
            ],
        },
        {
            "code": "size",
            "datatype": "singlevaluelist",
            "required": False,
            "description": "How much is there?",
            "values": [{"key": "small", "name": "A little"}, {"key": "large", "name": "A lot"}],
        },
    ],
}
POTHOLE = {
    "service_code": "pothole",
    "service_name": "Pothole",
    "description": "A hole in the road",
    "type": "realtime",
    "group": "Roads",
    "attributes": [],
}
SERVICES = (DUMPING, POTHOLE)


@dataclass(frozen=True)
class Received:
    """One request as the adapter saw it."""

    method: str
    path: str
    query: tuple[tuple[str, str], ...]
    form: tuple[tuple[str, str], ...]
    headers: dict[str, str]

    def query_value(self, name: str) -> str | None:
        return next((v for k, v in self.query if k == name), None)

    def form_names(self) -> list[str]:
        return [k for k, _ in self.form]

    def form_values(self, name: str) -> list[str]:
        return [v for k, v in self.form if k == name]


@dataclass
class Filed:
    """A report the adapter accepted."""

    service_request_id: str
    service_code: str
    attributes: dict[str, list[str]]
    lat: float | None
    long: float | None
    requested: datetime


class Refused(Exception):
    """The input failed the schema: the status and every failure, in the adapter's order."""

    def __init__(self, call: str, failures: list[str], status: int = 400) -> None:
        super().__init__(call)
        self.status = status
        self.descriptions = [f"Error in input for {call}", *failures] if failures else [call]


@dataclass
class AdapterCity:
    """The WSGI app. ``jurisdictions``: more than one makes ``jurisdiction_id`` required, as
    the adapter's ``requires_jurisdiction_ids`` does."""

    services: tuple[dict[str, Any], ...] = SERVICES
    jurisdictions: tuple[str, ...] = ()
    received: list[Received] = field(default_factory=list)
    filed: list[Filed] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        with self._lock:
            self.received.append(
                Received(
                    method=request.method,
                    path=request.path,
                    query=tuple(request.args.items(multi=True)),
                    form=tuple(request.form.items(multi=True)),
                    headers=dict(request.headers.items()),
                )
            )
            response = self._answer(request)
        return response(environ, start_response)

    def posts(self) -> list[Received]:
        return [r for r in self.received if r.method == "POST"]

    def searches(self) -> list[Received]:
        return [r for r in self.received if r.method == "GET" and r.path == "/requests.json"]

    # -- routes ------------------------------------------------------------------------------

    def _answer(self, request: Request) -> Response:
        path, dot, extension = request.path.rpartition(".")
        if not dot or extension != "json":
            return Response("Bad extension. We support .xml and .json", 404)
        try:
            if request.method == "GET" and path == "/services":
                return _json([_listed(s) for s in self.services])
            if request.method == "GET" and path.startswith("/services/"):
                return _json(self._definition(path.removeprefix("/services/")))
            if request.method == "POST" and path == "/requests":
                return _json(self._post(request))
            if request.method == "GET" and path == "/requests":
                return _json(self._search(request))
        except Refused as refusal:
            errors = [{"code": refusal.status, "description": d} for d in refusal.descriptions]
            return _json(errors, refusal.status)
        return _json([{"code": 404, "description": "Resource not found"}], 404)

    def _service(self, code: str) -> dict[str, Any] | None:
        return next((s for s in self.services if s["service_code"] == code), None)

    def _definition(self, code: str) -> dict[str, Any]:
        service = self._service(code)
        if service is None:
            raise Refused("Resource not found", [], 404)
        attributes = []
        for order, attribute in enumerate(service["attributes"], start=1):
            shown = {
                "code": attribute["code"],
                "datatype": attribute["datatype"],
                "datatype_description": "",
                "description": attribute["description"],
                "order": order,
                "required": "true" if attribute["required"] else "false",
                "variable": "true",
            }
            if attribute.get("values"):
                shown["values"] = sorted(attribute["values"], key=lambda v: v["key"])
            attributes.append(shown)
        return {"service_definition": {"service_code": code, "attributes": attributes}}

    def _jurisdiction_failures(self, given: str | None) -> list[str]:
        if given is None:
            required = len(self.jurisdictions) > 1
            return ["no value given for required entry jurisdiction_id"] if required else []
        if not IDENTIFIER.fullmatch(given):
            return ["found value isn't a valid identifier (jurisdiction_id)"]
        return []

    def _post(self, request: Request) -> list[dict[str, Any]]:
        form = request.form
        call = "POST_Service_Request"
        code, key = form.get("service_code"), form.get("api_key")
        if not code or not key:
            missing = [n for n, v in (("service_code", code), ("api_key", key)) if not v]
            raise Refused(call, [f"no value given for required entry {n}" for n in missing])
        service = self._service(code)
        if service is None:
            raise Refused("Bad request", [])
        failures = self._jurisdiction_failures(form.get("jurisdiction_id"))
        asked = {f"attribute[{a['code']}]": a for a in service["attributes"]}
        unexpected = [
            n for n in form if n not in OPTIONAL_FIELDS | {"service_code", "api_key"} | set(asked)
        ]
        if unexpected:
            failures.append(f"found unexpected entries: {' '.join(sorted(unexpected))}")
        attributes: dict[str, list[str]] = {}
        for name, attribute in asked.items():
            values = form.getlist(name)
            if not values:
                if attribute["required"]:
                    failures.append(f"no value given for required entry {name}")
                continue
            failures += _value_failures(name, attribute, values)
            attributes[attribute["code"]] = values
        for name in ("lat", "long"):
            if name in form and not _is_number(form[name]):
                failures.append(f"found value is not a number ({name})")
        if not (("lat" in form and "long" in form) or {"address_string", "address_id"} & set(form)):
            failures.append("no location: lat and long, address_string or address_id")
        if failures:
            raise Refused(call, failures)
        filed = Filed(
            service_request_id=str(len(self.filed)),
            service_code=code,
            attributes=attributes,
            lat=float(form["lat"]) if "lat" in form else None,
            long=float(form["long"]) if "long" in form else None,
            requested=datetime.now(UTC).replace(microsecond=0),
        )
        self.filed.append(filed)
        return [{"service_request_id": filed.service_request_id}]

    def _search(self, request: Request) -> list[dict[str, Any]]:
        args = request.args
        failures = self._jurisdiction_failures(args.get("jurisdiction_id"))
        unexpected = [n for n in args if n not in SEARCH_FIELDS]
        if unexpected:
            failures.append(f"found unexpected entries: {' '.join(sorted(unexpected))}")
        bounds: dict[str, datetime] = {}
        for name in ("start_date", "end_date"):
            value = args.get(name)
            if value is None:
                continue
            if not W3C_DATETIME.fullmatch(value):
                failures.append(f"{NOT_A_DATETIME} ({name})")
            else:
                bounds[name] = datetime.fromisoformat(value)
        if failures:
            raise Refused("GET_Service_Requests", failures)
        codes = set(args["service_code"].split(",")) if args.get("service_code") else None
        ids = set(args["service_request_id"].split(",")) if args.get("service_request_id") else None
        found = [
            f
            for f in self.filed
            if (codes is None or f.service_code in codes)
            and (ids is None or f.service_request_id in ids)
            and ("start_date" not in bounds or f.requested >= bounds["start_date"])
            and ("end_date" not in bounds or f.requested <= bounds["end_date"])
        ]
        return [_published(f) for f in found]


def _value_failures(name: str, attribute: dict[str, Any], values: list[str]) -> list[str]:
    keys = {v["key"] for v in attribute.get("values", ())}
    if attribute["datatype"] != "multivaluelist" and len(values) > 1:
        return [f"found more than one value ({name})"]
    if keys and any(v not in keys for v in values):
        return [f"matched none of the available alternatives ({name})"]
    return []


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def _listed(service: dict[str, Any]) -> dict[str, Any]:
    return {
        "service_code": service["service_code"],
        "service_name": service["service_name"],
        "description": service["description"],
        "metadata": "true" if service["attributes"] else "false",
        "type": service["type"],
        "keywords": "",
        "group": service["group"],
    }


def _published(filed: Filed) -> dict[str, Any]:
    when = filed.requested.strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "service_request_id": filed.service_request_id,
        "status": "open",
        "service_code": filed.service_code,
        "service_name": filed.service_code,
        "requested_datetime": when,
        "updated_datetime": when,
        "address": "",
        "address_id": "",
        "zipcode": "",
        "lat": filed.lat,
        "long": filed.long,
        "media_url": "",
    }


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status, mimetype="application/json")


def attribute_forms(received: list[Received]) -> list[list[str]]:
    """The attribute keys of each POST, in order (``attribute[items]``, ``attribute[items][]``)."""
    return [[n for n in r.form_names() if n.startswith("attribute[")] for r in received]
