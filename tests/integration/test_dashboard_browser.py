"""Staff in a real browser (Debian's chromium, headless, driven by Playwright) against a live
gateway with a simulated caller on the line.

The caller presses 0 and holds with a person; the agent, logged in on the live calls page,
sees the call appear by itself, opens it, and sends the caller into the address step. Twilio's
REST call update (the local stand-in) reaches the simulated call, the caller says an address
and confirms it, and the call page shows the confirmed address as it comes back. The test
saves docs/screenshots/dashboard-calls.png and dashboard-call.png on the way (with
IVR_UPDATE_SCREENSHOTS set: tests/support/browser.py).
"""

from __future__ import annotations

import threading
from pathlib import Path

import httpx
from playwright.sync_api import Page, expect

from ivr.app import create_app
from ivr.clock import utc_now
from ivr.dashboard.accounts import add_user
from ivr.runtime import Runtime
from ivr.settings import Settings
from ivr.simulator import (
    CallOptions,
    Hold,
    LiveCalls,
    MediaServer,
    Press,
    QueueOutcome,
    Silence,
    Speak,
    place_call,
)
from ivr.simulator.call import CallResult
from ivr.simulator.sids import new_sid
from tests.calls.phone import AUTH_TOKEN, prepared_store
from tests.integration.test_dashboard import PASSWORD
from tests.support.browser import headless_chromium, screenshot
from tests.support.live_server import serve_wsgi
from tests.support.twilio_api import TwilioApi

PUBLIC = "https://311.example.gov"
ACCOUNT = "AC" + "3" * 32
WAIT_MS = 30_000
# Press 0 for a person, hold with them; once sent into the address step, say it and confirm.
CALLER = [
    Silence(),
    Press("0"),
    QueueOutcome("bridged"),
    Hold(90),
    Speak("four thirty eight washington street"),
    Press("1"),
    QueueOutcome("bridged"),
]


def test_an_agent_sends_a_holding_caller_into_the_address_step_and_sees_it_come_back(
    tmp_path: Path,
) -> None:
    url = prepared_store(f"sqlite:///{tmp_path / 'voice311.db'}")
    live = LiveCalls()
    twilio = TwilioApi(ACCOUNT, AUTH_TOKEN, on_redirect=live.redirect)
    with serve_wsgi(twilio.app) as api_url:
        settings = Settings(
            recognizer="twilio",  # the caller script speaks words, not audio
            database_url=url,
            public_base_url=PUBLIC,
            twilio_auth_token=AUTH_TOKEN,
            twilio_account_sid=ACCOUNT,
            twilio_api_base_url=api_url,
            operator_queue="staff",
            geocoder_city="Boston",
            geocoder_region="MA",
            map_tile_url="/no-tiles-offline/{z}/{x}/{y}.png",
        )
        app = create_app(settings)
        rt: Runtime = app.extensions["voice311"]
        add_user(rt.sessions, "ann", PASSWORD, "agent", now=utc_now())
        with (
            serve_wsgi(app) as base,
            httpx.Client(timeout=15) as http,
            MediaServer() as media,
            headless_chromium() as browser,
        ):
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            log_in(page, base)
            expect(page.locator("#calls tbody tr.empty")).to_be_visible()

            sid = new_sid("CA")
            twilio.live_call(sid)
            results: list[CallResult] = []
            options = CallOptions(
                voice_url=f"{PUBLIC}/twilio/voice",
                transport_url=f"{base}/twilio/voice",
                auth_token=AUTH_TOKEN,
                account_sid=ACCOUNT,
                status_callback=f"{PUBLIC}/twilio/voice/status",
                pause_pace=0.05,
                agent_url=f"{PUBLIC}/twilio/voice/agent",
            )
            caller = threading.Thread(
                target=lambda: results.append(
                    place_call(http, options, CALLER, media=media, call_sid=sid, live=live)
                )
            )
            caller.start()
            try:
                row = page.locator(f'#calls tr.live[data-call="{sid}"]')
                expect(row).to_be_visible(timeout=WAIT_MS)  # appeared by itself
                assert live.wait_until_holding(sid, 30)
                expect(row).to_contain_text("with staff", timeout=WAIT_MS)
                screenshot(page, "dashboard-calls")

                row.get_by_role("link").click()
                expect(page.locator("#call-status")).to_have_text("in-progress")
                page.locator('button[data-target="ask_location"]').click()
                expect(page.locator(".flash-info")).to_contain_text("on their way")

                spoken = page.locator("#location-spoken")
                expect(spoken).to_contain_text(
                    "four thirty eight Washington Street", timeout=WAIT_MS
                )
                expect(page.locator("#location-address")).to_contain_text("438 Washington Street")
                expect(page.locator("#call-staff")).to_contain_text("back from ask_location (ann)")
                expect(page.locator(".leaflet-marker-icon")).to_be_visible()
                screenshot(page, "dashboard-call")
            finally:
                caller.join(timeout=60)
            assert results, "the simulated call did not end"
            assert not [e for e in errors if "Content Security Policy" in e], errors
        rt.engine.dispose()


def log_in(page: Page, base: str) -> None:
    page.goto(f"{base}/staff/calls")
    expect(page).to_have_url(f"{base}/staff/login?next=/staff/calls")
    page.get_by_label("User name").fill("ann")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{base}/staff/calls")


def test_an_admin_sees_a_flow_drawn_under_the_pages_content_security_policy(
    sqlite_url: str,
) -> None:
    app = create_app(Settings(database_url=sqlite_url))
    rt: Runtime = app.extensions["voice311"]
    add_user(rt.sessions, "ada", PASSWORD, "admin", now=utc_now())
    with serve_wsgi(app) as base, headless_chromium() as browser:
        page = browser.new_page()
        refused: list[str] = []
        page.on(
            "console", lambda m: refused.append(m.text) if "Content Security" in m.text else None
        )
        page.goto(f"{base}/staff/login")
        page.get_by_label("User name").fill("ada")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.get_by_role("link", name="Flows").click()
        page.get_by_role("link", name="bike_rack").click()
        drawn = page.locator("#diagram svg")
        expect(drawn).to_be_visible(timeout=WAIT_MS)
        expect(drawn.locator(".node").first).to_be_visible()
        assert refused == []
    rt.engine.dispose()
