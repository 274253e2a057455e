"""The live event stream over real HTTP: a POST to the embedded endpoint and a status change
arrive as events, a reconnect with ``Last-Event-ID`` loses and repeats nothing, and streams
beyond the cap are refused. Both databases."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from ivr.open311.request_store import update_status
from ivr.store.db import transaction
from tests.support.embedded_endpoint import POTHOLE_FORM, LiveEndpoint, live_endpoints

EVENTS = "/open311/v2/requests/events"
WAIT = 20.0  # seconds an event may take: a deadline for a failing test, not a measure
QUICK = {"feed_poll_seconds": 0.2, "feed_settle_seconds": 0.5}
PERSONAL = {
    "email": "jane.private@example.org",
    "phone": "+16175550123",
    "first_name": "Janeprivate",
    "last_name": "Doeprivate",
    "device_id": "device-private-77",
    "account_id": "account-private-88",
}


@dataclass(frozen=True)
class Event:
    id: str
    kind: str
    data: dict[str, object]


class EventReader:
    """Reads a ``text/event-stream`` response as the EventSource algorithm does."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.lines = response.iter_lines()
        self.raw: list[str] = []

    def next_event(self) -> Event:
        fields: dict[str, str] = {}
        for line in self.lines:
            self.raw.append(line)
            if line == "":
                if "data" in fields:
                    return Event(
                        fields.get("id", ""),
                        fields.get("event", "message"),
                        json.loads(fields["data"]),
                    )
                fields = {}
                continue
            if line.startswith(":"):
                continue
            name, _, value = line.partition(":")
            fields[name] = value.removeprefix(" ")
        raise AssertionError("the stream ended before an event came")

    def opened(self) -> None:
        """Reads up to the stream's opening comment (the server is now polling)."""
        for line in self.lines:
            self.raw.append(line)
            if line == ": stream open":
                return
        raise AssertionError("the stream never opened")


@contextmanager
def stream(gateway: LiveEndpoint, headers: dict[str, str] | None = None) -> Iterator[EventReader]:
    timeout = httpx.Timeout(10.0, read=WAIT)
    with (
        httpx.Client(base_url=gateway.base_url, timeout=timeout) as client,
        client.stream("GET", EVENTS, headers=headers or {}) as response,
    ):
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        reader = EventReader(response)
        reader.opened()
        yield reader


@pytest.fixture
def endpoints(migrated_url: str, tmp_path: Path) -> Iterator[Callable[..., LiveEndpoint]]:
    with live_endpoints(migrated_url, tmp_path) as make:
        yield lambda **changes: make(**{**QUICK, **changes})


def post_pothole(gateway: LiveEndpoint, **fields: str) -> str:
    response = gateway.http.post("/requests.json", data={**POTHOLE_FORM, **fields})
    assert response.status_code == 200, response.text
    service_request_id: str = response.json()[0]["service_request_id"]
    return service_request_id


def close(gateway: LiveEndpoint, service_request_id: str, notes: str) -> None:
    with transaction(gateway.runtime.sessions) as session:
        changed = update_status(
            session,
            service_request_id,
            status="closed",
            now=datetime.now(UTC),
            status_notes=notes,
        )
    assert changed


def test_a_new_request_and_its_status_change_arrive_then_resume_without_loss_or_repeat(
    endpoints: Callable[..., LiveEndpoint],
) -> None:
    gateway = endpoints()
    with stream(gateway) as events:
        first = post_pothole(gateway, address_string="12 Tremont St", **PERSONAL)
        created = events.next_event()
        assert (created.kind, created.data["service_request_id"]) == ("created", first)
        assert created.data["status"] == "open"
        assert created.data["address"] == "12 Tremont St"
        assert created.data == gateway.http.get(f"/requests/{first}.json").json()[0]

        close(gateway, first, "Filled by the street crew")
        updated = events.next_event()
        assert (updated.kind, updated.data["service_request_id"]) == ("updated", first)
        assert (updated.data["status"], updated.data["status_notes"]) == (
            "closed",
            "Filled by the street crew",
        )
        seen = "\n".join(events.raw)

    # Missed while away: a second request. Resuming after the first event gives the status
    # change and the second request, in order, and never the first event again.
    second = post_pothole(gateway, address_string="1 Court St")
    with stream(gateway, {"Last-Event-ID": created.id}) as events:
        again = [events.next_event(), events.next_event()]
    assert [(e.kind, e.data["service_request_id"]) for e in again] == [
        ("updated", first),
        ("created", second),
    ]
    assert again[0].id == updated.id

    # Resuming after the last event: only what comes next.
    with stream(gateway, {"Last-Event-ID": again[1].id}) as events:
        third = post_pothole(gateway)
        assert [events.next_event().data["service_request_id"]] == [third]
        seen += "\n".join(events.raw)

    for value in PERSONAL.values():
        assert value not in seen


def test_a_page_cursor_given_as_after_starts_the_stream_there(
    endpoints: Callable[..., LiveEndpoint],
) -> None:
    gateway = endpoints()
    with stream(gateway) as events:
        second = post_pothole(gateway)
        cursor = ""
        while not cursor:
            event = events.next_event()
            cursor = event.id if event.data["service_request_id"] == second else ""
    third = post_pothole(gateway)
    timeout = httpx.Timeout(10.0, read=WAIT)
    with (
        httpx.Client(base_url=gateway.base_url, timeout=timeout) as client,
        client.stream("GET", EVENTS, params={"after": cursor}) as response,
    ):
        got = EventReader(response).next_event()
    assert (got.kind, got.data["service_request_id"]) == ("created", third)


def test_blackbox_requests_never_reach_the_stream(endpoints: Callable[..., LiveEndpoint]) -> None:
    gateway = endpoints()
    with stream(gateway) as events:
        tip = gateway.http.post(
            "/requests.json", data={"service_code": "tip", "lat": "42.35", "long": "-71.06"}
        )
        assert tip.status_code == 200
        visible = post_pothole(gateway)
        event = events.next_event()
    assert event.data["service_request_id"] == visible


def test_streams_beyond_the_cap_are_refused_with_retry_after(
    endpoints: Callable[..., LiveEndpoint],
) -> None:
    gateway = endpoints(feed_max_streams=1)
    with stream(gateway):
        refused = httpx.get(gateway.base_url + EVENTS, timeout=10)
    assert refused.status_code == 503
    assert int(refused.headers["Retry-After"]) >= 1
    assert refused.json()[0]["code"] == 503


def test_a_cursor_the_server_never_gave_is_refused(sqlite_url: str, tmp_path: Path) -> None:
    with live_endpoints(sqlite_url, tmp_path) as make:
        gateway = make()
        for bad in ["yesterday", "12", "-1-2", "1-2-3", "9" * 30 + "-1"]:
            response = httpx.get(
                gateway.base_url + EVENTS, headers={"Last-Event-ID": bad}, timeout=10
            )
            assert response.status_code == 400, bad
            assert "event id" in response.json()[0]["description"]
