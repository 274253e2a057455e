"""The embedded Open311 endpoint served over real HTTP for a test, and readers of its answers.

The readers parse what a GeoReport v2 client would receive (JSON with :mod:`json`, XML with
:mod:`defusedxml`), so that tests check the documents themselves, not the endpoint's code.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import defusedxml.ElementTree as SafeElementTree
import httpx

from ivr.app import create_app
from ivr.open311.catalogue import load_service_catalogue
from ivr.open311.models import NewRequest
from ivr.open311.request_store import file_request, update_status
from ivr.runtime import Runtime
from ivr.settings import Settings
from ivr.store.db import transaction, upgrade
from tests.support.databases import fresh_database
from tests.support.live_server import serve_wsgi
from tests.support.models_folder import models_folder

SERVICES: list[dict[str, Any]] = [
    {
        "service_code": "0",
        "service_name": "Pothole",
        "description": "A hole in the street",
        "type": "realtime",
        "keywords": "road, hole",
        "group": "Streets",
        "attributes": [
            {
                "code": "kind",
                "datatype": "singlevaluelist",
                "required": True,
                "description": "What kind of hole?",
                "values": [{"key": "deep", "name": "Deep"}, {"key": "shallow", "name": "Shallow"}],
            },
            {"code": "width", "datatype": "number", "description": "How wide, in feet?"},
            {"code": "seen", "datatype": "datetime", "description": "When was it seen?"},
            {
                "code": "items",
                "datatype": "multivaluelist",
                "description": "What else is there?",
                "values": [
                    {"key": "glass", "name": "Glass"},
                    {"key": "oil", "name": "Oil"},
                    {"key": "debris", "name": "Debris"},
                ],
            },
            {"code": "note", "datatype": "text", "description": "Anything else?"},
            {
                "code": "info",
                "datatype": "string",
                "variable": False,
                "description": "Crews fill potholes within three days.",
            },
        ],
    },
    {"service_code": "007", "service_name": "Streetlight out", "group": "Lights"},
    {"service_code": "bulk", "service_name": "Bulk item pickup", "type": "batch"},
    {"service_code": "tip", "service_name": "Anonymous tip", "type": "blackbox"},
]

# What every valid pothole POST carries; tests add or replace fields.
POTHOLE_FORM: dict[str, str] = {
    "service_code": "0",
    "lat": "42.3601",
    "long": "-71.0589",
    "attribute[kind]": "deep",
}


@dataclass
class LiveEndpoint:
    """A running gateway: an HTTP client rooted at ``/open311/v2`` and the gateway's store."""

    http: httpx.Client
    base_url: str
    runtime: Runtime

    def seed(
        self, service_code: str, when: datetime, *, status: str = "open", **fields: Any
    ) -> str:
        """File a request dated ``when`` straight into the store; its published id."""
        catalogue = load_service_catalogue(self.runtime.settings.services_path)
        service = catalogue.service(service_code)
        assert service is not None
        request = NewRequest(service_code=service_code, address_string="1 Main St", **fields)
        with transaction(self.runtime.sessions) as session:
            filed = file_request(session, service, request, now=when)
            if status != "open":
                update_status(session, filed.service_request_id, status=status, now=when)
        return filed.service_request_id


def write_services(directory: Path) -> Path:
    path = directory / "services.json"
    path.write_text(json.dumps(SERVICES), encoding="utf-8")
    return path


@contextmanager
def live_endpoints(database_url: str, directory: Path) -> Iterator[Callable[..., LiveEndpoint]]:
    """A factory of live gateways on ``database_url`` (settings changes as keyword arguments)."""
    services = write_services(directory)
    with ExitStack() as stack:

        def make(**changes: Any) -> LiveEndpoint:
            settings = Settings(
                database_url=database_url,
                services_file=str(services),
                models_dir=models_folder(),  # the street models built for the run, not ./models
            ).replace(**changes)
            app = create_app(settings)
            runtime: Runtime = app.extensions["voice311"]
            stack.callback(runtime.engine.dispose)
            base = stack.enter_context(serve_wsgi(app))
            http = stack.enter_context(httpx.Client(base_url=base + "/open311/v2", timeout=30))
            return LiveEndpoint(http=http, base_url=base, runtime=runtime)

        yield make


@contextmanager
def shared_live_endpoint(kind: str, directory: Path) -> Iterator[LiveEndpoint]:
    """One live gateway on a fresh migrated database of ``kind``, for a whole test module."""
    with fresh_database(kind, directory) as url:
        upgrade(url)
        with live_endpoints(url, directory) as make:
            yield make()


def document(response: httpx.Response) -> Any:
    """The answer as JSON would have it, whichever format it came in (see ``xml_tree``)."""
    if response.headers["content-type"].startswith("application/json"):
        return response.json()
    assert response.headers["content-type"].startswith("text/xml")
    return xml_tree(SafeElementTree.fromstring(response.content))


LIST_TAGS = {"services", "attributes", "values", "endpoints", "formats", "service_requests"}


def xml_tree(element: Any) -> Any:
    """An XML GeoReport document as plain data: list containers become lists, leaves text."""
    if element.tag in LIST_TAGS or element.tag == "errors":
        return [xml_tree(child) for child in element]
    if len(element):
        return {child.tag: xml_tree(child) for child in element}
    return element.text or ""


def errors_of(response: httpx.Response) -> list[tuple[int, str]]:
    """The (code, description) pairs of an error answer, checked against the spec's format."""
    content_type = response.headers["content-type"]
    if content_type.startswith("application/json"):
        body = response.json()
        assert isinstance(body, list) and body
        assert all(set(item) == {"code", "description"} for item in body)
        return [(int(item["code"]), str(item["description"])) for item in body]
    assert content_type.startswith("text/xml")
    root = SafeElementTree.fromstring(response.content)
    assert root.tag == "errors" and len(root)
    pairs = []
    for error in root:
        assert error.tag == "error"
        assert [child.tag for child in error] == ["code", "description"]
        pairs.append((int(error.findtext("code") or "0"), error.findtext("description") or ""))
    return pairs


def assert_error(response: httpx.Response, status: int, *, words: str = "", fmt: str = "") -> None:
    """The answer is a spec error with ``status``, in ``fmt``, whose description has ``words``."""
    assert response.status_code == status, response.text
    if fmt:
        expected = "application/json" if fmt == "json" else "text/xml"
        assert response.headers["content-type"].startswith(expected)
    errors = errors_of(response)
    assert [code for code, _ in errors] == [status]
    assert words in errors[0][1]
