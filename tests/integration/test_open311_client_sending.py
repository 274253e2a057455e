"""What the city receives from the client, over real HTTP: where the API key and the
jurisdiction go, how a location, attributes and a long description are written, how GET
filters are spelled, and how often the service list is fetched."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest
from werkzeug.wrappers import Request, Response

from ivr.open311.client import Open311Client
from ivr.open311.models import DESCRIPTION_LIMIT, Attribute, NewRequest, ServiceDefinition
from tests.integration.open311_city import (
    City,
    FakeClock,
    Handler,
    Switchboard,
    as_json,
    city_client,
    switchboard,
)

SERVICES = [{"service_code": "7", "service_name": "Pothole", "type": "batch"}]
FOUND = [{"service_request_id": "31", "status": "open", "service_code": "7"}]


@pytest.fixture(scope="module")
def board() -> Iterator[Switchboard]:
    with switchboard() as served:
        yield served


def refusing_api_key_on_get(answer: Handler) -> Handler:
    """A city that refuses (400) any GET whose URL carries an api_key."""

    def handler(request: Request) -> Response:
        if "api_key" in request.args:
            return Response('[{"code": 400, "description": "api_key in a URL"}]', 400)
        return answer(request)

    return handler


def full_city() -> dict[tuple[str, str], Handler]:
    return {
        ("GET", "/v2/services.json"): refusing_api_key_on_get(as_json(SERVICES)),
        ("GET", "/v2/services/7.json"): refusing_api_key_on_get(
            as_json({"service_code": "7", "attributes": []})
        ),
        ("POST", "/v2/requests.json"): as_json([{"token": "t-1"}]),
        ("GET", "/v2/tokens/t-1.json"): refusing_api_key_on_get(
            as_json([{"token": "t-1", "service_request_id": "31"}])
        ),
        ("GET", "/v2/requests.json"): refusing_api_key_on_get(as_json(FOUND)),
        ("GET", "/v2/requests/31.json"): refusing_api_key_on_get(as_json(FOUND)),
    }


def every_call(client: Open311Client) -> None:
    client.services()
    client.definition("7")
    client.submit(NewRequest(service_code="7", lat=42.36, long=-71.05))
    client.token_id("t-1")
    client.requests(status="open")
    client.request("31")


def test_api_key_goes_only_in_the_body_of_a_post(board: Switchboard) -> None:
    with city_client(board, full_city(), api_key="s3cret") as (client, city):
        every_call(client)
    posts = [r for r in city.received if r.method == "POST"]
    gets = [r for r in city.received if r.method == "GET"]
    assert [p.form_values("api_key") for p in posts] == [["s3cret"]]
    assert len(gets) == 5 and all("api_key" not in g.names() for g in gets)
    assert all(p.query_value("api_key") is None for p in posts)


def test_jurisdiction_is_sent_on_every_call_when_configured(board: Switchboard) -> None:
    with city_client(board, full_city(), jurisdiction_id="boston.gov") as (client, city):
        every_call(client)
    assert len(city.received) == 6
    for received in city.received:
        sent = received.query_value("jurisdiction_id") or received.form_values("jurisdiction_id")
        assert sent in ("boston.gov", ["boston.gov"]), received.path


def test_jurisdiction_is_never_sent_when_not_configured(board: Switchboard) -> None:
    with city_client(board, full_city()) as (client, city):
        every_call(client)
    assert len(city.received) == 6
    assert all("jurisdiction_id" not in r.names() for r in city.received)


def posted(
    board: Switchboard, request: NewRequest, definition: ServiceDefinition | None = None
) -> City:
    routes = {("POST", "/v2/requests.json"): as_json([{"service_request_id": "1"}])}
    with city_client(board, routes) as (client, city):
        client.submit(request, definition=definition)
    return city


def test_location_is_six_decimals_with_the_address_beside_it(board: Switchboard) -> None:
    request = NewRequest(
        service_code="7", lat=42.3600826, long=-71.05888, address_string="1 City Hall Sq"
    )
    (received,) = posted(board, request).received
    assert received.content_type == "application/x-www-form-urlencoded"
    assert received.form_values("lat") == ["42.360083"]
    assert received.form_values("long") == ["-71.058880"]
    assert received.form_values("address_string") == ["1 City Hall Sq"]


def test_multi_value_attributes_are_repeated_with_brackets(board: Switchboard) -> None:
    request = NewRequest(
        service_code="7",
        lat=42.36,
        long=-71.05,
        attributes=(("SIGNS", ("stop", "yield")), ("DEPTH", ("3",))),
    )
    (received,) = posted(board, request).received
    assert received.form_values("attribute[SIGNS][]") == ["stop", "yield"]
    assert received.form_values("attribute[DEPTH]") == ["3"]
    assert received.form_values("attribute[SIGNS]") == []


def test_a_multivaluelist_with_one_choice_still_uses_brackets(board: Switchboard) -> None:
    definition = ServiceDefinition("7", (Attribute(code="SIGNS", datatype="multivaluelist"),))
    request = NewRequest(
        service_code="7", lat=42.36, long=-71.05, attributes=(("SIGNS", ("stop",)),)
    )
    (received,) = posted(board, request, definition=definition).received
    assert received.form_values("attribute[SIGNS][]") == ["stop"]


def test_a_long_description_is_cut_to_the_limit_between_words(board: Switchboard) -> None:
    spoken = "there is a deep pothole outside the library " * 120
    request = NewRequest(service_code="7", lat=42.36, long=-71.05, description=spoken)
    (received,) = posted(board, request).received
    (sent,) = received.form_values("description")
    assert len(spoken) > DESCRIPTION_LIMIT >= len(sent) > DESCRIPTION_LIMIT - 50
    assert spoken.startswith(sent)
    assert spoken[len(sent)] == " "


def test_get_filters_are_spelled_as_the_spec_says(board: Switchboard) -> None:
    routes = {("GET", "/v2/requests.json"): as_json(FOUND)}
    start = datetime(2026, 3, 1, 8, 0, tzinfo=timezone(timedelta(hours=-5)))
    end = datetime(2026, 3, 2, tzinfo=UTC)
    with city_client(board, routes) as (client, city):
        (found,) = client.requests(
            ids=("31", "0"), service_code="7", start=start, end=end, status="open"
        )
    assert found.service_request_id == "31"
    (received,) = city.received
    assert dict(received.query) == {
        "service_request_id": "31,0",
        "service_code": "7",
        "start_date": "2026-03-01T08:00:00-05:00",
        "end_date": "2026-03-02T00:00:00+00:00",
        "status": "open",
    }


def discovery_city(changeset: dict[str, str]) -> dict[tuple[str, str], Handler]:
    def discovery(_request: Request) -> Response:
        return as_json({"changeset": changeset["now"], "endpoints": []})(_request)

    return {
        ("GET", "/v2/services.json"): as_json(SERVICES),
        ("GET", "/discovery.json"): discovery,
    }


def test_the_service_list_is_cached_until_the_ttl(board: Switchboard) -> None:
    clock = FakeClock()
    routes = {("GET", "/v2/services.json"): as_json(SERVICES)}
    with city_client(board, routes, services_ttl=600, clock=clock) as (client, city):
        first = client.services()
        clock.now += 599
        assert client.services() == first
        assert city.hits("/v2/services.json") == 1
        clock.now += 2
        assert client.services() == first
        assert city.hits("/v2/services.json") == 2


def test_a_changed_discovery_changeset_refreshes_the_list_early(board: Switchboard) -> None:
    clock = FakeClock()
    changeset = {"now": "2026-01-01 00:00"}
    with city_client(
        board,
        discovery_city(changeset),
        services_ttl=3600,
        discovery_url=f"{board.url}/discovery.json",
        discovery_interval=60,
        clock=clock,
    ) as (client, city):
        client.services()
        client.services()
        assert (city.hits("/discovery.json"), city.hits("/v2/services.json")) == (1, 1)
        clock.now += 61
        client.services()
        assert (city.hits("/discovery.json"), city.hits("/v2/services.json")) == (2, 1)
        changeset["now"] = "2026-01-02 00:00"
        clock.now += 30
        client.services()
        assert city.hits("/v2/services.json") == 1
        clock.now += 31
        client.services()
        assert (city.hits("/discovery.json"), city.hits("/v2/services.json")) == (3, 2)
