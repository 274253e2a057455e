"""The embedded endpoint as its peers use it, over real HTTP on SQLite and PostgreSQL.

FixMyStreet's Perl client (``perllib/Open311.pm``) is reproduced call by call: its POST is a
form whose fields it builds as a hash (``description``, ``service_code``, names, ``email``,
``phone``, ``lat``/``long`` to six decimals, ``media_url`` repeated once per photo, every extra
field of the report as ``attribute[name]``, repeated for a list of values, ``uprn`` among them),
its answer is read as XML (``service_requests/request/service_request_id``), and status changes
are read from ``servicerequestupdates.xml?start_date=…&end_date=…`` with W3CDTF dates, as its
``GetServiceRequestUpdates`` reads them every few minutes for the last two hours. Then what
Boston and Chicago publish (``page``/``page_size``), the spec's 404 for an unknown service, a
complete discovery document, and the "me too" count.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import defusedxml.ElementTree as SafeElementTree
import httpx
import pytest
from sqlalchemy import select

from ivr.clock import utc_now
from ivr.dashboard.accounts import add_user
from ivr.followup.me_too import described
from ivr.open311 import request_updates
from ivr.open311.request_store import update_status
from ivr.outbox.lookup import with_key
from ivr.store.db import transaction
from ivr.store.request_tables import ServiceRequestRecord
from tests.integration.test_dashboard import PASSWORD, log_in
from tests.support.embedded_endpoint import (
    POTHOLE_FORM,
    LiveEndpoint,
    assert_error,
    document,
    live_endpoints,
)

Factory = Callable[..., LiveEndpoint]
API_KEY = "fms-key"
JURISDICTION = "city.example.gov"
PHOTOS = [
    "https://fms.example.org/photo/101.0.full.jpeg",
    "https://fms.example.org/photo/101.1.full.jpeg",
    "https://fms.example.org/photo/101.2.full.jpeg",
]
UPRN = "100023336956"
FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def endpoints(migrated_url: str, tmp_path: Path) -> Iterator[Factory]:
    with live_endpoints(migrated_url, tmp_path) as make:
        yield make


@pytest.fixture
def city(endpoints: Factory) -> LiveEndpoint:
    """The embedded endpoint set up as FixMyStreet's body: an API key and a jurisdiction."""
    return endpoints(embedded_api_key=API_KEY, embedded_jurisdiction_id=JURISDICTION)


def w3cdtf(moment: datetime) -> str:
    """``DateTime::Format::W3CDTF->format_datetime`` of a UTC time: whole seconds and ``Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def fixmystreet_post_form(extra: dict[str, str | list[str]]) -> list[tuple[str, str]]:
    """The pairs Open311.pm posts for a report: its ``$params`` hash, with ``api_key`` and
    ``jurisdiction_id`` added, as HTTP::Request::Common's ``POST`` encodes it (an array
    value becomes the same name repeated)."""
    params: dict[str, str | list[str]] = {
        "description": "Deep pothole\n\nOutside the bakery, by the drain.\n\n"
        "https://fms.example.org/report/101\n",
        "service_code": "0",
        "first_name": "Alex",
        "last_name": "Rivera",
        "email": "alex@example.org",
        "phone": "01234 567890",
        "lat": f"{42.360081:0.6f}",
        "long": f"{-71.058884:0.6f}",
        "media_url": PHOTOS,
        **{f"attribute[{name}]": value for name, value in extra.items()},
        "jurisdiction_id": JURISDICTION,
        "api_key": API_KEY,
    }
    pairs: list[tuple[str, str]] = []
    for name, value in params.items():
        values = value if isinstance(value, list) else [value]
        pairs.extend((name, item) for item in values)
    return pairs


def fixmystreet_sends(city: LiveEndpoint, extra: dict[str, str | list[str]]) -> str:
    """POST as Open311.pm does; the id it reads from ``<request><service_request_id>``."""
    body = urlencode(fixmystreet_post_form(extra))  # URI's query_form: spaces as "+"
    response = city.http.post("/requests.xml", content=body, headers={"content-type": FORM})
    assert response.status_code == 200, response.text
    root = SafeElementTree.fromstring(response.content)
    assert root.tag == "service_requests"
    service_request_id = root.findtext("request/service_request_id")
    assert service_request_id
    return service_request_id


def fixmystreet_reads_updates(
    city: LiveEndpoint, start: datetime, end: datetime
) -> list[dict[str, str]]:
    """``get_service_request_updates`` as Open311.pm asks for it, read as it reads it."""
    params = {
        "api_key": API_KEY,
        "start_date": w3cdtf(start),
        "end_date": w3cdtf(end),
        "jurisdiction_id": JURISDICTION,
    }
    response = city.http.get("/servicerequestupdates.xml", params=params)
    assert response.status_code == 200, response.text
    root = SafeElementTree.fromstring(response.content)
    assert root.tag == "service_request_updates"
    assert all(child.tag == "request_update" for child in root)
    return [{field.tag: field.text or "" for field in update} for update in root]


def close(city: LiveEndpoint, service_request_id: str, when: datetime, notes: str) -> None:
    """Staff close the request (the store's ``update_status``, as the gateway's staff do)."""
    with transaction(city.runtime.sessions) as session:
        changed = update_status(
            session, service_request_id, status="closed", now=when, status_notes=notes
        )
    assert changed


def stored(city: LiveEndpoint, service_request_id: str) -> ServiceRequestRecord:
    with city.runtime.sessions() as session:
        found = session.scalar(
            select(ServiceRequestRecord).where(
                ServiceRequestRecord.service_request_id == service_request_id
            )
        )
    assert found is not None
    return found


def test_a_fixmystreet_report_is_filed_with_its_uprn_photos_and_list_answer(
    city: LiveEndpoint,
) -> None:
    extra: dict[str, str | list[str]] = {
        "kind": "deep",
        "items": ["glass", "debris"],  # a multivaluelist: attribute[items] repeated
        "uprn": UPRN,
        "fixmystreet_id": "101",
        "easting": "530123",
        "northing": "180456",
    }
    service_request_id = fixmystreet_sends(city, extra)

    record = stored(city, service_request_id)
    assert record.attributes == {"kind": ["deep"], "items": ["glass", "debris"]}
    assert record.extra_attributes == {
        "uprn": [UPRN],
        "fixmystreet_id": ["101"],
        "easting": ["530123"],
        "northing": ["180456"],
    }
    assert [record.media_url, *record.further_media_urls] == PHOTOS
    assert (record.first_name, record.email) == ("Alex", "alex@example.org")

    for fmt in ("json", "xml"):
        response = city.http.get(f"/requests/{service_request_id}.{fmt}")
        assert response.status_code == 200
        (published,) = document(response)
        assert published["media_url"] == PHOTOS[0]
        assert published["description"].startswith("Deep pothole")
        for private in (UPRN, "530123", PHOTOS[1], PHOTOS[2], "alex@example.org", "Rivera"):
            assert private not in response.text


def test_staff_read_what_was_kept_and_the_public_never_does(city: LiveEndpoint) -> None:
    service_request_id = fixmystreet_sends(city, {"kind": "deep", "uprn": UPRN})
    add_user(city.runtime.sessions, "ada", PASSWORD, "admin", now=utc_now())
    add_user(city.runtime.sessions, "agnes", PASSWORD, "agent", now=utc_now())
    page_path = f"/staff/requests/{service_request_id}"
    with httpx.Client(base_url=city.base_url, timeout=10) as nobody:
        assert nobody.get(page_path).status_code == 302  # to the log-in
    with httpx.Client(base_url=city.base_url, timeout=10) as agent:
        assert log_in(agent, city.base_url, "agnes").status_code == 302
        assert agent.get(page_path).status_code == 403
    with httpx.Client(base_url=city.base_url, timeout=10) as admin:
        assert log_in(admin, city.base_url, "ada").status_code == 302
        page = admin.get(page_path)
        assert page.status_code == 200
        extra = page.text.split('id="extra-attributes"', 1)[1].split("</table>", 1)[0]
        assert f"<th>uprn</th><td>{UPRN}</td>" in extra
        photos = page.text.split('id="photos"', 1)[1].split("</ul>", 1)[0]
        assert [p for p in PHOTOS if p in photos] == PHOTOS
        listing = admin.get("/staff/requests")
        assert f'data-request="{service_request_id}"' in listing.text
        assert admin.get("/staff/requests/nothing").status_code == 404


def test_fixmystreet_sees_the_request_close_in_servicerequestupdates(
    city: LiveEndpoint,
) -> None:
    service_request_id = fixmystreet_sends(city, {"kind": "deep", "uprn": UPRN})
    untouched = fixmystreet_sends(city, {"kind": "shallow"})
    now = datetime.now(UTC)
    closed_at = now - timedelta(minutes=5)
    close(
        city, service_request_id, closed_at, "Filled by the crew. Call 617 555 0123 with questions."
    )

    # GetServiceRequestUpdates' default window: the last two hours, W3CDTF, whole seconds
    updates = fixmystreet_reads_updates(city, now - timedelta(hours=2), now + timedelta(seconds=1))
    assert [u["service_request_id"] for u in updates] == [service_request_id]
    (update,) = updates
    assert set(update) == {
        "update_id",
        "service_request_id",
        "status",
        "updated_datetime",
        "description",
        "media_url",
    }
    assert update["status"] == "closed"
    assert update["description"] == "Filled by the crew. Call [phone number] with questions."
    assert update["media_url"] == ""
    updated = datetime.fromisoformat(update["updated_datetime"])
    assert updated == closed_at.replace(microsecond=0)
    assert untouched not in {u["service_request_id"] for u in updates}

    # the next poll sees the same change under the same id: FixMyStreet files it once
    again = fixmystreet_reads_updates(city, now - timedelta(hours=2), now + timedelta(seconds=2))
    assert [u["update_id"] for u in again] == [update["update_id"]]
    # a window that ends before the change does not list it
    earlier = fixmystreet_reads_updates(city, now - timedelta(hours=2), now - timedelta(hours=1))
    assert earlier == []

    as_json = city.http.get(
        "/servicerequestupdates.json",
        params={"start_date": w3cdtf(now - timedelta(hours=2)), "end_date": w3cdtf(now)},
    )
    assert as_json.json() == [update]


def test_servicerequestupdates_are_ordered_and_bounded(
    endpoints: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    endpoint = endpoints()
    monkeypatch.setattr(request_updates, "MAX_UPDATES", 3)
    start = datetime.now(UTC) - timedelta(days=2)
    ids = [endpoint.seed("007", start) for _ in range(5)]
    blackbox = endpoint.seed("tip", start)
    for minutes, service_request_id in enumerate([*ids[::-1], blackbox]):
        close(endpoint, service_request_id, start + timedelta(minutes=10 + minutes), "")
    in_closing_order = ids[::-1]

    def listed(**params: str) -> list[str]:
        response = endpoint.http.get("/servicerequestupdates.json", params=params)
        assert response.status_code == 200, response.text
        return [update["service_request_id"] for update in response.json()]

    # from a start_date: the first three, oldest first; without one: the latest three
    assert listed(start_date=start.isoformat()) == in_closing_order[:3]
    assert listed() == in_closing_order[2:]
    assert listed(end_date=(start + timedelta(minutes=11)).isoformat()) == in_closing_order[:2]


@pytest.mark.parametrize(
    ("params", "status", "words"),
    [
        ({"start_date": "two hours ago"}, 400, "start_date must be an ISO 8601"),
        ({"start_date": "2026-05-02T00:00:00Z", "end_date": "2026-05-01T00:00:00Z"}, 400, "before"),
        ({"start_date": "2026-01-01", "end_date": "2026-05-01"}, 400, "more than 90 days"),
        ({"start_date": "a", "start_date[]": "b"}, 400, "single value"),
        ({"jurisdiction_id": "elsewhere.gov"}, 404, "jurisdiction_id"),
    ],
)
def test_bad_servicerequestupdates_queries_get_the_spec_error(
    city: LiveEndpoint, params: dict[str, str], status: int, words: str
) -> None:
    for fmt in ("json", "xml"):
        response = city.http.get(f"/servicerequestupdates.{fmt}", params=params)
        assert_error(response, status, words=words, fmt=fmt)
    assert_error(city.http.post("/servicerequestupdates.xml"), 405, fmt="xml")


def test_an_unknown_service_is_a_404_and_discovery_says_how_to_get_a_key(
    endpoints: Factory,
) -> None:
    open_city = endpoints(embedded_contact="Public Works, 311@city.example.gov")
    refused = open_city.http.post("/requests.xml", data={**POTHOLE_FORM, "service_code": "7"})
    assert_error(refused, 404, words="not a service", fmt="xml")
    discovery = open_city.http.get("/discovery.json").json()
    assert discovery["contact"] == "Public Works, 311@city.example.gov"
    assert discovery["key_service"] == "No API key is needed: requests are accepted without one."
    keyed = endpoints(embedded_api_key="s3cret", embedded_contact="Public Works")
    xml = document(keyed.http.get("/discovery.xml"))
    assert xml["key_service"] == "POST requests need an api_key: ask Public Works for one."


def test_requests_are_paged_as_boston_and_chicago_page_them(endpoints: Factory) -> None:
    endpoint = endpoints()
    start = datetime.now(UTC) - timedelta(days=3)
    ids = [endpoint.seed("007", start + timedelta(minutes=n)) for n in range(7)]
    closed = endpoint.seed("007", start + timedelta(minutes=8), status="closed")
    newest_first = ids[::-1]

    def page(fmt: str = "json", **params: str) -> list[str]:
        response = endpoint.http.get(f"/requests.{fmt}", params=params)
        assert response.status_code == 200, response.text
        return [r["service_request_id"] for r in document(response)]

    assert page(page="1", page_size="3", status="open") == newest_first[:3]
    assert page("xml", page="2", page_size="3", status="open") == newest_first[3:6]
    assert page(page="3", page_size="3", status="open") == newest_first[6:]
    assert page(page="4", page_size="3", status="open") == []
    assert page(page_size="2") == [closed, newest_first[0]]
    assert page(page="2") == []  # pages of 1,000 by default
    assert len(page()) == 8


def test_the_me_too_count_is_published_on_the_request(endpoints: Factory) -> None:
    endpoint = endpoints()

    def file(description: str) -> str:
        response = endpoint.http.post(
            "/requests.json", data={**POTHOLE_FORM, "description": description}
        )
        assert response.status_code == 200, response.text
        return str(response.json()[0]["service_request_id"])

    original = file("A deep pothole by the curb")
    # as the gateway's outbox files a "me too": the line first, its key line last
    for n in range(2):
        file(with_key(described("it is getting deeper", original, 4000), f"key-{n}"))
    elsewhere = file(described("another one", "99999", 4000))

    published = {r["service_request_id"]: r for r in endpoint.http.get("/requests.json").json()}
    assert published[original]["me_too_count"] == 2
    assert published[elsewhere]["me_too_count"] == 0
    (as_xml,) = document(endpoint.http.get(f"/requests/{original}.xml"))
    assert as_xml["me_too_count"] == "2"
    close(endpoint, original, datetime.now(UTC), "Filled")
    listed = endpoint.http.get("/requests.json", params={"service_request_id": original}).json()
    assert listed[0]["me_too_count"] == 2
