"""What the public reads of a report's description, over real HTTP, after the outbox filed it
at the embedded endpoint: the caller's words, without the outbox's key line and without the
phone numbers they spoke, in every public output (``GET requests`` in JSON and XML, one
request, the Atom feed, the event stream, the request's page and the map's data). The city's
store keeps the description the outbox sent, key line and all, so the report can be found there
again, and the outbox row is filed with the city's id. Both databases."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import defusedxml.ElementTree as SafeElementTree
import httpx
import pytest
from sqlalchemy import select

from ivr.open311.client import Open311Client
from ivr.outbox.lookup import key_line
from ivr.outbox.queue import FILED, Report, delivery_for_report, enqueue
from ivr.outbox.worker import deliver_due
from ivr.store.call_tables import OutboxRecord
from ivr.store.db import transaction, upgrade
from ivr.store.request_tables import ServiceRequestRecord
from tests.integration.test_open_data_events import QUICK, stream
from tests.support.databases import fresh_database
from tests.support.embedded_endpoint import LiveEndpoint, live_endpoints, xml_tree

SAID = (
    "[automatic transcript] a deep pothole by the bus stop, it has been there since 2026-11-01, "
    "call me back at six one seven five five five oh one two three or 617-555-0199"
)
PUBLIC = (
    "[automatic transcript] a deep pothole by the bus stop, it has been there since 2026-11-01, "
    "call me back at [phone number] or [phone number]"
)
NOT_PUBLIC = ("voice311 report", "six one seven", "617", "0199", "five five five")
# The fields GeoReport v2 gives a request in GET requests, and the endpoint's one extension
# (``me_too_count``): no contact field among them.
SPEC_FIELDS = {
    "service_request_id", "status", "status_notes", "service_name", "service_code",
    "description", "agency_responsible", "service_notice", "requested_datetime",
    "updated_datetime", "expected_datetime", "address", "address_id", "zipcode", "lat", "long",
    "media_url", "me_too_count",
}  # fmt: skip


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def gateway(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LiveEndpoint]:
    with fresh_database(request.param, tmp_path) as url:
        upgrade(url)
        with live_endpoints(url, tmp_path) as make:
            yield make(**QUICK)


def file_through_the_outbox(gateway: LiveEndpoint, report: Report | None = None) -> tuple[str, str]:
    """The caller's report, enqueued and delivered by the outbox to the gateway's own
    embedded endpoint; its published id and its outbox key."""
    sessions = gateway.runtime.sessions
    report = report or Report(
        "0",
        attributes={"kind": ("deep",)},
        lat=42.3555,
        long=-71.0605,
        address_string="1 School St",
        description=SAID,
    )
    with transaction(sessions) as session:
        row = enqueue(session.connection(), report, now=datetime.now(UTC))
        report_id, key = row.report_id, row.key
    with httpx.Client(timeout=10) as http:
        client = Open311Client(http, gateway.base_url + "/open311/v2/")
        assert deliver_due(sessions, client).filed == 1
    with sessions() as session:
        delivery = delivery_for_report(session, report_id)
    assert delivery is not None and delivery.status == FILED and delivery.service_request_id
    return delivery.service_request_id, key


def test_the_public_reads_the_callers_words_without_the_key_line_or_phone_numbers(
    gateway: LiveEndpoint,
) -> None:
    with stream(gateway) as events:
        service_request_id, key = file_through_the_outbox(gateway)
        streamed = events.next_event()
    assert streamed.data["service_request_id"] == service_request_id

    # What the city received and keeps: the caller's words and the key line, for lookups.
    with gateway.runtime.sessions() as session:
        stored = session.scalar(
            select(ServiceRequestRecord.description).where(
                ServiceRequestRecord.service_request_id == service_request_id
            )
        )
        outbox = session.scalar(select(OutboxRecord).where(OutboxRecord.key == key))
    assert stored == f"{SAID}\n\n{key_line(key)}"
    assert outbox is not None and outbox.service_request_id == service_request_id

    # What the public reads, wherever it reads it.
    http = gateway.http
    listed = http.get("/requests.json").json()
    as_xml = xml_tree(SafeElementTree.fromstring(http.get("/requests.xml").content))
    one = http.get(f"/requests/{service_request_id}.json").json()
    descriptions = {
        "requests.json": listed[0]["description"],
        "requests.xml": as_xml[0]["description"],
        "requests/<id>.json": one[0]["description"],
        "event stream": streamed.data["description"],
    }
    assert descriptions == dict.fromkeys(descriptions, PUBLIC)
    assert set(listed[0]) == SPEC_FIELDS and set(as_xml[0]) == SPEC_FIELDS
    assert set(streamed.data) == SPEC_FIELDS

    atom = http.get("/requests.atom").text
    page = httpx.get(f"{gateway.base_url}/requests/{service_request_id}").text
    assert PUBLIC in atom
    assert PUBLIC in page
    everything = [
        json.dumps(listed),
        http.get("/requests.xml").text,
        json.dumps(one),
        json.dumps(streamed.data),
        atom,
        page,
    ]
    # The endpoint's own address is in its links, and a random port may hold "617" or "0199".
    netloc = httpx.URL(gateway.base_url).netloc.decode()
    for published in (text.replace(netloc, "<gateway>") for text in everything):
        assert key not in published
        for text in NOT_PUBLIC:
            assert text not in published, (text, published)


def test_a_place_said_with_a_phone_number_is_published_without_the_number(
    gateway: LiveEndpoint,
) -> None:
    """A place the call could not confirm is filed as the caller's own words (no point): what
    they said at "where is the problem?", phone number and all. The address is published with
    the number masked, as a description is; the city's store keeps the words."""
    said = "Near my house call me at 617555001919 / 438 washington street"
    report = Report(
        "0", attributes={"kind": ("deep",)}, address_string=said, description="a deep hole"
    )
    with stream(gateway) as events:
        service_request_id, _ = file_through_the_outbox(gateway, report)
        streamed = events.next_event()
    with gateway.runtime.sessions() as session:
        stored = session.scalar(
            select(ServiceRequestRecord.address_string).where(
                ServiceRequestRecord.service_request_id == service_request_id
            )
        )
    assert stored == said

    public = "Near my house call me at [phone number] / 438 washington street"
    http = gateway.http
    as_xml = xml_tree(SafeElementTree.fromstring(http.get("/requests.xml").content))
    addresses = {
        "requests.json": http.get("/requests.json").json()[0]["address"],
        "requests.xml": as_xml[0]["address"],
        "requests/<id>.json": http.get(f"/requests/{service_request_id}.json").json()[0]["address"],
        "event stream": streamed.data["address"],
    }
    assert addresses == dict.fromkeys(addresses, public)
    atom = http.get("/requests.atom").text
    page = httpx.get(f"{gateway.base_url}/requests/{service_request_id}").text
    assert public in atom and public in page
    assert "555001919" not in atom and "555001919" not in page


def test_a_located_address_is_published_whole(gateway: LiveEndpoint) -> None:
    """A place with a point is the city's address data, not the caller's words: its ZIP+4 and
    a house-number range (seven digits or more each) are published as filed."""
    located = "1200-1250 Commonwealth Avenue, Boston, MA 02134-4321"
    report = Report(
        "0",
        attributes={"kind": ("deep",)},
        address_string=located,
        lat=42.35,
        long=-71.13,
        description="a deep hole",
    )
    service_request_id, _ = file_through_the_outbox(gateway, report)
    published = gateway.http.get(f"/requests/{service_request_id}.json").json()[0]
    assert published["address"] == located


def test_a_lookup_at_the_embedded_endpoint_files_a_report_once_by_its_key(
    gateway: LiveEndpoint,
) -> None:
    """The key line is not published, so an outbox row with an unknown outcome is not found by
    its description at the embedded endpoint: it is sent again with its Idempotency-Key, and
    answered with the request already filed, never a second one."""
    service_request_id, key = file_through_the_outbox(gateway)
    with transaction(gateway.runtime.sessions) as session:
        row = session.scalar(select(OutboxRecord).where(OutboxRecord.key == key))
        assert row is not None
        row.status, row.unknown_attempts, row.service_request_id = "pending", 1, None
    with httpx.Client(timeout=10) as http:
        client = Open311Client(http, gateway.base_url + "/open311/v2/")
        assert deliver_due(gateway.runtime.sessions, client).filed == 1
    with gateway.runtime.sessions() as session:
        again = session.scalar(select(OutboxRecord).where(OutboxRecord.key == key))
        held = session.scalars(select(ServiceRequestRecord.service_request_id)).all()
    assert again is not None and again.service_request_id == service_request_id
    assert held == [service_request_id]
