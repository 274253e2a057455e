"""A real browser for page tests: Debian's chromium, headless, driven by Playwright.

Playwright's own browser download cannot run here (and is not wanted in CI): the tests launch
the system chromium (``/usr/bin/chromium``, from Debian's ``chromium`` package, which
``scripts/setup test`` installs). The flags keep chromium from reaching out to Google's
services, which a closed network refuses; Playwright gives each launch a fresh profile.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = os.environ.get("IVR_TEST_CHROMIUM", "/usr/bin/chromium")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
# Set (to anything) to save the pages into docs/screenshots, for the README and the docs.
UPDATE_SCREENSHOTS = "IVR_UPDATE_SCREENSHOTS"


def chromium_path() -> str:
    if shutil.which(CHROMIUM) is None:
        message = f"no chromium at {CHROMIUM}: install Debian's chromium (scripts/setup test)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM


@contextmanager
def headless_chromium() -> Iterator[Browser]:
    """A headless chromium with an empty profile, closed afterwards."""
    path = chromium_path()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, headless=True, args=FLAGS)
        try:
            yield browser
        finally:
            browser.close()


def screenshot(page: Page, name: str) -> Path:
    """Save the page as ``<name>.png``: into ``docs/screenshots`` (the README shows these) when
    ``IVR_UPDATE_SCREENSHOTS`` is set, else into a temporary folder, so that a test run leaves
    the working tree as it found it (a new rendering differs by a few bytes every time)."""
    if os.environ.get(UPDATE_SCREENSHOTS):
        folder = SCREENSHOTS
    else:
        folder = Path(tempfile.gettempdir()) / "voice311-screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
