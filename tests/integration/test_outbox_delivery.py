"""What the outbox does beyond a plain success: it finds an earlier attempt's report at a city
that ignores the key instead of filing it again; the embedded endpoint files a key once; a
row a dead worker held is an unknown outcome; a batch token is exchanged for an id later; a
blackbox service gives no number. And what the caller hears in each case."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.wrappers import Request, Response

from flows.catalogue import load_catalogues
from ivr.app import create_app
from ivr.dialog.actions import Say
from ivr.leases import Backoff, LeasePolicy
from ivr.open311.client import Open311Client
from ivr.open311.models import NewRequest
from ivr.outbox.attempts import attempts_of
from ivr.outbox.claims import claim_due
from ivr.outbox.lookup import key_line
from ivr.outbox.queue import FILED, Report, delivery_for_report, enqueue
from ivr.outbox.tokens import exchange_tokens
from ivr.outbox.worker import deliver_due
from ivr.settings import Settings
from ivr.store.call_tables import OutboxRecord
from ivr.store.db import make_engine, make_sessionmaker
from ivr.webhooks.filing import closing
from tests.integration.open311_city import City, as_json
from tests.support.live_server import serve_wsgi

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
POLICY = LeasePolicy(Backoff(10, 60, jitter=0.2), lease_seconds=120)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def _exchange(sessions: sessionmaker[Session], client: Open311Client, clock: Clock) -> int:
    """One round of token checks, as the outbox's loop runs it after each delivery round."""
    return exchange_tokens(sessions, client, backoff=POLICY.backoff, clock=clock, max_checks=5)


@pytest.fixture
def sessions(migrated_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(migrated_url)
    yield make_sessionmaker(engine)
    engine.dispose()


def _report(sessions: sessionmaker[Session], clock: Clock, code: str = "pothole") -> int:
    with sessions() as session, session.begin():
        report = Report(code, lat=42.3522, long=-71.0552, description="a deep hole")
        return enqueue(session.connection(), report, now=clock()).report_id


def _client(base: str) -> Open311Client:
    return Open311Client(httpx.Client(timeout=2), base + "/")


def _services(kind: str) -> Any:
    return as_json([{"service_code": "pothole", "service_name": "Pothole", "type": kind}])


def _heard(sessions: sessionmaker[Session], report_id: int) -> str:
    with sessions() as session:
        delivery = delivery_for_report(session, report_id)
    said = closing((), "en", delivery)[0]
    assert isinstance(said, Say)
    return load_catalogues()["en"].text(said.key, dict(said.values))


class ForgetfulCrm:
    """A CRM that ignores the Idempotency-Key, stores every POST, and answers the first one
    with a 500 after storing it; its GET requests publishes what it stored."""

    def __init__(self) -> None:
        self.stored: list[dict[str, str]] = []

    def post(self, request: Request) -> Response:
        self.stored.append(
            {
                "service_request_id": f"311-{len(self.stored) + 1}",
                "service_code": request.form["service_code"],
                "description": request.form["description"],
                "requested_datetime": NOW.isoformat(),
            }
        )
        if len(self.stored) == 1:
            return Response("stored, then the CRM fell over", 500)
        return as_json([{"service_request_id": self.stored[-1]["service_request_id"]}])(request)

    def get(self, request: Request) -> Response:
        return as_json(self.stored)(request)


def test_a_report_that_may_have_been_filed_is_found_at_the_city_not_filed_again(
    sessions: sessionmaker[Session],
) -> None:
    clock, crm = Clock(), ForgetfulCrm()
    city = City(
        routes={
            ("GET", "/services.json"): _services("realtime"),
            ("POST", "/requests.json"): crm.post,
            ("GET", "/requests.json"): crm.get,
        }
    )
    report_id = _report(sessions, clock)
    with serve_wsgi(city) as base:
        client = _client(base)
        assert deliver_due(sessions, client, clock=clock, policy=POLICY).retrying == 1
        clock.now += timedelta(seconds=60)
        assert deliver_due(sessions, client, clock=clock, policy=POLICY).filed == 1
    assert len(crm.stored) == 1  # the second attempt looked, found it, and did not POST
    with sessions() as session:
        row = session.scalar(select(OutboxRecord))
        assert row is not None
        assert crm.stored[0]["description"] == f"a deep hole\n\n{key_line(row.key)}"
        history = [(a.outcome, a.error_kind) for a in attempts_of(session, row.id)]
    assert history == [("unknown", "server_error"), ("found", "")]
    lookup = next(r for r in city.received if r.method == "GET" and r.path == "/requests.json")
    assert lookup.query_value("service_code") == "pothole"
    assert _heard(sessions, report_id) == "Your reference number is 3 1 1 - 1."


def test_the_embedded_endpoint_files_one_request_per_key(sqlite_url: str) -> None:
    app = create_app(Settings(database_url=sqlite_url))
    request = NewRequest(service_code="1", lat=42.35, long=-71.06, description="bins left out")
    with serve_wsgi(app) as base, httpx.Client(timeout=5) as http:
        client = Open311Client(http, f"{base}/open311/v2")
        first = client.submit(request, idempotency_key="k-1")
        again = client.submit(request, idempotency_key="k-1")
        other = client.submit(request, idempotency_key="k-2")
        published = http.get(f"{base}/open311/v2/requests.json").json()
    assert first == again
    assert other.service_request_id != first.service_request_id
    assert sorted(r["service_request_id"] for r in published) == sorted(
        [first.service_request_id, other.service_request_id]
    )


def test_a_row_a_dead_worker_held_is_taken_back_as_an_unknown_outcome(
    sessions: sessionmaker[Session],
) -> None:
    clock = Clock()
    _report(sessions, clock)
    assert len(claim_due(sessions, now=clock(), limit=1, policy=POLICY, worker="w1")) == 1
    later = clock() + timedelta(seconds=POLICY.lease_seconds + 1)
    assert len(claim_due(sessions, now=later, limit=1, policy=POLICY, worker="w2")) == 1
    with sessions() as session:
        row = session.scalar(select(OutboxRecord))
        assert row is not None
        assert (row.unknown_attempts, row.last_error_kind) == (1, "worker_lost")
        history = [(a.worker, a.outcome, a.error_kind) for a in attempts_of(session, row.id)]
    assert history == [("w1", "unknown", "worker_lost"), ("w2", "in_flight", "")]


def test_a_batch_token_is_told_to_the_caller_and_exchanged_for_an_id_later(
    sessions: sessionmaker[Session],
) -> None:
    clock = Clock()
    known: list[str] = []

    def token(_request: Request) -> Response:
        if not known:
            return Response(json.dumps([{"code": 404, "description": "not yet"}]), 404)
        return as_json([{"service_request_id": known[0], "token": "T-42"}])(_request)

    city = City(
        routes={
            ("GET", "/services.json"): _services("batch"),
            ("POST", "/requests.json"): as_json([{"token": "T-42"}]),
            ("GET", "/tokens/T-42.json"): token,
        }
    )
    report_id = _report(sessions, clock)
    with serve_wsgi(city) as base:
        client = _client(base)
        assert deliver_due(sessions, client, clock=clock, policy=POLICY).filed == 1
        assert _heard(sessions, report_id) == (
            "The city will give your report a number later. For now, your tracking code is T - 4 2."
        )
        known.append("311-77")
        assert _exchange(sessions, client, clock) == 0  # not due yet
        clock.now += timedelta(seconds=POLICY.backoff.cap_seconds)
        assert _exchange(sessions, client, clock) == 1
    with sessions() as session:
        delivery = delivery_for_report(session, report_id)
    assert delivery is not None
    assert (delivery.status, delivery.service_request_id, delivery.token) == (
        FILED,
        "311-77",
        "T-42",
    )
    assert city.hits("/tokens/T-42.json") == 2
    assert city.hits("/requests.json") == 1


def test_a_blackbox_service_is_filed_without_a_number_and_the_caller_is_told_so(
    sessions: sessionmaker[Session],
) -> None:
    clock = Clock()
    city = City(
        routes={
            ("GET", "/services.json"): _services("blackbox"),
            ("POST", "/requests.json"): as_json([{"service_notice": "Thanks."}]),
        }
    )
    report_id = _report(sessions, clock)
    with serve_wsgi(city) as base:
        assert deliver_due(sessions, _client(base), clock=clock, policy=POLICY).filed == 1
    with sessions() as session:
        delivery = delivery_for_report(session, report_id)
    assert delivery is not None and delivery.blackbox
    assert _heard(sessions, report_id) == (
        "The city has your report. It does not give out reference numbers for this kind of report."
    )
    assert city.hits("/requests.json") == 1
