"""Every way a POST or a path can be wrong, over real HTTP on SQLite and PostgreSQL: the client
gets the spec's error format, in its format, with 400/403/404 (405 and 413 for a wrong method or
an oversized body), and nothing is stored."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from ivr.store.request_tables import ServiceRequestRecord
from tests.support.embedded_endpoint import (
    POTHOLE_FORM,
    LiveEndpoint,
    assert_error,
    shared_live_endpoint,
)

FORM = "application/x-www-form-urlencoded"


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def endpoint(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveEndpoint]:
    """One gateway per backend for the module: refused requests leave nothing behind."""
    with shared_live_endpoint(request.param, tmp_path_factory.mktemp("endpoint")) as live:
        yield live


def stored(endpoint: LiveEndpoint) -> int:
    with endpoint.runtime.sessions() as session:
        return session.scalar(select(func.count()).select_from(ServiceRequestRecord)) or 0


@pytest.fixture
def nothing_stored(endpoint: LiveEndpoint) -> Iterator[None]:
    """The test's requests must not add a single row to the store."""
    before = stored(endpoint)
    yield
    assert stored(endpoint) == before


def form(**changes: str | None) -> dict[str, str]:
    fields = {**POTHOLE_FORM, **changes}
    return {key: value for key, value in fields.items() if value is not None}


BAD_FORMS = [
    (form(service_code=None), "service_code is required"),
    (form(lat=None, long=None), "a location is required"),
    (form(long=None), "lat and long must be given together"),
    (form(lat="nan"), "lat must be a number"),
    (form(lat="inf"), "lat must be a number"),
    (form(lat="-Infinity"), "lat must be a number"),
    (form(lat="1e999"), "lat must be a number"),
    (form(lat="90.0001"), "lat must be a number from -90 to 90"),
    (form(long="-181"), "long must be a number from -180 to 180"),
    (form(lat="4_2"), "lat must be a number"),
    (form(lat="0x2a"), "lat must be a number"),
    (form(lat="\uff14\uff12"), "lat must be a number"),  # "４２": fullwidth digits
    (form(**{"attribute[width]": "\u0663"}), "attribute[width] must be a number"),  # Arabic 3
    (form(**{"attribute[kind]": None}), "attribute[kind] is required"),
    (form(**{"attribute[kind]": "bottomless"}), "attribute[kind] must be one of the keys"),
    (form(**{"attribute[items][]": "gold"}), "attribute[items] must be one of the keys"),
    (form(**{"attribute[width]": "wide"}), "attribute[width] must be a number"),
    (form(**{"attribute[width]": "NaN"}), "attribute[width] must be a number"),
    (form(**{"attribute[seen]": "last tuesday"}), "attribute[seen] must be an ISO 8601"),
    (form(**{"attribute[uprn]": "1" * 4001}), "attribute[uprn] is longer than 4000"),
    (form(**{"attribute[kind][x]": "deep"}), "is not attribute[code]"),
    (form(**{"attribute[width]": "1" * 1001}), "longer than 1000"),
    (form(description="x" * 4001), "description is longer than 4000 characters"),
    (form(address_string="x" * 1001), "address_string is longer than"),
    (form(email="not an email"), "email is not an email address"),
    (form(media_url="javascript:alert(1)"), "media_url must be an http or https URL"),
    (form(media_url="https://example.org/" + "x" * 2048), "media_url is longer than 2048"),
    (form(**{"media_url[]": "https://example.org/a.jpg"}), "media_url must be a single value"),
    (form(**{"lat[]": "42"}), "lat must be a single value"),
    (form(**{"service_code[0]": "0"}), "service_code must be a single value"),
]


@pytest.mark.usefixtures("nothing_stored")
@pytest.mark.parametrize(("fields", "words"), BAD_FORMS)
def test_bad_posts_are_refused_with_the_field_named(
    endpoint: LiveEndpoint, fields: dict[str, str], words: str
) -> None:
    for fmt in ("json", "xml"):
        response = endpoint.http.post(f"/requests.{fmt}", data=fields)
        assert_error(response, 400, words=words, fmt=fmt)


@pytest.mark.usefixtures("nothing_stored")
def test_an_unknown_service_is_a_404_as_the_spec_says(endpoint: LiveEndpoint) -> None:
    for fmt in ("json", "xml"):
        response = endpoint.http.post(f"/requests.{fmt}", data=form(service_code="7"))
        assert_error(response, 404, words="service_code '7' is not a service", fmt=fmt)


@pytest.mark.usefixtures("nothing_stored")
def test_more_than_twenty_photos_are_refused(endpoint: LiveEndpoint) -> None:
    photos = [("media_url", f"https://example.org/{n}.jpg") for n in range(21)]
    body = urlencode([*POTHOLE_FORM.items(), *photos])
    response = endpoint.http.post("/requests.xml", content=body, headers={"content-type": FORM})
    assert_error(response, 400, words="media_url may be given at most 20 times", fmt="xml")


def test_a_description_of_exactly_4000_characters_is_accepted(endpoint: LiveEndpoint) -> None:
    response = endpoint.http.post("/requests.json", data=form(description="é" * 4000))
    assert response.status_code == 200
    request_id = response.json()[0]["service_request_id"]
    published = endpoint.http.get(f"/requests/{request_id}.json").json()
    assert published[0]["description"] == "é" * 4000


BAD_BODIES = [
    (b"service_code=0&lat=1&long=1&attribute[kind]=deep&description=%FF%FE", FORM, "UTF-8"),
    (b"service_code=0&lat=1&long=1&attribute[kind]=deep&description=\xff", FORM, "UTF-8"),
    (b"service_code=0&address_string=a%00b&attribute[kind]=deep", FORM, "control characters"),
    (b"service_code=0&service_code=007&address_string=a", FORM, "given once"),
    (b'{"service_code": "0", "lat": 1, "long": 1}', "application/json", "form-urlencoded"),
    (b"<request><service_code>0</service_code></request>", "text/xml", "form-urlencoded"),
    (b'{"service_code": "0"}', "", "service_code is required"),
    (b"&".join([b"a=1"] * 301), FORM, "more than 300 fields"),
    (b"service_code=0&address_string=a&attribute[kind]=deep&" + b"x" * 300 + b"=1", FORM, "name"),
]


@pytest.mark.usefixtures("nothing_stored")
@pytest.mark.parametrize(("body", "content_type", "words"), BAD_BODIES)
def test_bodies_that_are_not_a_usable_form(
    endpoint: LiveEndpoint, body: bytes, content_type: str, words: str
) -> None:
    headers = {"content-type": content_type} if content_type else {}
    for fmt in ("json", "xml"):
        response = endpoint.http.post(f"/requests.{fmt}", content=body, headers=headers)
        assert_error(response, 400, words=words, fmt=fmt)


@pytest.mark.usefixtures("nothing_stored")
def test_oversized_bodies_are_refused(endpoint: LiveEndpoint) -> None:
    huge = "service_code=0&address_string=a&attribute[kind]=deep&description=" + "x" * 300_000
    response = endpoint.http.post(
        "/requests.xml", content=huge.encode(), headers={"content-type": FORM}
    )
    assert_error(response, 413, fmt="xml")
    over_app_limit = b"description=" + b"x" * (3 * 1024 * 1024)
    response = endpoint.http.post(
        "/requests.json", content=over_app_limit, headers={"content-type": FORM}
    )
    assert_error(response, 413, fmt="json")


def test_multipart_forms_are_read_like_urlencoded_ones(endpoint: LiveEndpoint) -> None:
    response = endpoint.http.post(
        "/requests.json", data=form(), files={"media": ("photo.jpg", b"\xff\xd8", "image/jpeg")}
    )
    assert response.status_code == 200, response.text
    assert response.json()[0]["service_request_id"]


@pytest.mark.parametrize(
    ("method", "path", "status", "fmt"),
    [
        ("GET", "/requests.csv", 404, "json"),
        ("GET", "/services.html", 404, "json"),
        ("GET", "/services/0", 404, "json"),
        ("GET", "/services/0.yaml", 404, "json"),
        ("GET", "/nothing.xml", 404, "xml"),
        ("GET", "/", 404, "json"),
        ("GET", "/requests/1/extra.xml", 404, "xml"),
        ("POST", "/services.json", 405, "json"),
        ("DELETE", "/requests/1.xml", 405, "xml"),
        ("PUT", "/requests.xml", 405, "xml"),
        ("POST", "/tokens/abc.json", 405, "json"),
    ],
)
def test_unknown_paths_formats_and_methods(
    endpoint: LiveEndpoint, method: str, path: str, status: int, fmt: str
) -> None:
    assert_error(endpoint.http.request(method, path), status, fmt=fmt)


def test_query_strings_that_are_not_utf8_or_repeat_a_filter(endpoint: LiveEndpoint) -> None:
    url = endpoint.base_url + "/open311/v2/requests.xml"
    assert_error(endpoint.http.get(url + "?status=%FFopen"), 400, words="UTF-8", fmt="xml")
    assert_error(endpoint.http.get(url + "?status=open&status=closed"), 400, words="given once")
    assert_error(endpoint.http.get(url + "?status[]=open"), 400, words="single value")
    assert_error(endpoint.http.get(url + "?service_code=%00"), 400, words="control")
