"""Status by phone when the city's GET ``requests/{id}`` fails: the caller hears that the city
cannot be reached right now, and the log line says what really happened, in the words every
part of the gateway uses (:mod:`ivr.open311.error_words`): a 4xx is the city refusing the
query, a timeout is the city that cannot be reached. The city's own words stay out of it."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from flows.catalogue import load_catalogues
from ivr.followup.request_status import RequestStatus
from ivr.jobs.queue import JobRequest
from ivr.open311.client import Open311Client
from ivr.store.db import make_engine, make_sessionmaker

CITY_WORDS = "jurisdiction_id is required; the caller said 617 555 0123"


@pytest.fixture
def sessions(sqlite_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(sqlite_url)
    yield make_sessionmaker(engine)
    engine.dispose()


def refused(request: httpx.Request) -> httpx.Response:
    return httpx.Response(400, json=[{"code": 400, "description": CITY_WORDS}])


def timed_out(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout("the city did not answer", request=request)


def asked(city: Callable[[httpx.Request], httpx.Response], sessions: sessionmaker[Session]) -> str:
    http = httpx.Client(transport=httpx.MockTransport(city), timeout=5)
    handler = RequestStatus(
        Open311Client(http, "http://city.test/open311"), sessions, load_catalogues()
    )
    data = {"reference": "41", "language": "en"}
    result = handler(JobRequest(1, "CA1:request_status", "request_status", "CA1", data))
    return str(result["text"])


@pytest.mark.parametrize(
    ("city", "line"),
    [
        (
            refused,
            "status by phone: the city refused the query (HTTP 400): "
            "Open311ClientError HTTP 400: GET request was refused",
        ),
        (
            timed_out,
            "status by phone: the city cannot be reached: Open311Timeout: GET request timed out",
        ),
    ],
    ids=["refusal", "timeout"],
)
def test_the_log_line_names_a_refusal_and_an_outage_apart(
    city: Callable[[httpx.Request], httpx.Response],
    line: str,
    sessions: sessionmaker[Session],
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="ivr.followup.request_status"):
        assert asked(city, sessions) == "failed"

    (logged,) = [r.getMessage() for r in caplog.records]
    assert logged == line
    assert "617" not in logged and "jurisdiction" not in logged
