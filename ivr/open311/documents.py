"""An Open311 answer's bytes → a tree of dicts, lists and scalars, whatever the format.

Servers do not always say truthfully what they send (XML labelled ``text/html``, JSON labelled
``text/plain``, a proxy's HTML page with status 200), so the body is sniffed rather than the
``Content-Type`` trusted: ``[`` or ``{`` is JSON, ``<`` is XML unless it is an HTML page.

JSON is read with :mod:`json`, with non-integral numbers kept as :class:`~decimal.Decimal` so
that an id like ``12.0`` or a coordinate never picks up binary float artefacts. XML is read
with :mod:`defusedxml` (no entity expansion, no external entities: a city's server is outside
our trust) and turned into the same shape JSON has, so one set of builders reads both:

- an element whose tag is a GeoReport list (``services``, ``service_requests``, ``errors``,
  ``attributes``, ``values``, ``endpoints``, ``formats``) becomes a list of its children;
- any other element with children becomes a dict (a repeated child tag becomes a list);
- a leaf becomes its stripped text (``""`` when empty).

Namespaces are dropped from tags: GeoReport has none, and some servers add a default one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeElementTree
from defusedxml import DefusedXmlException

LIST_TAGS = frozenset(
    {"services", "service_requests", "errors", "attributes", "values", "endpoints", "formats"}
)
Kind = Literal["json", "xml", "html", "unreadable"]


@dataclass(frozen=True)
class Document:
    """A decoded answer: its kind, its tree (for json and xml), and why it is unreadable."""

    kind: Kind
    tree: Any = None
    problem: str = ""


def decode(body: bytes, content_type: str = "") -> Document:
    """Sniff and parse ``body``; never raises for bad input (the kind says what it was)."""
    start = body.lstrip(b"\xef\xbb\xbf \t\r\n")[:64].lower()
    if not start:
        return Document("unreadable", problem="empty answer")
    if start[:1] in (b"[", b"{"):
        return _decode_json(body)
    if start[:1] == b"<":
        if start.startswith((b"<!doctype html", b"<html")):
            return Document("html", problem="an HTML page")
        document = _decode_xml(body)
        if document.kind == "unreadable" and "html" in content_type.lower():
            return Document("html", problem="an HTML page")
        return document
    if "html" in content_type.lower():
        return Document("html", problem="an HTML page")
    return Document("unreadable", problem="neither JSON nor XML")


def _decode_json(body: bytes) -> Document:
    try:
        tree = json.loads(body, parse_float=Decimal)
    except (ValueError, UnicodeDecodeError) as error:
        return Document("unreadable", problem=f"broken JSON ({_first_line(error)})")
    return Document("json", tree)


def _decode_xml(body: bytes) -> Document:
    try:
        root = SafeElementTree.fromstring(body)
    except DefusedXmlException:
        return Document("unreadable", problem="XML with entity declarations (refused)")
    except (ParseError, ValueError) as error:
        return Document("unreadable", problem=f"broken XML ({_first_line(error)})")
    if _local(root.tag) == "html":
        return Document("html", problem="an HTML page")
    return Document("xml", element_tree(root))


def element_tree(element: Element) -> Any:
    """One XML element as dicts, lists and strings (the shape its JSON twin has)."""
    children = list(element)
    if not children:
        return (element.text or "").strip()
    if _local(element.tag) in LIST_TAGS:
        return [element_tree(child) for child in children]
    grouped: dict[str, list[Any]] = {}
    for child in children:
        grouped.setdefault(_local(child.tag), []).append(element_tree(child))
    return {tag: values[0] if len(values) == 1 else values for tag, values in grouped.items()}


def _local(tag: Any) -> str:
    text = str(tag)
    return text.rsplit("}", 1)[-1] if text.startswith("{") else text


def _first_line(error: Exception) -> str:
    return str(error).splitlines()[0][:120] if str(error) else type(error).__name__
