"""The embedded GeoReport v2 endpoint over real HTTP, on SQLite and on PostgreSQL: what a
GeoReport client sees on the GET side and receives for a POST."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from ivr.open311.catalogue import load_service_catalogue
from ivr.store.request_tables import ServiceRequestRecord
from tests.support.embedded_endpoint import (
    POTHOLE_FORM,
    LiveEndpoint,
    assert_error,
    document,
    live_endpoints,
    shared_live_endpoint,
)

Factory = Callable[..., LiveEndpoint]
LOCATION = {"lat": POTHOLE_FORM["lat"], "long": POTHOLE_FORM["long"]}


@pytest.fixture
def endpoints(migrated_url: str, tmp_path: Path) -> Iterator[Factory]:
    with live_endpoints(migrated_url, tmp_path) as make:
        yield make


@pytest.fixture
def endpoint(endpoints: Factory) -> LiveEndpoint:
    """A gateway on a fresh database of its own: for tests that file requests."""
    return endpoints()


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def reader(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveEndpoint]:
    """One gateway per backend shared by the tests that only read and are refused."""
    with shared_live_endpoint(request.param, tmp_path_factory.mktemp("reader")) as live:
        yield live


def as_xml_text(value: Any) -> Any:
    """A JSON document with its scalars written as the XML format writes them."""
    if isinstance(value, dict):
        return {key: as_xml_text(item) for key, item in value.items()}
    if isinstance(value, list):
        return [as_xml_text(item) for item in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def both_formats(endpoint: LiveEndpoint, path: str, **kwargs: Any) -> Any:
    """GET ``path`` as .json and .xml; the two must say the same; returns the JSON."""
    as_json = endpoint.http.get(f"{path}.json", **kwargs)
    as_xml = endpoint.http.get(f"{path}.xml", **kwargs)
    assert as_json.status_code == as_xml.status_code == 200, (as_json.text, as_xml.text)
    assert as_xml.text.startswith("<?xml")
    assert as_xml_text(as_json.json()) == document(as_xml)
    return as_json.json()


def post(endpoint: LiveEndpoint, fmt: str = "json", **fields: str) -> Any:
    """POST a pothole, or (with ``service_code``) a service without attributes, at a point."""
    base = POTHOLE_FORM if fields.get("service_code", "0") == "0" else LOCATION
    response = endpoint.http.post(f"/requests.{fmt}", data={**base, **fields})
    assert response.status_code == 200, response.text
    return document(response)


def test_discovery_points_at_this_server(reader: LiveEndpoint) -> None:
    discovery = both_formats(reader, "/discovery")
    (entry,) = discovery["endpoints"]
    assert entry["url"] == reader.base_url + "/open311/v2"
    assert entry["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert set(entry["formats"]) == {"text/xml", "application/json"}
    catalogue = load_service_catalogue(reader.runtime.settings.services_path)
    assert discovery["changeset"] == entry["changeset"] == catalogue.changeset
    assert discovery["contact"]
    services = reader.http.get(entry["url"] + "/services.json")
    assert services.status_code == 200
    assert services.headers["access-control-allow-origin"] == "*"


def test_services_list_the_catalogue(reader: LiveEndpoint) -> None:
    services = both_formats(reader, "/services")
    assert [s["service_code"] for s in services] == ["0", "007", "bulk", "tip"]
    pothole = services[0]
    assert pothole == {
        "service_code": "0",
        "service_name": "Pothole",
        "description": "A hole in the street",
        "metadata": True,
        "type": "realtime",
        "keywords": "road, hole",
        "group": "Streets",
    }
    assert [(s["metadata"], s["type"]) for s in services[1:]] == [
        (False, "realtime"),
        (False, "batch"),
        (False, "blackbox"),
    ]


def test_a_service_definition(reader: LiveEndpoint) -> None:
    definition = both_formats(reader, "/services/0")
    assert definition["service_code"] == "0"
    kind = definition["attributes"][0]
    assert kind == {
        "variable": True,
        "code": "kind",
        "datatype": "singlevaluelist",
        "required": True,
        "datatype_description": "",
        "order": 1,
        "description": "What kind of hole?",
        "values": [{"key": "deep", "name": "Deep"}, {"key": "shallow", "name": "Shallow"}],
    }
    assert [a["code"] for a in definition["attributes"]] == [
        "kind",
        "width",
        "seen",
        "items",
        "note",
        "info",
    ]
    assert definition["attributes"][-1]["variable"] is False
    assert both_formats(reader, "/services/007") == {"service_code": "007", "attributes": []}
    for fmt in ("json", "xml"):
        assert_error(reader.http.get(f"/services/7.{fmt}"), 404, fmt=fmt)


def test_post_realtime_then_read_it_back(endpoint: LiveEndpoint) -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    (answer,) = post(
        endpoint,
        address_string="1 Main Street",
        description="A deep one, by the curb",
        account_id="acct-9",
        media_url="https://example.org/photo.jpg",
        **{"attribute[items][]": "glass", "attribute[width]": "3.5"},
    )
    assert set(answer) == {"service_request_id", "service_notice", "account_id"}
    assert answer["account_id"] == "acct-9"
    request_id = answer["service_request_id"]
    (published,) = both_formats(endpoint, f"/requests/{request_id}")
    assert published["service_request_id"] == request_id
    assert published["status"] == "open"
    assert (published["service_code"], published["service_name"]) == ("0", "Pothole")
    assert published["description"] == "A deep one, by the curb"
    assert published["address"] == "1 Main Street"
    assert (published["lat"], published["long"]) == (42.3601, -71.0589)
    assert published["media_url"] == "https://example.org/photo.jpg"
    requested = datetime.fromisoformat(published["requested_datetime"])
    assert requested.utcoffset() == timedelta(0)
    assert before <= requested <= datetime.now(UTC)
    listed = both_formats(endpoint, "/requests")
    assert [r["service_request_id"] for r in listed] == [request_id]


def test_post_answers_in_xml(endpoint: LiveEndpoint) -> None:
    (answer,) = post(endpoint, "xml")
    assert answer["service_request_id"]
    assert answer["account_id"] == ""


def test_multivaluelist_answers_and_every_datatype_are_accepted(endpoint: LiveEndpoint) -> None:
    response = endpoint.http.post(
        "/requests.json",
        content=(
            "service_code=0&lat=0&long=0&attribute[kind]=shallow"
            "&attribute[items][]=glass&attribute[items][]=debris&attribute[width]=-2.5e1"
            "&attribute[seen]=2024-05-01T10:00:00-04:00&attribute[note]=line%0Aline"
        ),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200, response.text
    with endpoint.runtime.sessions() as session:
        record = session.scalars(select(ServiceRequestRecord)).one()
    assert record.attributes == {
        "kind": ["shallow"],
        "items": ["glass", "debris"],
        "width": ["-2.5e1"],
        "seen": ["2024-05-01T10:00:00-04:00"],
        "note": ["line\nline"],
    }


def test_batch_requests_give_a_token_that_reveals_the_id(endpoint: LiveEndpoint) -> None:
    (answer,) = post(endpoint, service_code="bulk", address_id="parcel-77")
    assert set(answer) == {"token"}
    token = answer["token"]
    (exchanged,) = both_formats(endpoint, f"/tokens/{token}")
    assert exchanged["token"] == token
    (published,) = both_formats(endpoint, f"/requests/{exchanged['service_request_id']}")
    assert (published["service_code"], published["address_id"]) == ("bulk", "parcel-77")
    for fmt in ("json", "xml"):
        assert_error(endpoint.http.get(f"/tokens/{token}x.{fmt}"), 404, fmt=fmt)


def test_blackbox_requests_are_kept_but_never_published(endpoint: LiveEndpoint) -> None:
    (answer,) = post(endpoint, service_code="tip", description="something odd")
    assert set(answer) == {"service_notice"}
    assert answer["service_notice"]
    assert both_formats(endpoint, "/requests") == []
    with endpoint.runtime.sessions() as session:
        stored = session.scalars(select(ServiceRequestRecord)).one()
    assert stored.service_code == "tip"
    assert_error(endpoint.http.get(f"/requests/{stored.service_request_id}.json"), 404)
    listed = endpoint.http.get("/requests.json", params={"service_request_id": "1,2,3"})
    assert listed.json() == []


def test_personal_data_is_never_published(endpoint: LiveEndpoint) -> None:
    personal = {
        "email": "jane.doe@example.org",
        "phone": "+16175550123",
        "first_name": "Janeprivate",
        "last_name": "Doeprivate",
        "device_id": "device-secret-42",
        "account_id": "account-secret-43",
    }
    post(endpoint, **personal)
    (batch,) = post(endpoint, service_code="bulk", **personal)
    exchanged = endpoint.http.get(f"/tokens/{batch['token']}.json").json()[0]
    bodies = []
    for fmt in ("json", "xml"):
        bodies.append(endpoint.http.get(f"/requests.{fmt}").text)
        bodies.append(endpoint.http.get(f"/requests/1.{fmt}").text)
        bodies.append(endpoint.http.get(f"/tokens/{batch['token']}.{fmt}").text)
        bodies.append(endpoint.http.get(f"/requests/{exchanged['service_request_id']}.{fmt}").text)
    assert all("Pothole" in b or "token" in b or "Bulk" in b for b in bodies)
    for body in bodies:
        for value in personal.values():
            assert value not in body
    published = endpoint.http.get("/requests.json").json()
    assert len(published) == 2
    for field in personal:
        assert all(field not in r for r in published)


def test_get_requests_filters(endpoint: LiveEndpoint) -> None:
    now = datetime.now(UTC)
    old = endpoint.seed("0", now - timedelta(days=120))
    a = endpoint.seed("0", now - timedelta(days=10))
    b = endpoint.seed("007", now - timedelta(days=5), status="closed")
    c = endpoint.seed("bulk", now - timedelta(days=1))

    def ids(**params: str) -> list[str]:
        found = both_formats(endpoint, "/requests", params=params)
        return [r["service_request_id"] for r in found]

    assert ids() == [c, b, a]  # newest first; the last 90 days by default
    assert ids(service_code="0") == [a]
    assert ids(service_code="007,bulk") == [c, b]
    assert ids(status="closed") == [b]
    assert ids(status="open") == [c, a]
    assert ids(status="open,closed", service_code="0,007") == [b, a]
    start = (now - timedelta(days=7)).isoformat()
    assert ids(start_date=start) == [c, b]
    assert ids(end_date=(now - timedelta(days=3)).isoformat()) == [b, a]
    window = {
        "start_date": (now - timedelta(days=150)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "end_date": (now - timedelta(days=70)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    assert ids(**window) == [old]
    # service_request_id overrides every other filter, the 90-day window included
    assert ids(service_request_id=f"{old},{b}, nothing", status="open") == [b, old]
    (closed,) = both_formats(endpoint, f"/requests/{b}")
    assert closed["status"] == "closed"


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"start_date": "2024-01-01", "end_date": "2024-05-01"}, "more than 90 days"),
        ({"start_date": "2024-05-01", "end_date": "2024-01-01"}, "before start_date"),
        ({"start_date": "yesterday"}, "start_date must be an ISO 8601"),
        ({"end_date": "2024-13-01"}, "end_date must be an ISO 8601"),
        ({"status": "pending"}, "status must be"),
        ({"start_date": "9999-12-31"}, "too far"),
        ({"page": "0"}, "page must be a whole number from 1 to 1,000,000"),
        ({"page": "-1"}, "page must be a whole number"),
        ({"page": "1.5"}, "page must be a whole number"),
        ({"page": "\u0663"}, "page must be a whole number"),
        ({"page": "99999999999999999999"}, "page is longer than 16"),
        ({"page_size": "0"}, "page_size must be a whole number from 1 to 1,000"),
        ({"page_size": "1001"}, "page_size must be a whole number from 1 to 1,000"),
        ({"page_size": "ten"}, "page_size must be a whole number"),
    ],
)
def test_bad_filters_are_refused(reader: LiveEndpoint, params: dict[str, str], words: str) -> None:
    for fmt in ("json", "xml"):
        assert_error(reader.http.get(f"/requests.{fmt}", params=params), 400, words=words, fmt=fmt)


def test_at_most_a_thousand_requests_newest_first(endpoint: LiveEndpoint) -> None:
    start = datetime.now(UTC) - timedelta(days=30)
    ids = [endpoint.seed("007", start + timedelta(minutes=i)) for i in range(1003)]
    found = endpoint.http.get("/requests.json").json()
    assert len(found) == 1000
    assert [r["service_request_id"] for r in found] == ids[::-1][:1000]


def test_unknown_request_ids(reader: LiveEndpoint) -> None:
    for fmt in ("json", "xml"):
        assert_error(reader.http.get(f"/requests/0.{fmt}"), 404, fmt=fmt)
        assert_error(reader.http.get(f"/requests/%00.{fmt}"), 404, fmt=fmt)


def test_api_key_is_required_on_post_when_configured(endpoints: Factory) -> None:
    endpoint = endpoints(embedded_api_key="s3cret")
    for fmt in ("json", "xml"):
        missing = endpoint.http.post(f"/requests.{fmt}", data=POTHOLE_FORM)
        assert_error(missing, 403, words="api_key", fmt=fmt)
        wrong = endpoint.http.post(f"/requests.{fmt}", data={**POTHOLE_FORM, "api_key": "guess"})
        assert_error(wrong, 403, fmt=fmt)
    assert endpoint.http.get("/requests.json").json() == []
    (answer,) = post(endpoint, api_key="s3cret")
    assert answer["service_request_id"]
    assert endpoint.http.get("/services.json").status_code == 200
    key_service = endpoint.http.get("/discovery.json").json()["key_service"]
    assert key_service


def test_jurisdiction_is_checked_when_configured(endpoints: Factory) -> None:
    endpoint = endpoints(embedded_jurisdiction_id="city.example.gov")
    for path in ("/services.json", "/requests.xml", "/discovery.json", "/services/0.xml"):
        wrong = endpoint.http.get(path, params={"jurisdiction_id": "elsewhere.gov"})
        assert_error(wrong, 404, words="jurisdiction_id")
        right = endpoint.http.get(path, params={"jurisdiction_id": "city.example.gov"})
        assert right.status_code == 200
        assert endpoint.http.get(path).status_code == 200
    refused = endpoint.http.post(
        "/requests.json", data={**POTHOLE_FORM, "jurisdiction_id": "elsewhere.gov"}
    )
    assert_error(refused, 404, words="jurisdiction_id")
    post(endpoint, jurisdiction_id="city.example.gov")
