"""The client against the gateway's own embedded endpoint, over real HTTP, in JSON and XML, on
SQLite and PostgreSQL: what a city would list, define, file and publish, read back by the
client exactly as it reads a city's CRM."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from ivr.app import create_app
from ivr.open311.client import Open311Client
from ivr.open311.errors import Open311AuthError
from ivr.open311.models import NewRequest
from ivr.open311.request_store import update_status
from ivr.runtime import Runtime
from ivr.settings import Settings
from ivr.store.db import transaction
from tests.support.live_server import serve_wsgi

SERVICES = [
    {
        "service_code": "0",
        "service_name": "Pothole",
        "type": "realtime",
        "group": "Streets",
        "attributes": [
            {
                "code": "SIZE",
                "datatype": "singlevaluelist",
                "required": True,
                "description": "How big is it?",
                "values": [{"key": "1", "name": "Small"}, {"key": "2", "name": "Large"}],
            },
            {
                "code": "NEAR",
                "datatype": "multivaluelist",
                "description": "What is near it?",
                "values": [{"key": "school", "name": "A school"}, {"key": "bus", "name": "A bus"}],
            },
        ],
    },
    {"service_code": "BULK", "service_name": "Bulk item pickup", "type": "batch"},
    {"service_code": "TIP", "service_name": "Anonymous tip", "type": "blackbox"},
]
API_KEY = "embedded-key"
JURISDICTION = "voice311.example"
FORMATS = ["json", "xml"]


class Gateway:
    """The gateway served on 127.0.0.1, and a client for its endpoint in one format."""

    def __init__(self, client: Open311Client, runtime: Runtime) -> None:
        self.client = client
        self.runtime = runtime

    def close(self, service_request_id: str) -> None:
        with transaction(self.runtime.sessions) as session:
            update_status(session, service_request_id, status="closed", now=datetime.now(UTC))


@pytest.fixture(params=FORMATS)
def gateway(request: pytest.FixtureRequest, migrated_url: str, tmp_path: Path) -> Iterator[Gateway]:
    services = tmp_path / "services.json"
    services.write_text(json.dumps(SERVICES), encoding="utf-8")
    settings = Settings(
        database_url=migrated_url,
        services_file=str(services),
        embedded_api_key=API_KEY,
        embedded_jurisdiction_id=JURISDICTION,
    )
    app = create_app(settings)
    runtime: Runtime = app.extensions["voice311"]
    try:
        with serve_wsgi(app) as url, httpx.Client(timeout=10) as http:
            client = Open311Client(
                http,
                f"{url}/open311/v2",
                format=request.param,
                api_key=API_KEY,
                jurisdiction_id=JURISDICTION,
                discovery_url=f"{url}/open311/v2/discovery.{request.param}",
            )
            yield Gateway(client, runtime)
    finally:
        runtime.engine.dispose()


def pothole(**changes: object) -> NewRequest:
    fields: dict[str, object] = {
        "service_code": "0",
        "lat": 42.3601,
        "long": -71.0589,
        "address_string": "1 City Hall Sq",
        "description": "A deep pothole by the steps",
        "attributes": (("SIZE", ("2",)), ("NEAR", ("school", "bus"))),
    }
    fields.update(changes)
    return NewRequest(**fields)  # type: ignore[arg-type]


def test_lists_services_and_defines_them(gateway: Gateway) -> None:
    client = gateway.client
    services = {s.service_code: s for s in client.services()}
    assert {code: s.type for code, s in services.items()} == {
        "0": "realtime",
        "BULK": "batch",
        "TIP": "blackbox",
    }
    assert services["0"].metadata and services["0"].group == "Streets"
    size, near = client.definition("0").attributes
    assert (size.code, size.datatype, size.required) == ("SIZE", "singlevaluelist", True)
    assert [(v.key, v.name) for v in size.values] == [("1", "Small"), ("2", "Large")]
    assert near.datatype == "multivaluelist"
    assert client.definition("BULK").attributes == ()
    discovery = client.discovery()
    assert discovery.changeset and discovery.endpoints[0].url == client.base_url


def test_files_each_type_of_service_and_reads_them_back(gateway: Gateway) -> None:
    client = gateway.client
    realtime = client.submit(pothole(), definition=client.definition("0"))
    assert realtime.service_request_id is not None and realtime.token is None
    fetched = client.request(realtime.service_request_id)
    assert fetched is not None
    assert (fetched.service_code, fetched.status, fetched.address) == (
        "0",
        "open",
        "1 City Hall Sq",
    )
    assert (fetched.lat, fetched.long) == (42.3601, -71.0589)
    assert fetched.description == "A deep pothole by the steps"
    assert fetched.requested_datetime is not None and fetched.requested_datetime.tzinfo

    batch = client.submit(pothole(service_code="BULK", attributes=()))
    assert batch.service_request_id is None and batch.token
    batch_id = client.wait_for_id(batch.token, ceiling=5)
    assert batch_id is not None and batch_id != realtime.service_request_id
    assert client.token_id("no-such-token") is None
    found = client.request(batch_id)
    assert found is not None and found.service_code == "BULK"

    blackbox = client.submit(pothole(service_code="TIP", attributes=()))
    assert (blackbox.service_request_id, blackbox.token) == (None, None)
    assert blackbox.service_notice

    assert client.request("999999") is None


def test_filters_by_code_status_and_dates(gateway: Gateway) -> None:
    client = gateway.client
    first = client.submit(pothole()).service_request_id
    second = client.submit(pothole()).service_request_id
    bulk = client.submit(pothole(service_code="BULK", attributes=())).token
    assert first and second and bulk
    bulk_id = client.token_id(bulk)
    gateway.close(second)

    def ids(**filters: object) -> set[str]:
        return {r.service_request_id for r in client.requests(**filters)}  # type: ignore[arg-type]

    now = datetime.now(UTC)
    assert ids() == {first, second, bulk_id}
    assert ids(service_code="0") == {first, second}
    assert ids(status="closed") == {second}
    assert ids(service_code="0", status="open") == {first}
    assert ids(start=now - timedelta(hours=1), end=now + timedelta(hours=1)) == {
        first,
        second,
        bulk_id,
    }
    assert ids(start=now + timedelta(hours=1), end=now + timedelta(hours=2)) == set()
    assert ids(ids=(first, bulk_id or "")) == {first, bulk_id}


def test_a_wrong_api_key_is_refused_and_not_retried(gateway: Gateway) -> None:
    good = gateway.client
    wrong = Open311Client(good.http, good.base_url, format=good.format, api_key="not-the-key")
    with pytest.raises(Open311AuthError) as caught:
        wrong.submit(pothole())
    assert not caught.value.retryable and caught.value.status_code == 403
    assert good.requests() == ()
