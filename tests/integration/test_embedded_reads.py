"""The follow-up jobs read the embedded endpoint's store directly (``EmbeddedReads``), and get
what the endpoint answers over HTTP: each filter, the 90-day window, an unknown id, a query
the endpoint refuses and a store that fails, asked both ways on the same store, on SQLite and
PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from ivr.app import create_app
from ivr.followup.duplicates import DuplicateFinder
from ivr.jobs.queue import JobRequest
from ivr.open311.client import Open311Client
from ivr.open311.embedded_reads import EmbeddedReads
from ivr.open311.errors import Open311ClientError, Open311ServerError
from ivr.open311.models import NewRequest, ServiceRequest
from ivr.open311.request_store import update_status
from ivr.runtime import Runtime
from ivr.settings import Settings
from ivr.store.db import transaction

SERVICES = [
    {"service_code": "21", "service_name": "Pothole", "type": "realtime"},
    {"service_code": "22", "service_name": "Graffiti", "type": "realtime"},
]
CITY_HALL = (42.3601, -71.0589)


@pytest.fixture
def runtime(migrated_url: str, tmp_path: Path) -> Iterator[Runtime]:
    services = tmp_path / "services.json"
    services.write_text(json.dumps(SERVICES), encoding="utf-8")
    app = create_app(Settings(database_url=migrated_url, services_file=str(services)))
    runtime: Runtime = app.extensions["voice311"]
    try:
        yield runtime
    finally:
        runtime.engine.dispose()


def file(city: Open311Client, code: str, lat: float, address: str) -> str:
    new = NewRequest(service_code=code, lat=lat, long=CITY_HALL[1], address_string=address)
    filed = city.submit(new).service_request_id
    assert filed is not None
    return filed


def seen(found: tuple[ServiceRequest, ...]) -> list[tuple[object, ...]]:
    """What a reader of the answer sees of each request (JSON keeps whole seconds)."""
    return [
        (
            r.service_request_id,
            r.service_code,
            r.status,
            r.lat,
            r.long,
            r.address,
            r.requested_datetime.replace(microsecond=0) if r.requested_datetime else None,
        )
        for r in found
    ]


def duplicate_check(runtime: Runtime) -> Mapping[str, Any]:
    """The duplicate check's answer for a pothole at City Hall, within 100 m, reading
    through ``runtime.city_reads`` as the job handler does."""
    check = DuplicateFinder(
        runtime.city_reads,
        runtime.catalogues,
        radius_metres=100,
        days=30,
        clock=lambda: datetime.now(UTC),
    )
    spot = {"service_code": "21", "lat": CITY_HALL[0], "lon": CITY_HALL[1], "language": "en"}
    job = JobRequest(1, "dup", "find_duplicates", "CA" + "0" * 32, spot)
    return check(job)


def test_the_jobs_read_the_store_only_when_the_city_is_the_embedded_endpoint(
    runtime: Runtime, migrated_url: str
) -> None:
    assert isinstance(runtime.city_reads, EmbeddedReads)
    elsewhere = create_app(
        Settings(database_url=migrated_url, open311_endpoint="https://crm.example/open311/v2")
    ).extensions["voice311"]
    try:
        assert elsewhere.city_reads is elsewhere.city  # a city's CRM is asked over HTTP
    finally:
        elsewhere.engine.dispose()


def test_every_filter_answers_as_the_endpoint_does(runtime: Runtime) -> None:
    city, reads = runtime.city, runtime.city_reads
    first = file(city, "21", 42.3601, "1 City Hall Square")
    second = file(city, "21", 42.3605, "5 Court Street")
    graffiti = file(city, "22", 42.3610, "10 State Street")
    with transaction(runtime.sessions) as session:
        update_status(session, second, status="closed", now=datetime.now(UTC))
    now = datetime.now(UTC)
    asked: list[dict[str, object]] = [
        {},
        {"service_code": "21"},
        {"service_code": "21", "status": "open"},
        {"status": "closed"},
        {"start": now - timedelta(days=30)},
        {"start": now - timedelta(hours=1), "end": now + timedelta(hours=1)},
        {"start": now + timedelta(hours=1), "end": now + timedelta(hours=2)},
        {"end": now - timedelta(days=1)},
        {"ids": (graffiti, first, "999999")},
    ]
    for filters in asked:
        over_http = city.requests(**filters)  # type: ignore[arg-type]
        assert seen(reads.requests(**filters)) == seen(over_http), filters  # type: ignore[arg-type]
    assert [r.service_request_id for r in reads.requests(service_code="21")] == [second, first]
    assert {r.service_request_id for r in reads.requests(status="open")} == {first, graffiti}
    one = reads.request(graffiti)
    assert one is not None and seen((one,)) == seen((city.request(graffiti),))  # type: ignore[arg-type]
    assert reads.request("999999") is None and city.request("999999") is None


def test_a_query_the_endpoint_refuses_raises_what_the_client_raises(runtime: Runtime) -> None:
    now = datetime.now(UTC)
    backwards = {"start": now, "end": now - timedelta(days=1)}
    with pytest.raises(Open311ClientError) as over_http:
        runtime.city.requests(**backwards)  # type: ignore[arg-type]
    with pytest.raises(Open311ClientError) as read:
        runtime.city_reads.requests(**backwards)  # type: ignore[arg-type]
    assert read.value.status_code == over_http.value.status_code == 400
    assert not read.value.retryable


def test_a_failing_store_is_the_endpoint_s_server_error_and_the_check_says_failed(
    runtime: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    file(runtime.city, "21", 42.3601, "1 City Hall Square")
    with runtime.engine.begin() as connection:
        connection.execute(text("DROP TABLE open311_requests"))
    with pytest.raises(Open311ServerError) as over_http:
        runtime.city.requests(service_code="21")
    with pytest.raises(Open311ServerError) as read:
        runtime.city_reads.requests(service_code="21")
    assert read.value.status_code == over_http.value.status_code == 500
    said = [r.getMessage() for r in caplog.records if r.name == "ivr.open311.embedded_reads"]
    assert said == ["the embedded Open311 endpoint's store failed a read"]  # its own cause
    assert duplicate_check(runtime)["text"] == "failed"  # the report is filed as usual


def test_the_duplicate_check_finds_the_nearest_open_report_in_the_store(runtime: Runtime) -> None:
    near = file(runtime.city, "21", 42.36015, "1 City Hall Square")
    file(runtime.city, "21", 42.3700, "300 Far Street")  # a kilometre away
    file(runtime.city, "22", 42.36011, "1 City Hall Square")  # another service
    found = duplicate_check(runtime)
    assert found["text"] == "found"
    assert found["slots"]["duplicate_of"] == near
    assert found["slots"]["duplicate_address"] == "1 City Hall Square"
