"""The published requests as an Atom feed (RFC 4287) with GeoRSS points, built by ElementTree.

One entry per request, the most recently changed first. Ids are tag URIs (RFC 4151) on the
gateway's host name, so they stay the same whichever URL the feed is read through:
``tag:311.example.gov,2025:open311/requests`` for the feed and
``tag:311.example.gov,2025-05-01:open311/requests/42`` for request 42 (the date is the day it
was filed). Only published fields are written: no contact field is within reach here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from xml.etree.ElementTree import Element, SubElement, register_namespace, tostring

from ivr.open311.models import ServiceRequest
from ivr.open311.render import format_datetime, has_forbidden_characters
from ivr.opendata.changes import Change

ATOM = "http://www.w3.org/2005/Atom"
GEORSS = "http://www.georss.org/georss"
MIMETYPE = "application/atom+xml; charset=utf-8"
FEED_TAG_YEAR = "2025"  # the year this feed's tag URIs were minted: fixed, so ids never change

register_namespace("", ATOM)
register_namespace("georss", GEORSS)


@dataclass(frozen=True)
class FeedLinks:
    """Where the feed and the pages it points to are reached."""

    authority: str  # the host name tag URIs are minted on
    self_url: str
    map_url: str
    request_page_url: str  # with ``{id}`` for the request's id
    request_api_url: str  # with ``{id}``
    title: str = "311 service requests"
    author: str = "The city's 311 service"


def atom_feed(changes: Sequence[Change], links: FeedLinks, *, now: datetime) -> bytes:
    """The feed document (UTF-8, with its XML declaration)."""
    feed = Element(_atom("feed"))
    _text(feed, "id", f"tag:{links.authority},{FEED_TAG_YEAR}:open311/requests")
    _text(feed, "title", links.title)
    newest = changes[0].request.updated_datetime if changes else None
    _text(feed, "updated", format_datetime(newest or now) or "")
    _link(feed, "self", links.self_url, "application/atom+xml")
    _link(feed, "alternate", links.map_url, "text/html")
    author = SubElement(feed, _atom("author"))
    _text(author, "name", links.author)
    for change in changes:
        _entry(feed, change.request, links)
    return tostring(feed, encoding="utf-8", xml_declaration=True)


def _entry(feed: Element, request: ServiceRequest, links: FeedLinks) -> None:
    entry = SubElement(feed, _atom("entry"))
    filed = request.requested_datetime
    day = filed.date().isoformat() if filed else FEED_TAG_YEAR
    _text(entry, "id", f"tag:{links.authority},{day}:open311/requests/{request.service_request_id}")
    _text(entry, "title", entry_title(request))
    _text(entry, "updated", format_datetime(request.updated_datetime or filed) or "")
    if filed is not None:
        _text(entry, "published", format_datetime(filed) or "")
    page = links.request_page_url.format(id=request.service_request_id)
    _link(entry, "alternate", page, "text/html")
    _link(
        entry,
        "related",
        links.request_api_url.format(id=request.service_request_id),
        "application/json",
    )
    category = SubElement(entry, _atom("category"))
    category.set("term", _clean(request.service_code))
    category.set("label", _clean(request.service_name))
    content = SubElement(entry, _atom("content"))
    content.set("type", "text")
    content.text = _clean(entry_content(request))
    if request.lat is not None and request.long is not None:
        point = SubElement(entry, f"{{{GEORSS}}}point")
        point.text = f"{request.lat:.6f} {request.long:.6f}"


def entry_title(request: ServiceRequest) -> str:
    """``"Pothole at 1 Main St"``; the service alone when there is no address."""
    name = request.service_name or request.service_code
    return f"{name} at {request.address}" if request.address else name


def entry_content(request: ServiceRequest) -> str:
    lines = [f"Status: {request.status}"]
    if request.status_notes:
        lines.append(f"Notes: {request.status_notes}")
    if request.description:
        lines.append(f"Description: {request.description}")
    return "\n".join(lines)


def _atom(tag: str) -> str:
    return f"{{{ATOM}}}{tag}"


def _text(parent: Element, tag: str, text: str) -> Element:
    child = SubElement(parent, _atom(tag))
    child.text = _clean(text)
    return child


def _link(parent: Element, rel: str, href: str, mimetype: str) -> None:
    link = SubElement(parent, _atom("link"))
    link.set("rel", rel)
    link.set("href", href)
    link.set("type", mimetype)


def _clean(text: str) -> str:
    """Text XML 1.0 can carry (a character it cannot becomes U+FFFD)."""
    if not has_forbidden_characters(text):
        return text
    return "".join("\ufffd" if has_forbidden_characters(c) else c for c in text)
