"""The embedded endpoint's answers as GeoReport v2 documents, in JSON or in XML.

Each ``*_document`` function turns program data into the tree the spec shows for JSON (lists,
dicts, scalars); :func:`render` writes that tree as JSON, or as XML with the spec's element names
(a list is written as its container tag holding one child per item: ``<services><service>``,
``<attributes><attribute>``, ``<errors><error>``…). Missing datetimes and coordinates are JSON
``null`` and empty XML elements; missing text is ``""``.

Only fields the spec publishes are written, with the embedded endpoint's one extension on a
request, ``me_too_count``, and mySociety's ``servicerequestupdates`` document: a request's
contact fields (email, phone, names,
device and account ids) never reach a GET document, because they are not in
:class:`~ivr.open311.models.ServiceRequest` at all; and a request's description is already
the public one (:func:`ivr.open311.public_text.public_description`: no outbox key line, no phone
number) when it reaches this module.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Literal
from xml.etree.ElementTree import Element, SubElement, tostring

from ivr.open311.models import (
    Attribute,
    Discovery,
    RequestUpdate,
    Service,
    ServiceDefinition,
    ServiceRequest,
)

Format = Literal["json", "xml"]
FORMATS: tuple[Format, ...] = ("json", "xml")
MIMETYPES: Mapping[Format, str] = {
    "json": "application/json; charset=utf-8",
    "xml": "text/xml; charset=utf-8",
}
SPEC_URL = "http://wiki.open311.org/GeoReport_v2"

# The child tag of each list container, as the spec's XML examples write them.
ITEM_TAGS: Mapping[str, str] = {
    "services": "service",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "service_requests": "request",
    "errors": "error",
    "service_request_updates": "request_update",
}

# Characters XML 1.0 cannot carry (and PostgreSQL text cannot hold, for NUL).
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def has_forbidden_characters(text: str) -> bool:
    """True when ``text`` holds a character no GeoReport XML document may contain."""
    return _FORBIDDEN.search(text) is not None


def render(tree: Any, root: str, fmt: Format) -> tuple[bytes, str]:
    """The body and mimetype of ``tree``; ``root`` is the XML document element's tag."""
    if fmt == "json":
        return json.dumps(tree, ensure_ascii=False).encode("utf-8"), MIMETYPES["json"]
    element = Element(root)
    _fill(element, tree)
    body = tostring(element, encoding="utf-8", xml_declaration=True)
    return body, MIMETYPES["xml"]


def errors_document(code: int, description: str) -> list[dict[str, Any]]:
    return [{"code": code, "description": description}]


def services_document(services: Iterable[Service]) -> list[dict[str, Any]]:
    return [
        {
            "service_code": s.service_code,
            "service_name": s.service_name,
            "description": s.description,
            "metadata": s.metadata,
            "type": s.type,
            "keywords": ", ".join(s.keywords),
            "group": s.group,
        }
        for s in services
    ]


def definition_document(definition: ServiceDefinition) -> dict[str, Any]:
    return {
        "service_code": definition.service_code,
        "attributes": [_attribute(a) for a in definition.attributes],
    }


def discovery_document(discovery: Discovery) -> dict[str, Any]:
    return {
        "changeset": discovery.changeset,
        "contact": discovery.contact,
        "key_service": discovery.key_service,
        "endpoints": [
            {
                "specification": e.specification,
                "url": e.url,
                "changeset": e.changeset,
                "type": e.type,
                "formats": list(e.formats),
            }
            for e in discovery.endpoints
        ],
    }


def requests_document(requests: Sequence[ServiceRequest]) -> list[dict[str, Any]]:
    return [
        {
            "service_request_id": r.service_request_id,
            "status": r.status,
            "status_notes": r.status_notes,
            "service_name": r.service_name,
            "service_code": r.service_code,
            "description": r.description,
            "agency_responsible": r.agency_responsible,
            "service_notice": r.service_notice,
            "requested_datetime": format_datetime(r.requested_datetime),
            "updated_datetime": format_datetime(r.updated_datetime),
            "expected_datetime": format_datetime(r.expected_datetime),
            "address": r.address,
            "address_id": r.address_id,
            "zipcode": r.zipcode,
            "lat": r.lat,
            "long": r.long,
            "media_url": r.media_url,
            "me_too_count": r.me_too_count,
        }
        for r in requests
    ]


def updates_document(updates: Sequence[RequestUpdate]) -> list[dict[str, Any]]:
    """mySociety's ``servicerequestupdates`` extension, as FixMyStreet reads it."""
    return [
        {
            "update_id": u.update_id,
            "service_request_id": u.service_request_id,
            "status": u.status,
            "updated_datetime": format_datetime(u.updated_datetime),
            "description": u.description,
            "media_url": u.media_url,
        }
        for u in updates
    ]


def format_datetime(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with an explicit offset, as GeoReport clients parse it."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat(timespec="seconds")


def _attribute(attribute: Attribute) -> dict[str, Any]:
    return {
        "variable": attribute.variable,
        "code": attribute.code,
        "datatype": attribute.datatype,
        "required": attribute.required,
        "datatype_description": attribute.datatype_description,
        "order": attribute.order,
        "description": attribute.description,
        "values": [{"key": v.key, "name": v.name} for v in attribute.values],
    }


def _fill(element: Element, value: Any) -> None:
    if isinstance(value, Mapping):
        for key, child in value.items():
            _fill(SubElement(element, key), child)
    elif isinstance(value, list):
        tag = ITEM_TAGS[element.tag]
        for item in value:
            _fill(SubElement(element, tag), item)
    else:
        element.text = _scalar(value)


def _scalar(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return _FORBIDDEN.sub("\ufffd", str(value))
