"""The Atom feed and the public pages over real HTTP, and the promise that no submitter's
contact field is published anywhere: GET documents, feed, event stream or page."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import defusedxml.ElementTree as SafeElementTree
import httpx
import pytest
from sqlalchemy import select

from ivr.open311.request_store import update_status
from ivr.store.db import transaction
from ivr.store.request_tables import ServiceRequestRecord
from tests.support.embedded_endpoint import POTHOLE_FORM, LiveEndpoint, shared_live_endpoint

A = "{http://www.w3.org/2005/Atom}"
GEORSS = "{http://www.georss.org/georss}"
PERSONAL = {
    "email": "jane.private@example.org",
    "phone": "+16175550123",
    "first_name": "Janeprivate",
    "last_name": "Doeprivate",
    "device_id": "device-private-77",
    "account_id": "account-private-88",
}


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def gateway(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveEndpoint]:
    with shared_live_endpoint(request.param, tmp_path_factory.mktemp("open-data")) as live:
        yield live


@pytest.fixture(scope="module")
def filed(gateway: LiveEndpoint) -> dict[str, str]:
    """Three requests: an old one closed with notes, a pothole with contact fields, a tip."""
    now = datetime.now(UTC)
    old = gateway.seed("007", now - timedelta(days=3), lat=42.3621, long=-71.057)
    with transaction(gateway.runtime.sessions) as session:
        update_status(
            session, old, status="closed", now=now - timedelta(days=1), status_notes="Lamp replaced"
        )
    form = {
        **POTHOLE_FORM,
        "address_string": "12 Tremont St",
        **PERSONAL,
        "description": "A deep hole by the kerb",
    }
    response = gateway.http.post("/requests.json", data=form)
    assert response.status_code == 200, response.text
    tip = gateway.http.post(
        "/requests.json", data={"service_code": "tip", "lat": "42.35", "long": "-71.06", **PERSONAL}
    )
    assert tip.status_code == 200
    with transaction(gateway.runtime.sessions) as session:
        tip_id = session.scalar(
            select(ServiceRequestRecord.service_request_id).where(
                ServiceRequestRecord.service_code == "tip"
            )
        )
    assert tip_id
    return {"old": old, "pothole": response.json()[0]["service_request_id"], "tip": tip_id}


def atom(gateway: LiveEndpoint, **params: str) -> httpx.Response:
    return gateway.http.get("/requests.atom", params=params)


def test_the_atom_feed_lists_requests_newest_change_first(
    gateway: LiveEndpoint, filed: dict[str, str]
) -> None:
    response = atom(gateway)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = SafeElementTree.fromstring(response.content)
    assert feed.tag == f"{A}feed"
    assert feed.findtext(f"{A}id") == "tag:127.0.0.1,2025:open311/requests"
    assert feed.findtext(f"{A}title")
    assert feed.findtext(f"{A}author/{A}name")
    self_link = feed.find(f"{A}link[@rel='self']")
    assert self_link is not None and self_link.get("href", "").endswith("/requests.atom")

    entries = feed.findall(f"{A}entry")
    ids = [entry.findtext(f"{A}id") or "" for entry in entries]
    assert [i.rsplit("/", 1)[1] for i in ids] == [filed["pothole"], filed["old"]]
    assert all(i.startswith("tag:127.0.0.1,20") for i in ids)
    assert feed.findtext(f"{A}updated") == entries[0].findtext(f"{A}updated")

    pothole, old = entries
    assert pothole.findtext(f"{A}title") == "Pothole at 12 Tremont St"
    assert pothole.findtext(f"{GEORSS}point") == "42.360100 -71.058900"
    assert "Status: open" in (pothole.findtext(f"{A}content") or "")
    page = pothole.find(f"{A}link[@rel='alternate']")
    assert page is not None
    assert page.get("href") == f"{gateway.base_url}/requests/{filed['pothole']}"
    assert old.findtext(f"{A}title") == "Streetlight out at 1 Main St"
    content = old.findtext(f"{A}content") or ""
    assert "Status: closed" in content and "Notes: Lamp replaced" in content
    updated = datetime.fromisoformat(old.findtext(f"{A}updated") or "")
    published = datetime.fromisoformat(old.findtext(f"{A}published") or "")
    assert updated - published == timedelta(days=2)


def test_the_atom_feed_takes_a_limit(gateway: LiveEndpoint, filed: dict[str, str]) -> None:
    feed = SafeElementTree.fromstring(atom(gateway, limit="1").content)
    assert [e.findtext(f"{A}id", "").rsplit("/", 1)[1] for e in feed.findall(f"{A}entry")] == [
        filed["pothole"]
    ]
    for bad in ("0", "501", "many", "-1"):
        refused = atom(gateway, limit=bad)
        assert refused.status_code == 400
        assert "limit" in refused.json()[0]["description"]


def test_a_requests_public_page(gateway: LiveEndpoint, filed: dict[str, str]) -> None:
    response = httpx.get(f"{gateway.base_url}/requests/{filed['old']}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    for words in ("Streetlight out", "closed", "Lamp replaced", "1 Main St", filed["old"]):
        assert words in page
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "https://tile.openstreetmap.org" in policy
    assert "<script>" not in page and " on" + "click=" not in page


def test_no_page_for_a_request_that_is_not_published(
    gateway: LiveEndpoint, filed: dict[str, str]
) -> None:
    for name in ("99999", filed["tip"], "x" * 300):
        response = httpx.get(f"{gateway.base_url}/requests/{name}")
        assert response.status_code == 404
        assert "No such request" in response.text


def test_the_map_page_carries_its_settings(gateway: LiveEndpoint) -> None:
    response = httpx.get(f"{gateway.base_url}/map")
    assert response.status_code == 200
    page = response.text
    assert 'data-tiles="https://tile.openstreetmap.org/{z}/{x}/{y}.png"' in page
    assert 'data-lat="42.3601"' in page and 'data-zoom="13"' in page
    assert 'data-events-url="/open311/v2/requests/events"' in page
    assert "OpenStreetMap</a> contributors" in page.replace("&lt;", "<").replace("&gt;", ">")
    assert (
        "img-src 'self' data: https://tile.openstreetmap.org"
        in response.headers["Content-Security-Policy"]
    )


def test_no_contact_field_is_published_anywhere(
    gateway: LiveEndpoint, filed: dict[str, str]
) -> None:
    base = gateway.base_url
    pothole = filed["pothole"]
    bodies = [
        gateway.http.get("/requests.json").text,
        gateway.http.get("/requests.xml").text,
        gateway.http.get(f"/requests/{pothole}.json").text,
        gateway.http.get(f"/requests/{pothole}.xml").text,
        atom(gateway).text,
        httpx.get(f"{base}/map").text,
        httpx.get(f"{base}/requests/{pothole}").text,
    ]
    # The event stream from before the first request: every change, then closed by us.
    with (
        httpx.Client(timeout=httpx.Timeout(10.0, read=20.0)) as client,
        client.stream(
            "GET", f"{base}/open311/v2/requests/events", params={"after": "0-0"}
        ) as response,
    ):
        lines = []
        for line in response.iter_lines():
            lines.append(line)
            if line.startswith("data:") and f'"service_request_id": "{pothole}"' in line:
                break
        bodies.append("\n".join(lines))
    assert "A deep hole by the kerb" in bodies[0]  # the description is published; contacts not
    for body in bodies:
        for value in PERSONAL.values():
            assert value not in body
