"""An anonymous visitor watches the public map in Debian's chromium: a request filed while the
page is open appears on the map and in the list without a reload, and a status change updates
it. The tiles cannot load (no internet here, and the test refuses them): the map still works.
Saves docs/screenshots/public-map.png (with IVR_UPDATE_SCREENSHOTS set:
tests/support/browser.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from playwright.sync_api import ConsoleMessage, Route, expect

from ivr.open311.request_store import update_status
from ivr.store.db import transaction
from tests.support.browser import headless_chromium, screenshot
from tests.support.embedded_endpoint import LiveEndpoint, live_endpoints

QUICK = {"feed_poll_seconds": 0.2, "feed_settle_seconds": 0.5}
WAIT_MS = 20_000  # a deadline for a failing test, not a measure
PERSONAL = {
    "email": "jane.private@example.org",
    "phone": "+16175550123",
    "first_name": "Janeprivate",
    "last_name": "Doeprivate",
}
# Requests already on file when the visitor arrives: (service, lat, long, address).
ON_FILE = [
    ("0", 42.3555, -71.0605, "1 School St"),
    ("007", 42.3621, -71.0570, "1 City Hall Sq"),
    ("0", 42.3496, -71.0785, "700 Boylston St"),
]


def file(
    gateway: LiveEndpoint, service_code: str, lat: float, long: float, address: str, **fields: str
) -> str:
    form = {
        "service_code": service_code,
        "lat": str(lat),
        "long": str(long),
        "address_string": address,
        **fields,
    }
    if service_code == "0":
        form["attribute[kind]"] = "deep"
    response = gateway.http.post("/requests.json", data=form)
    assert response.status_code == 200, response.text
    service_request_id: str = response.json()[0]["service_request_id"]
    return service_request_id


def test_the_public_map_shows_a_new_request_and_its_status_change_live(
    sqlite_url: str, tmp_path: Path
) -> None:
    with live_endpoints(sqlite_url, tmp_path) as make, headless_chromium() as browser:
        gateway = make(**QUICK)
        for service_code, lat, long, address in ON_FILE:
            file(gateway, service_code, lat, long, address)

        page = browser.new_page(viewport={"width": 1280, "height": 760})
        console: list[str] = []
        page.on("console", lambda message: console.append(_text(message)))
        page.route("https://tile.openstreetmap.org/**", _refuse)
        page.goto(gateway.base_url + "/map")

        items = page.locator("#request-list li")
        markers = page.locator("path.request-marker")
        # wait_for_function would evaluate a string, which the page's CSP rightly forbids.
        expect(items).to_have_count(3, timeout=WAIT_MS)
        assert markers.count() == 3
        page.wait_for_selector("#live-status[data-state='live']", timeout=WAIT_MS)

        # A caller files a pothole while the visitor watches.
        new = file(gateway, "0", 42.3588, -71.0638, "24 Beacon St", **PERSONAL)
        fresh = page.locator(f"#request-list li[data-id='{new}']")
        fresh.wait_for(timeout=WAIT_MS)
        assert items.count() == 4
        assert markers.count() == 4
        assert items.first.get_attribute("data-id") == new
        assert "24 Beacon St" in fresh.inner_text()
        assert "Pothole" in fresh.inner_text()

        # The city closes it: the list entry and the marker's popup follow.
        with transaction(gateway.runtime.sessions) as session:
            update_status(
                session,
                new,
                status="closed",
                now=datetime.now(UTC),
                status_notes="Filled the same day",
            )
        page.wait_for_selector(
            f"#request-list li[data-id='{new}'][data-status='closed']", timeout=WAIT_MS
        )
        assert "Filled the same day" in fresh.inner_text()
        page.locator(f"path.request-marker[data-id='{new}']").click()
        popup = page.locator(".leaflet-popup-content")
        popup.wait_for(timeout=WAIT_MS)
        assert popup.locator(".status").text_content() == "closed"
        assert "Filled the same day" in popup.inner_text()
        assert page.url == gateway.base_url + "/map"  # never reloaded

        expect(page.locator(".leaflet-popup")).to_have_css("opacity", "1", timeout=WAIT_MS)
        screenshot(page, "public-map")
        html = page.content()
        for value in PERSONAL.values():
            assert value not in html
        assert not [line for line in console if "Content Security Policy" in line], console

        # The link a caller gets by text message: the request's own page.
        fresh.locator("a.service").click()
        page.wait_for_url(f"{gateway.base_url}/requests/{new}", timeout=WAIT_MS)
        assert page.locator("#status").text_content() == "closed"
        assert page.locator("#address").inner_text() == "24 Beacon St"
        for value in PERSONAL.values():
            assert value not in page.content()
        page.close()


def _refuse(route: Route) -> None:
    route.abort("internetdisconnected")


def _text(message: ConsoleMessage) -> str:
    return f"{message.type}: {message.text}"
