"""An admin opens the intake flow's diagram in Debian's chromium (headless, Playwright): the
drawing, thousands of pixels wide, opens fitted to the width of the page; the zoom buttons,
Ctrl + wheel and dragging move around in it; "Fit width" brings the whole width back. Saves
docs/screenshots/flow-diagram.png (with IVR_UPDATE_SCREENSHOTS set: tests/support/browser.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Locator, Page, expect

from ivr.app import create_app
from ivr.clock import utc_now
from ivr.dashboard.accounts import add_user
from ivr.runtime import Runtime
from ivr.settings import Settings
from tests.integration.test_dashboard import PASSWORD
from tests.support.browser import headless_chromium, screenshot
from tests.support.live_server import serve_wsgi

WAIT_MS = 60_000  # a deadline for a failing test (Mermaid draws a large flow slowly), not a measure
VIEWPORT = {"width": 1280, "height": 900}
FITTED = re.compile(r"^0\.\d+")  # data-scale once fitted: the drawing is shown smaller


@pytest.fixture
def flow_page(sqlite_url: str) -> Iterator[Page]:
    app = create_app(Settings(database_url=sqlite_url))
    rt: Runtime = app.extensions["voice311"]
    add_user(rt.sessions, "ada", PASSWORD, "admin", now=utc_now())
    with serve_wsgi(app) as base, headless_chromium() as browser:
        page = browser.new_page(viewport=VIEWPORT)
        page.goto(f"{base}/staff/login")
        page.get_by_label("User name").fill("ada")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.goto(f"{base}/staff/flows/{rt.settings.flow}")
        yield page
    rt.engine.dispose()


def width(locator: Locator) -> float:
    box = locator.bounding_box()
    assert box is not None
    return box["width"]


def test_the_flow_diagram_opens_fitted_to_the_page_and_zooms_and_pans(flow_page: Page) -> None:
    page = flow_page
    viewport = page.locator("#diagram-viewport")
    drawing = page.locator("#diagram-viewport svg")
    expect(drawing).to_be_visible(timeout=WAIT_MS)
    expect(viewport).to_have_attribute("data-scale", FITTED, timeout=WAIT_MS)

    # Fitted to the width: all of it in view across, none of the page scrolls sideways.
    room = viewport.evaluate("element => element.clientWidth")
    fitted = width(drawing)
    assert 0.8 * room <= fitted <= room
    assert viewport.evaluate("element => element.scrollWidth <= element.clientWidth")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= VIEWPORT["width"]
    fitted_label = page.locator("#zoom-scale").text_content()
    screenshot(page, "flow-diagram")

    # Two steps in: 1.25² as wide, and now wider than the page, so it scrolls.
    page.get_by_role("button", name="Zoom in").click()
    page.get_by_role("button", name="Zoom in").click()
    assert width(drawing) == pytest.approx(fitted * 1.25 * 1.25, rel=0.01)
    assert page.locator("#zoom-scale").text_content() != fitted_label

    # Dragging pans: the viewport scrolls the other way round.
    box = viewport.bounding_box()
    assert box is not None
    centre_x, centre_y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(centre_x, centre_y)
    page.mouse.down()
    page.mouse.move(centre_x - 200, centre_y - 100, steps=5)
    page.mouse.up()
    left, top = viewport.evaluate("element => [element.scrollLeft, element.scrollTop]")
    assert left > 0 and top > 0

    # Ctrl + wheel zooms too; a step out undoes a step in.
    page.keyboard.down("Control")
    page.mouse.wheel(0, 100)
    page.keyboard.up("Control")
    assert width(drawing) == pytest.approx(fitted * 1.25, rel=0.01)

    # "Actual size" draws it at its own size; "Fit width" brings it back.
    page.get_by_role("button", name="Actual size").click()
    natural = drawing.evaluate("element => element.viewBox.baseVal.width")
    assert width(drawing) == pytest.approx(natural, rel=0.01)
    assert natural > 2 * room  # the intake flow really is too wide for the page
    page.get_by_role("button", name="Fit width").click()
    assert width(drawing) == pytest.approx(fitted, rel=0.01)
    assert viewport.evaluate("element => element.scrollLeft") == 0
