"""The client against cities that answer the way real Open311 servers do, over real HTTP:
one small server per quirk, and what the gateway gets out of each answer."""

from __future__ import annotations

import gzip
import socket
import time
from collections.abc import Iterator

import httpx
import pytest
from werkzeug.wrappers import Request, Response

from ivr.open311.client import Open311Client
from ivr.open311.errors import (
    Open311AuthError,
    Open311BadAnswer,
    Open311ClientError,
    Open311ConnectionError,
    Open311ServerError,
    Open311Timeout,
)
from ivr.open311.models import NewRequest
from tests.integration.open311_city import (
    FakeClock,
    Switchboard,
    as_html,
    as_json,
    as_xml,
    city_client,
    switchboard,
)


@pytest.fixture(scope="module")
def board() -> Iterator[Switchboard]:
    with switchboard() as served:
        yield served


POINT = {"lat": 42.3601, "long": -71.0589}


def pothole(code: str = "7") -> NewRequest:
    return NewRequest(service_code=code, description="Deep pothole", **POINT)


def test_an_xml_only_city_is_understood(board: Switchboard) -> None:
    routes = {
        ("GET", "/v2/services.xml"): as_xml(
            "<services><service><service_code>7</service_code><service_name>Pothole"
            "</service_name><metadata>true</metadata><type>realtime</type><keywords/>"
            "<group>Streets</group></service></services>"
        ),
        ("GET", "/v2/services/7.xml"): as_xml(
            "<service_definition><service_code>7</service_code><attributes><attribute>"
            "<variable>true</variable><code>DEPTH</code><datatype>number</datatype>"
            "<required>true</required><order>1</order><description>How deep?</description>"
            "</attribute></attributes></service_definition>"
        ),
        ("POST", "/v2/requests.xml"): as_xml(
            "<service_requests><request><service_request_id>8812</service_request_id>"
            "<service_notice>Crews go out weekly</service_notice></request></service_requests>"
        ),
        ("GET", "/v2/requests/8812.xml"): as_xml(
            "<service_requests><request><service_request_id>8812</service_request_id>"
            "<status>open</status><service_code>7</service_code><lat>42.3601</lat>"
            "<long>-71.0589</long></request></service_requests>"
        ),
    }
    with city_client(board, routes, format="xml") as (client, _city):
        (service,) = client.services()
        definition = client.definition("7")
        result = client.submit(pothole())
        fetched = client.request("8812")
    assert (service.service_code, service.service_name, service.metadata) == ("7", "Pothole", True)
    assert [(a.code, a.datatype, a.required) for a in definition.attributes] == [
        ("DEPTH", "number", True)
    ]
    assert (result.service_request_id, result.service_notice) == ("8812", "Crews go out weekly")
    assert fetched is not None and (fetched.status, fetched.lat) == ("open", 42.3601)


def test_booleans_written_as_strings_are_read(board: Switchboard) -> None:
    routes = {
        ("GET", "/v2/services.json"): as_json(
            [
                {"service_code": "1", "service_name": "A", "metadata": "True", "type": "realtime"},
                {"service_code": "2", "service_name": "B", "metadata": "0", "type": "batch"},
            ]
        ),
        ("GET", "/v2/services/1.json"): as_json(
            {
                "service_code": "1",
                "attributes": [
                    {"code": "Q", "datatype": "string", "required": "1", "variable": "False"}
                ],
            }
        ),
    }
    with city_client(board, routes) as (client, _city):
        first, second = client.services()
        (question,) = client.definition("1").attributes
    assert (first.metadata, second.metadata) == (True, False)
    assert (question.required, question.variable) == (True, False)


def test_an_html_page_with_status_200_is_a_retryable_bad_answer(board: Switchboard) -> None:
    page = "<!DOCTYPE html><html><body><h1>Down for maintenance</h1></body></html>"
    routes = {("POST", "/v2/requests.json"): as_html(page, 200)}
    with city_client(board, routes) as (client, _city), pytest.raises(Open311BadAnswer) as caught:
        client.submit(pothole())
    assert caught.value.retryable
    assert caught.value.status_code == 200


def test_an_html_502_from_a_proxy_is_a_retryable_server_error(board: Switchboard) -> None:
    routes = {("GET", "/v2/services.json"): as_html("<html>Bad Gateway</html>", 502)}
    with city_client(board, routes) as (client, _city), pytest.raises(Open311ServerError) as caught:
        client.services()
    assert caught.value.retryable and caught.value.status_code == 502


def test_a_201_with_an_object_instead_of_an_array_is_a_success(board: Switchboard) -> None:
    routes = {("POST", "/v2/requests.json"): as_json({"service_request_id": 4410}, 201)}
    with city_client(board, routes) as (client, _city):
        assert client.submit(pothole()).service_request_id == "4410"


def test_id_zero_is_a_real_id(board: Switchboard) -> None:
    routes = {
        ("POST", "/v2/requests.json"): as_json([{"service_request_id": 0}]),
        ("GET", "/v2/requests/0.json"): as_json([{"service_request_id": "0", "status": "open"}]),
    }
    with city_client(board, routes) as (client, _city):
        result = client.submit(pothole())
        fetched = client.request("0")
    assert result.service_request_id == "0"
    assert fetched is not None and fetched.service_request_id == "0"


def test_a_token_is_kept_even_when_a_realtime_service_returns_an_id(board: Switchboard) -> None:
    routes = {
        ("POST", "/v2/requests.json"): as_json([{"service_request_id": "51", "token": "t-51"}])
    }
    with city_client(board, routes) as (client, _city):
        result = client.submit(pothole())
    assert (result.service_request_id, result.token) == ("51", "t-51")


def test_a_batch_token_is_exchanged_for_an_id_with_backoff(board: Switchboard) -> None:
    lookups = {"count": 0}

    def token(_request: Request) -> Response:
        lookups["count"] += 1
        if lookups["count"] < 4:
            return Response('[{"code": 404, "description": "not yet"}]', 404)
        return Response('[{"service_request_id": 9001, "token": "abc"}]', 200)

    clock = FakeClock()
    routes = {
        ("POST", "/v2/requests.json"): as_json([{"token": "abc"}]),
        ("GET", "/v2/tokens/abc.json"): token,
    }
    with city_client(board, routes, clock=clock, sleep=clock.sleep) as (client, _city):
        result = client.submit(pothole())
        assert (result.service_request_id, result.token) == (None, "abc")
        assert client.token_id("abc") is None
        assert client.wait_for_id("abc", ceiling=60, first_delay=1, max_delay=3) == "9001"
    assert clock.slept == [1, 2]


def test_waiting_for_a_token_stops_at_the_ceiling(board: Switchboard) -> None:
    clock = FakeClock()
    routes = {("GET", "/v2/tokens/abc.json"): as_json([{"token": "abc"}])}
    with city_client(board, routes, clock=clock, sleep=clock.sleep) as (client, city):
        assert client.wait_for_id("abc", ceiling=20, first_delay=1, max_delay=8) is None
    assert clock.slept == [1, 2, 4, 8, 5]
    assert city.hits("/v2/tokens/abc.json") == 6


BLACKBOX_SERVICES = [
    {"service_code": "BB", "service_name": "Tip line", "type": "blackbox"},
    {"service_code": "RT", "service_name": "Pothole", "type": "realtime"},
]


def test_a_blackbox_notice_without_id_or_token_is_a_success(board: Switchboard) -> None:
    routes = {
        ("GET", "/v2/services.json"): as_json(BLACKBOX_SERVICES),
        ("POST", "/v2/requests.json"): as_json([{"service_notice": "Thanks, we read them all"}]),
    }
    with city_client(board, routes) as (client, _city):
        result = client.submit(pothole("BB"))
    assert (result.service_request_id, result.token) == (None, None)
    assert result.service_notice == "Thanks, we read them all"


def test_a_notice_without_id_or_token_for_a_realtime_service_is_not_a_success(
    board: Switchboard,
) -> None:
    routes = {
        ("GET", "/v2/services.json"): as_json(BLACKBOX_SERVICES),
        ("POST", "/v2/requests.json"): as_json([{"service_notice": "Thanks"}]),
    }
    with city_client(board, routes) as (client, _city), pytest.raises(Open311BadAnswer) as caught:
        client.submit(pothole("RT"))
    assert not caught.value.retryable


def test_a_slow_city_times_out_as_a_retryable_error(board: Switchboard) -> None:
    def slow(_request: Request) -> Response:
        time.sleep(1.0)
        return Response("[]", mimetype="application/json")

    routes = {("GET", "/v2/services.json"): slow}
    with (
        city_client(board, routes, timeout=0.2) as (client, _city),
        pytest.raises(Open311Timeout) as e,
    ):
        client.services()
    assert e.value.retryable


def test_a_city_that_trickles_its_answer_times_out_as_a_whole(board: Switchboard) -> None:
    """httpx's timeout is per phase: each byte arriving in time reset it, so a city sending
    its answer a byte at a time held the call (and the outbox's lease) for as long as it liked.
    The whole exchange is bounded by the timeout."""
    body = b"[" + b" " * 40 + b"]"

    def trickle(_request: Request) -> Response:
        def chunks() -> Iterator[bytes]:
            for i in range(len(body)):
                time.sleep(0.1)
                yield body[i : i + 1]

        return Response(
            chunks(), mimetype="application/json", headers={"Content-Length": str(len(body))}
        )

    routes = {("GET", "/v2/services.json"): trickle, ("POST", "/v2/requests.json"): trickle}
    with city_client(board, routes, timeout=0.5) as (client, _city):
        for call in (client.services, lambda: client.submit(pothole("RT"))):
            started = time.monotonic()
            with pytest.raises(Open311Timeout, match=r"took longer than 0\.5 s") as caught:
                call()
            assert time.monotonic() - started < 1.5
            assert caught.value.retryable


def test_a_gzipped_answer_is_read(board: Switchboard) -> None:
    body = gzip.compress(b'[{"service_code": "1", "service_name": "Pothole"}]')
    routes = {
        ("GET", "/v2/services.json"): lambda _request: Response(
            body, mimetype="application/json", headers={"Content-Encoding": "gzip"}
        )
    }
    with city_client(board, routes) as (client, _city):
        assert [s.service_name for s in client.services()] == ["Pothole"]


def test_an_answer_that_is_not_the_gzip_it_says_is_a_bad_answer(board: Switchboard) -> None:
    """A broken proxy's "Content-Encoding: gzip" on a plain body: httpx's DecodingError went
    through as an unexpected error (a traceback in the outbox's log, "the command stopped on
    an unexpected DecodingError" at ivr open311)."""

    def lying(_request: Request) -> Response:
        return Response(b"[]", mimetype="application/json", headers={"Content-Encoding": "gzip"})

    routes = {("GET", "/v2/services.json"): lying, ("POST", "/v2/requests.json"): lying}
    with city_client(board, routes) as (client, _city):
        with pytest.raises(Open311BadAnswer, match="not the gzip it says") as on_get:
            client.services()
        with pytest.raises(Open311BadAnswer, match="not the gzip it says") as on_post:
            client.submit(pothole("RT"))
    assert on_get.value.retryable  # a GET changes nothing
    assert not on_post.value.retryable  # the city may have filed it


def test_an_unreachable_city_is_a_retryable_connection_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    with httpx.Client(timeout=2.0) as http, pytest.raises(Open311ConnectionError) as caught:
        Open311Client(http, f"http://127.0.0.1:{closed_port}/v2").services()
    assert caught.value.retryable


def test_a_500_is_retryable_and_the_next_call_succeeds(board: Switchboard) -> None:
    calls = {"count": 0}

    def flaky(_request: Request) -> Response:
        calls["count"] += 1
        if calls["count"] == 1:
            return Response('[{"code": 500, "description": "database restarting"}]', 500)
        return Response('[{"service_request_id": "77"}]', 200, mimetype="application/json")

    with city_client(board, {("POST", "/v2/requests.json"): flaky}) as (client, city):
        with pytest.raises(Open311ServerError) as caught:
            client.submit(pothole())
        assert caught.value.retryable
        assert caught.value.descriptions == ("database restarting",)
        assert city.hits("/v2/requests.json") == 1
        assert client.submit(pothole()).service_request_id == "77"


@pytest.mark.parametrize("status", [400, 403, 404])
@pytest.mark.parametrize("format", ["json", "xml"])
def test_spec_error_bodies_are_not_retryable_and_keep_descriptions(
    board: Switchboard, status: int, format: str
) -> None:
    said = {400: "service_code is required", 403: "Invalid api_key", 404: "No such service"}
    if format == "json":
        body = as_json([{"code": status, "description": said[status]}], status)
    else:
        body = as_xml(
            f"<errors><error><code>{status}</code><description>{said[status]}</description>"
            "</error></errors>",
            status,
        )
    routes = {("POST", f"/v2/requests.{format}"): body}
    client_and_city = city_client(board, routes, format=format)
    with client_and_city as (client, _city), pytest.raises(Open311ClientError) as caught:
        client.submit(pothole())
    assert not caught.value.retryable
    assert caught.value.status_code == status
    assert caught.value.descriptions == (said[status],)
    assert isinstance(caught.value, Open311AuthError) == (status == 403)


def test_an_error_body_with_status_200_takes_the_status_it_names(board: Switchboard) -> None:
    routes = {("POST", "/v2/requests.json"): as_json([{"code": 403, "description": "Bad key"}])}
    with city_client(board, routes) as (client, _city), pytest.raises(Open311AuthError) as caught:
        client.submit(pothole())
    assert not caught.value.retryable and caught.value.descriptions == ("Bad key",)


def test_garbage_is_retryable_on_a_get_but_not_on_a_post(board: Switchboard) -> None:
    routes = {
        ("GET", "/v2/services.json"): lambda _r: Response('[{"service_code": "1"', 200),
        ("POST", "/v2/requests.json"): lambda _r: Response("OK", 200),
    }
    with city_client(board, routes) as (client, _city):
        with pytest.raises(Open311BadAnswer) as on_get:
            client.services()
        with pytest.raises(Open311BadAnswer) as on_post:
            client.submit(pothole())
    assert on_get.value.retryable
    assert not on_post.value.retryable


def test_a_2xx_with_neither_id_nor_token_nor_notice_is_not_a_success(board: Switchboard) -> None:
    routes = {
        ("GET", "/v2/services.json"): as_json(BLACKBOX_SERVICES),
        ("POST", "/v2/requests.json"): as_json([], 200),
    }
    with city_client(board, routes) as (client, _city), pytest.raises(Open311BadAnswer) as caught:
        client.submit(pothole("RT"))
    assert not caught.value.retryable


def test_an_unknown_request_id_is_none(board: Switchboard) -> None:
    routes = {("GET", "/v2/requests/nope.json"): as_json([{"code": 404, "description": "?"}], 404)}
    with city_client(board, routes) as (client, _city):
        assert client.request("nope") is None


def test_a_redirected_post_is_not_followed(board: Switchboard) -> None:
    def moved(_request: Request) -> Response:
        return Response("", 301, headers={"Location": "https://new.example/v2/requests.json"})

    client_and_city = city_client(board, {("POST", "/v2/requests.json"): moved})
    with client_and_city as (client, city), pytest.raises(Open311BadAnswer) as caught:
        client.submit(pothole())
    assert "https://new.example/v2/requests.json" in str(caught.value)
    assert not caught.value.retryable
    assert city.hits("/v2/requests.json") == 1


def test_a_client_without_timeouts_is_refused() -> None:
    with httpx.Client(timeout=None) as http, pytest.raises(ValueError, match="timeout"):
        Open311Client(http, "http://127.0.0.1:9/v2")
