"""Where the public map opens and what it says without tiles, in Debian's chromium (headless,
Playwright), on a gateway whose configured centre (New York) is far from every request (around
Boston): the map fits its markers, follows new ones until the visitor moves it, opens at the
configured centre only when there is nothing to show, and says so when its tiles cannot load."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Locator, Page, Route, expect

from tests.integration.test_public_map_browser import file
from tests.support.browser import headless_chromium
from tests.support.embedded_endpoint import LiveEndpoint, live_endpoints

SETTINGS = {
    "feed_poll_seconds": 0.2,
    "feed_settle_seconds": 0.5,
    "map_center": "40.7128,-74.0060,13",
    "map_tile_url": "https://tiles.example.org/{z}/{x}/{y}.png",
}
TILES = "https://tiles.example.org/**"
CENTRE_ZOOM = 13
FIT_MAX_ZOOM = 16
WAIT_MS = 20_000  # a deadline for a failing test, not a measure
NOTICE = "Map tiles could not be loaded"
# Spread over eastern Massachusetts, none within a zoom-13 view of New York.
SPREAD = [
    ("0", 42.3555, -71.0605, "1 School St, Boston"),
    ("007", 42.2626, -71.8023, "455 Main St, Worcester"),
    ("0", 42.6526, -70.6270, "Rockport harbour"),
]
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)
TILE_ZOOM = re.compile(r"/(\d+)/\d+/\d+\.png$")


def serve_tiles(zooms: list[int]) -> Callable[[Route], None]:
    """A tile server that answers every tile (a blank one), noting each tile's zoom."""

    def handle(route: Route) -> None:
        zooms.append(_zoom(route))
        route.fulfill(status=200, content_type="image/png", body=PNG)

    return handle


def refuse_tiles(zooms: list[int]) -> Callable[[Route], None]:
    """No tile server: every tile request fails, as without internet."""

    def handle(route: Route) -> None:
        zooms.append(_zoom(route))
        route.abort("internetdisconnected")

    return handle


def _zoom(route: Route) -> int:
    found = TILE_ZOOM.search(route.request.url)
    assert found is not None, route.request.url
    return int(found.group(1))


def markers_in_view(page: Page) -> list[bool]:
    """For each marker on the map: is it inside the map's box on the screen?"""
    area = page.locator("#map").bounding_box()
    assert area is not None
    inside = []
    for marker in page.locator("path.request-marker").all():
        box = marker.bounding_box()
        assert box is not None
        centre_x, centre_y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        inside.append(
            area["x"] <= centre_x <= area["x"] + area["width"]
            and area["y"] <= centre_y <= area["y"] + area["height"]
        )
    return inside


def wait_until(page: Page, condition: Callable[[], bool]) -> None:
    """Let the page run (and its tile requests reach the route handlers) until ``condition``."""
    for _ in range(WAIT_MS // 100):
        if condition():
            return
        page.wait_for_timeout(100)
    raise AssertionError("the page never got there")


def open_map(gateway: LiveEndpoint, page: Page, route: Callable[[Route], None]) -> None:
    page.route(TILES, route)
    page.goto(gateway.base_url + "/map")
    page.wait_for_selector("#live-status[data-state='live']", timeout=WAIT_MS)


def test_the_map_fits_its_markers_and_says_when_tiles_cannot_load(
    sqlite_url: str, tmp_path: Path
) -> None:
    with live_endpoints(sqlite_url, tmp_path) as make, headless_chromium() as browser:
        gateway = make(**SETTINGS)
        for service_code, lat, long, address in SPREAD:
            file(gateway, service_code, lat, long, address)

        # Tiles load: every marker in view, and no notice.
        served: list[int] = []
        page = browser.new_page(viewport={"width": 1280, "height": 760})
        open_map(gateway, page, serve_tiles(served))
        expect(page.locator("#request-list li")).to_have_count(len(SPREAD), timeout=WAIT_MS)
        assert markers_in_view(page) == [True] * len(SPREAD)
        expect(page.locator(".tile-notice")).to_be_hidden()
        wait_until(
            page, lambda: bool(served) and min(served) < CENTRE_ZOOM
        )  # out, to take in 100 km
        page.close()

        # No tiles: the same fit, and the map says why it is blank.
        refused: list[int] = []
        page = browser.new_page(viewport={"width": 1280, "height": 760})
        open_map(gateway, page, refuse_tiles(refused))
        expect(page.locator("#request-list li")).to_have_count(len(SPREAD), timeout=WAIT_MS)
        assert markers_in_view(page) == [True] * len(SPREAD)
        notice = page.locator("#map .tile-notice")
        expect(notice).to_be_visible(timeout=WAIT_MS)
        expect(notice).to_contain_text(NOTICE)
        assert refused
        page.close()


def test_an_empty_map_opens_at_the_centre_then_follows_requests_until_the_visitor_moves_it(
    sqlite_url: str, tmp_path: Path
) -> None:
    with live_endpoints(sqlite_url, tmp_path) as make, headless_chromium() as browser:
        gateway = make(**SETTINGS)
        zooms: list[int] = []
        page = browser.new_page(viewport={"width": 1280, "height": 760})
        open_map(gateway, page, serve_tiles(zooms))
        expect(page.locator("#empty")).to_be_visible()
        wait_until(page, lambda: bool(zooms))
        assert set(zooms) == {CENTRE_ZOOM}  # nothing to show: the configured centre

        # A lone request filed while the visitor watches: the map goes to it, at street level.
        zooms.clear()
        first = file(gateway, *SPREAD[0])
        page.locator(f"#request-list li[data-id='{first}']").wait_for(timeout=WAIT_MS)
        assert markers_in_view(page) == [True]
        wait_until(page, lambda: bool(zooms))
        assert set(zooms) == {FIT_MAX_ZOOM}

        # The visitor drags the map: a request filed far away no longer moves it.
        area = page.locator("#map").bounding_box()
        assert area is not None
        page.mouse.move(area["x"] + 400, area["y"] + 300)
        page.mouse.down()
        page.mouse.move(area["x"] + 300, area["y"] + 250, steps=5)
        page.mouse.up()
        marker = page.locator(f"path.request-marker[data-id='{first}']")
        before = settled_box(page, marker)  # Leaflet's pan runs on with inertia after the drag
        second = file(gateway, *SPREAD[1])
        page.locator(f"#request-list li[data-id='{second}']").wait_for(timeout=WAIT_MS)
        assert marker.bounding_box() == before
        assert markers_in_view(page) == [True, False]
        page.close()


def settled_box(page: Page, marker: Locator) -> dict[str, float] | None:
    """The marker's box once the map has stopped moving (the same in two reads 0.3 s apart)."""
    box = marker.bounding_box()
    for _ in range(50):
        page.wait_for_timeout(300)
        again = marker.bounding_box()
        if again == box:
            return dict(again) if again is not None else None
        box = again
    raise AssertionError("the map never stopped moving")
