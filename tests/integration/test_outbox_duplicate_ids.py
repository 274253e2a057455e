"""A city that answers two reports with one ``service_request_id``: the first keeps it, the
second is parked for a person (in ``ivr outbox failures`` and on the dashboard's outbox page)
with an error that names both; its caller is told no reference and sent no text message, and
the log warns with outbox ids only. On both databases."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from click.testing import CliRunner
from sqlalchemy.orm import Session, sessionmaker

from flows.catalogue import load_catalogues
from ivr.cli import main
from ivr.dashboard.outbox_pages import outbox_lines
from ivr.dialog.actions import Say
from ivr.followup.me_too import CHOICE_SLOT, DUPLICATE_SLOT, ME_TOO
from ivr.followup.text_sender import TextContent, send_due_texts
from ivr.followup.texts import CONSENT_SLOT, record_follow_up
from ivr.leases import Backoff, LeasePolicy
from ivr.open311.client import Open311Client
from ivr.outbox.queue import DUPLICATE_ID, FILED, PARKED, Report, delivery_for_report, enqueue
from ivr.outbox.tokens import exchange_tokens
from ivr.outbox.worker import deliver_due
from ivr.store.db import make_engine, make_sessionmaker
from ivr.webhooks.filing import closing

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
POLICY = LeasePolicy(Backoff(10, 60, jitter=0.2), lease_seconds=120)
CITY_ID = "4312"
ADDRESS = "438 Washington St"
SERVICES = [{"service_code": "pothole", "service_name": "Pothole", "type": "realtime"}]


@pytest.fixture
def sessions(migrated_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(migrated_url)
    yield make_sessionmaker(engine)
    engine.dispose()


def same_id_city() -> tuple[Open311Client, list[str]]:
    """A city that files every POST and answers each with the same id; and its POSTs' keys."""
    posted: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            posted.append(request.headers.get("Idempotency-Key", ""))
            return httpx.Response(201, json=[{"service_request_id": CITY_ID}])
        if request.url.path.endswith("/services.json"):
            return httpx.Response(200, json=SERVICES)
        return httpx.Response(200, json=[])

    http = httpx.Client(transport=httpx.MockTransport(answer))
    return Open311Client(http, "https://city.example/open311/v2/"), posted


def report(sessions: sessionmaker[Session], number: str, *, joining: str = "") -> int:
    """A caller's report, with the text message they agreed to; its report id."""
    slots = {CONSENT_SLOT: "yes"}
    if joining:  # the caller chose to add their voice to the open request ``joining``
        slots.update({CHOICE_SLOT: ME_TOO, DUPLICATE_SLOT: joining})
    with sessions() as session, session.begin():
        row = enqueue(
            session.connection(),
            Report(service_code="pothole", address_string=ADDRESS, description="a deep hole"),
            now=NOW,
        )
        data = {"slots": slots, "language": "en"}
        record_follow_up(session.connection(), row.report_id, data, caller_number=number, now=NOW)
        return row.report_id


def what_the_caller_hears(sessions: sessionmaker[Session], report_id: int) -> list[str]:
    with sessions() as session:
        delivery = delivery_for_report(session, report_id)
    catalogue = load_catalogues()["en"]
    said = [action for action in closing((), "en", delivery) if isinstance(action, Say)]
    return [catalogue.text(say.key, dict(say.values)) for say in said]


def texts_sent(sessions: sessionmaker[Session]) -> list[tuple[str, str]]:
    sent: list[tuple[str, str]] = []

    def send(number: str, body: str) -> str:
        sent.append((number, body))
        return f"SM{len(sent)}"

    send_due_texts(sessions, send, TextContent(load_catalogues()), clock=lambda: NOW)
    return sent


def test_the_second_report_given_a_taken_id_is_parked_and_its_caller_told_no_number(
    sessions: sessionmaker[Session], caplog: pytest.LogCaptureFixture
) -> None:
    first = report(sessions, "+16175550123")
    second = report(sessions, "+16175550124")
    client, posted = same_id_city()

    with caplog.at_level(logging.INFO):
        counts = deliver_due(sessions, client, clock=lambda: NOW, policy=POLICY)

    assert (counts.filed, counts.parked) == (1, 1) and len(posted) == 2
    with sessions() as session:
        kept = delivery_for_report(session, first)
        parked = delivery_for_report(session, second)
    assert kept is not None and (kept.status, kept.service_request_id) == (FILED, CITY_ID)
    assert parked is not None and (parked.status, parked.service_request_id) == (PARKED, None)
    assert parked.last_error_kind == DUPLICATE_ID
    assert f"city id {CITY_ID} already belongs to outbox row {kept.outbox_id}" in parked.last_error

    assert "Your reference number is 4 3 1 2." in what_the_caller_hears(sessions, first)
    heard = what_the_caller_hears(sessions, second)
    assert heard[0] == "It will reach the city in the next few minutes."
    assert not any("reference" in line or "4 3 1 2" in line for line in heard)
    sent = texts_sent(sessions)
    assert [(number, CITY_ID in body) for number, body in sent] == [("+16175550123", True)]

    warned = [
        (r.__dict__.get("outbox_id"), r.__dict__.get("holder_outbox_id"), r.__dict__.get("city_id"))
        for r in caplog.records
        if r.name == "ivr.outbox.worker" and r.levelno == logging.WARNING
    ]
    assert warned == [(parked.outbox_id, kept.outbox_id, CITY_ID)]
    logged = " ".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert ADDRESS not in logged and "+1617555012" not in logged


def test_a_me_too_report_may_be_answered_with_the_request_it_joined(
    sessions: sessionmaker[Session],
) -> None:
    first = report(sessions, "+16175550123")
    client, _ = same_id_city()
    deliver_due(sessions, client, clock=lambda: NOW, policy=POLICY)
    joining = report(sessions, "+16175550125", joining=CITY_ID)

    deliver_due(sessions, client, clock=lambda: NOW, policy=POLICY)

    with sessions() as session:
        states = [delivery_for_report(session, r) for r in (first, joining)]
    assert [(d.status, d.service_request_id) for d in states if d] == [(FILED, CITY_ID)] * 2


def test_staff_see_the_parked_report_in_the_failures_and_on_the_outbox_page(
    sessions: sessionmaker[Session], migrated_url: str
) -> None:
    report(sessions, "+16175550123")
    second = report(sessions, "+16175550124")
    deliver_due(sessions, same_id_city()[0], clock=lambda: NOW, policy=POLICY)
    with sessions() as session:
        parked = delivery_for_report(session, second)
        lines = outbox_lines(session)
    assert parked is not None

    assert lines[0].id == parked.outbox_id and lines[0].failing
    assert lines[0].city_id == "" and f"city id {CITY_ID}" in lines[0].last_error
    failures = CliRunner().invoke(
        main, ["outbox", "failures"], env={"IVR_DATABASE_URL": migrated_url}
    )
    assert failures.exit_code == 0, failures.output
    rows = [line.split() for line in failures.output.splitlines()[1:]]
    assert [(row[0], row[1]) for row in rows] == [(str(parked.outbox_id), PARKED)]
    assert f"{DUPLICATE_ID}: city id {CITY_ID}" in failures.output


def test_a_token_later_exchanged_for_a_taken_id_is_parked_and_texts_nobody(
    sessions: sessionmaker[Session],
) -> None:
    first = report(sessions, "+16175550123")
    batch = report(sessions, "+16175550126")
    client, _ = same_id_city()
    deliver_due(sessions, client, clock=lambda: NOW, policy=POLICY, limit=1)  # files ``first``
    token_checks: list[str] = []

    def batch_city(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            return httpx.Response(201, json=[{"token": "T-77"}])
        if "/tokens/" in request.url.path:  # no id at first; then the one ``first`` holds
            token_checks.append(request.url.path)
            found = [{"service_request_id": CITY_ID, "token": "T-77"}] if token_checks[1:] else []
            return httpx.Response(200, json=found)
        return httpx.Response(200, json=SERVICES if "services" in request.url.path else [])

    city = Open311Client(
        httpx.Client(transport=httpx.MockTransport(batch_city)), "https://city.example/v2/"
    )
    deliver_due(sessions, city, clock=lambda: NOW, policy=POLICY)
    later = NOW + timedelta(minutes=5)
    assert exchange_tokens(sessions, city, backoff=POLICY.backoff, clock=lambda: later) == 0

    with sessions() as session:
        kept, parked = (delivery_for_report(session, r) for r in (first, batch))
    assert len(token_checks) == 2
    assert kept is not None and parked is not None
    assert (parked.status, parked.service_request_id, parked.token) == (PARKED, None, "T-77")
    assert f"already belongs to outbox row {kept.outbox_id}" in parked.last_error
    assert [number for number, _ in texts_sent(sessions)] == ["+16175550123"]
