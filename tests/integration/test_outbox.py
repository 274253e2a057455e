"""The outbox delivers each committed report to a city over real HTTP, retries what a retry can
fix, parks what it cannot, and takes a row back when a worker died holding it. On both
databases."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.wrappers import Request, Response

from ivr.leases import Backoff, LeasePolicy
from ivr.open311.client import Open311Client
from ivr.outbox.claims import claim_due
from ivr.outbox.queue import FILED, PARKED, PENDING, SENDING, Report, delivery_for_report, enqueue
from ivr.outbox.worker import RoundCounts, deliver_due
from ivr.store.call_tables import OutboxRecord
from ivr.store.db import make_engine, make_sessionmaker
from tests.integration.open311_city import City, as_json
from tests.support.live_server import serve_wsgi

SERVICES = [{"service_code": "pothole", "service_name": "Pothole", "type": "realtime"}]
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
POLICY = LeasePolicy(Backoff(10, 60, jitter=0.2), lease_seconds=120)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def sessions(migrated_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(migrated_url)
    yield make_sessionmaker(engine)
    engine.dispose()


def _report(sessions: sessionmaker[Session], clock: Clock, code: str = "pothole") -> int:
    with sessions() as session, session.begin():
        row = enqueue(
            session.connection(),
            Report(
                service_code=code,
                attributes={"depth": ["deep"]},
                lat=42.3522,
                long=-71.0552,
                address_string="1 Main St",
                description="a deep hole",
            ),
            now=clock(),
        )
        return row.report_id


def _city(answers: list[Response]) -> City:
    def post(_request: Request) -> Response:
        return answers.pop(0) if len(answers) > 1 else answers[0]

    routes = {("GET", "/services.json"): as_json(SERVICES), ("POST", "/requests.json"): post}
    return City(routes=routes)


def _ok(request_id: str) -> Response:
    return Response(
        json.dumps([{"service_request_id": request_id}]), 201, mimetype="application/json"
    )


def _client(base: str) -> Open311Client:
    return Open311Client(httpx.Client(timeout=2), base + "/")


def test_a_report_reaches_the_city_with_what_the_caller_said(
    sessions: sessionmaker[Session],
) -> None:
    clock = Clock()
    city = _city([_ok("0")])
    report_id = _report(sessions, clock)
    with serve_wsgi(city) as base:
        counts = deliver_due(sessions, _client(base), clock=clock, policy=POLICY)
    assert counts.filed == 1
    posted = [r for r in city.received if r.method == "POST"]
    assert len(posted) == 1
    assert posted[0].form_values("service_code") == ["pothole"]
    assert posted[0].form_values("attribute[depth]") == ["deep"]
    assert posted[0].form_values("lat") == ["42.352200"]
    assert posted[0].form_values("address_string") == ["1 Main St"]
    with sessions() as session:
        delivery = delivery_for_report(session, report_id)
    assert delivery is not None
    assert (delivery.status, delivery.service_request_id) == (FILED, "0")


def test_a_server_error_is_retried_after_a_back_off_then_filed(
    sessions: sessionmaker[Session],
) -> None:
    clock = Clock()
    city = _city([Response("down", 503), _ok("311-7")])
    report_id = _report(sessions, clock)
    with serve_wsgi(city) as base:
        client = _client(base)
        assert deliver_due(sessions, client, clock=clock, policy=POLICY).retrying == 1
        with sessions() as session:
            waiting = delivery_for_report(session, report_id)
        assert waiting is not None and waiting.status == PENDING
        assert "503" in waiting.last_error
        # not due yet: nothing is sent before the back-off has passed
        assert deliver_due(sessions, client, clock=clock, policy=POLICY).filed == 0
        clock.now += timedelta(seconds=POLICY.backoff.base_seconds * 1.3)
        assert deliver_due(sessions, client, clock=clock, policy=POLICY).filed == 1
    assert sum(1 for r in city.received if r.method == "POST") == 2
    with sessions() as session:
        filed = delivery_for_report(session, report_id)
    assert filed is not None and (filed.service_request_id, filed.attempts) == ("311-7", 2)


@pytest.mark.parametrize("retry_after", ["45", "Mon, 23 Nov 2026 12:00:45 GMT"])
def test_a_throttled_report_waits_as_long_as_the_city_asks(
    sessions: sessionmaker[Session], retry_after: str
) -> None:
    """A 429 (or 503) with ``Retry-After``: the next attempt waits at least that long (the
    back-off's 10 s would call again while the city still refuses), never beyond the cap."""
    clock = Clock()
    throttled = Response("slow down", 429, headers={"Retry-After": retry_after})
    throttled.headers["Date"] = "Mon, 23 Nov 2026 12:00:00 GMT"  # NOW: a date is read against it
    city = _city([throttled, _ok("9")])
    report_id = _report(sessions, clock)
    with serve_wsgi(city) as base:
        client = _client(base)
        assert deliver_due(sessions, client, clock=clock, policy=POLICY).retrying == 1
        clock.now += timedelta(seconds=POLICY.backoff.base_seconds * 1.3)
        assert deliver_due(sessions, client, clock=clock, policy=POLICY).filed == 0
        clock.now = NOW + timedelta(seconds=45)
        assert deliver_due(sessions, client, clock=clock, policy=POLICY).filed == 1
    with sessions() as session:
        filed = delivery_for_report(session, report_id)
    assert filed is not None and filed.service_request_id == "9"


def test_a_retry_after_beyond_the_cap_waits_the_cap(sessions: sessionmaker[Session]) -> None:
    clock = Clock()
    city = _city([Response("down", 503, headers={"Retry-After": "86400"}), _ok("9")])
    _report(sessions, clock)
    with serve_wsgi(city) as base:
        client = _client(base)
        assert deliver_due(sessions, client, clock=clock, policy=POLICY).retrying == 1
        clock.now += timedelta(seconds=POLICY.backoff.cap_seconds)
        assert deliver_due(sessions, client, clock=clock, policy=POLICY).filed == 1


def test_a_refusal_is_parked_for_a_person_not_retried(sessions: sessionmaker[Session]) -> None:
    clock = Clock()
    refusal = [{"code": 400, "description": "service_code unknown"}]
    city = _city([Response(json.dumps(refusal), 400, mimetype="application/json")])
    report_id = _report(sessions, clock)
    with serve_wsgi(city) as base:
        client = _client(base)
        assert deliver_due(sessions, client, clock=clock, policy=POLICY).parked == 1
        clock.now += timedelta(hours=1)
        assert deliver_due(sessions, client, clock=clock, policy=POLICY) == RoundCounts()
    with sessions() as session:
        parked = delivery_for_report(session, report_id)
    assert parked is not None and parked.status == PARKED
    assert "service_code unknown" in parked.last_error
    assert sum(1 for r in city.received if r.method == "POST") == 1


def test_an_unreachable_city_keeps_the_report(sessions: sessionmaker[Session]) -> None:
    clock = Clock()
    report_id = _report(sessions, clock)
    client = Open311Client(httpx.Client(timeout=1), "http://127.0.0.1:9/")
    assert deliver_due(sessions, client, clock=clock, policy=POLICY).retrying == 1
    with sessions() as session:
        delivery = delivery_for_report(session, report_id)
    assert delivery is not None and delivery.status == PENDING and delivery.last_error


def test_a_row_held_by_a_dead_worker_is_claimed_again_after_its_lease(
    sessions: sessionmaker[Session],
) -> None:
    clock = Clock()
    _report(sessions, clock)
    claimed = claim_due(sessions, now=clock(), limit=10, policy=POLICY)
    assert len(claimed) == 1
    # the worker that claimed it dies here; within the lease nobody else takes it
    assert claim_due(sessions, now=clock() + timedelta(seconds=60), limit=10, policy=POLICY) == []
    later = clock() + timedelta(seconds=POLICY.lease_seconds + 1)
    assert claim_due(sessions, now=later, limit=10, policy=POLICY) == claimed
    with sessions() as session:
        row = session.scalar(select(OutboxRecord))
    assert row is not None and row.status == SENDING and row.attempts == 2
