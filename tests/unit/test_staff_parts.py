"""The dashboard's small parts: masking a caller's number, the lock after wrong passwords, the
slow-down per address (of the names it got wrong), the CSP, where a log-in may lead, and how a
call stands with staff."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask, request, session

from ivr.dashboard.accounts import FIRST_LOCK, FREE_FAILURES, LONGEST_LOCK, lock_for
from ivr.dashboard.blueprint import _safe_next
from ivr.dashboard.call_view import mask_number, staff_words
from ivr.dashboard.guard import (
    StaffCookieSessions,
    client_address,
    content_security_policy,
    tile_origin,
)
from ivr.dashboard.login_throttle import AddressThrottle
from ivr.dialog.staff import StaffLink
from ivr.settings import Settings


@pytest.mark.parametrize(
    ("number", "shown"),
    [
        ("+16175550123", "•••••••0123"),
        ("(617) 555-0199", "••••••0199"),
        ("", "—"),
        (None, "—"),
        ("+1234", "hidden"),  # too short to show any of it
    ],
)
def test_a_callers_number_shows_only_its_last_four_digits(number: str | None, shown: str) -> None:
    assert mask_number(number) == shown


def test_the_lock_doubles_after_the_free_failures_up_to_a_limit() -> None:
    assert lock_for(FREE_FAILURES) == FIRST_LOCK
    assert lock_for(FREE_FAILURES + 1) == FIRST_LOCK * 2
    assert lock_for(FREE_FAILURES + 2) == FIRST_LOCK * 4
    assert lock_for(FREE_FAILURES + 40) == LONGEST_LOCK


def test_an_address_over_its_bound_is_refused_only_the_names_it_got_wrong() -> None:
    now = [datetime(2026, 1, 1, tzinfo=UTC)]
    throttle = AddressThrottle(lambda: now[0], max_failures=3, window=timedelta(minutes=10))
    for name in ("mallory", "mallory", "bob"):
        assert throttle.allowed("10.0.0.1", name)
        throttle.failed("10.0.0.1", name)
    assert not throttle.allowed("10.0.0.1", "mallory")
    assert not throttle.allowed("10.0.0.1", "bob")
    assert throttle.allowed("10.0.0.1", "alice")  # behind a proxy: a colleague, not locked out
    assert throttle.allowed("10.0.0.2", "mallory")  # another address
    throttle.failed("10.0.0.1", "alice")
    assert not throttle.allowed("10.0.0.1", "alice")  # one try per name beyond the bound
    now[0] += timedelta(minutes=10, seconds=1)
    assert throttle.allowed("10.0.0.1", "mallory")


def test_under_its_bound_an_address_may_retry_a_name() -> None:
    now = [datetime(2026, 1, 1, tzinfo=UTC)]
    throttle = AddressThrottle(lambda: now[0], max_failures=3, window=timedelta(minutes=10))
    throttle.failed("10.0.0.1", "ann")
    throttle.failed("10.0.0.1", "ann")
    assert throttle.allowed("10.0.0.1", "ann")


def test_failed_log_ins_count_against_the_proxys_client_only_when_the_proxy_is_trusted() -> None:
    app = Flask(__name__)
    environ = {"REMOTE_ADDR": "10.0.0.9"}
    headers = {"X-Forwarded-For": "203.0.113.5, 198.51.100.7"}
    with app.test_request_context(headers=headers, environ_base=environ):
        assert client_address(request, Settings(trust_proxy_headers=True)) == "198.51.100.7"
        assert client_address(request, Settings()) == "10.0.0.9"
    with app.test_request_context(environ_base=environ):
        assert client_address(request, Settings(trust_proxy_headers=True)) == "10.0.0.9"


def test_scripts_only_from_the_gateway_and_tiles_from_the_map_server() -> None:
    policy = content_security_policy(Settings())
    assert "script-src 'self';" in policy
    assert "img-src 'self' data: https://tile.openstreetmap.org;" in policy
    assert "'unsafe-inline'" not in policy
    assert "style-src 'self' 'unsafe-inline'" in content_security_policy(
        Settings(), inline_styles=True
    )
    assert tile_origin("https://{s}.tile.example.org/{z}/{x}/{y}.png") == (
        "https://*.tile.example.org"
    )
    assert tile_origin("/tiles/{z}/{x}/{y}.png") == ""


@pytest.mark.parametrize(
    ("asked", "goes"),
    [
        ("/staff/outbox", "/staff/outbox"),
        ("/staff/calls/CA1", "/staff/calls/CA1"),
        ("//evil.example/staff/", ""),
        ("https://evil.example/staff/", ""),
        ("/open311/v2/requests.json", ""),
        ("/staff/\\evil", ""),
    ],
)
def test_after_log_in_only_a_dashboard_page(asked: str, goes: str) -> None:
    assert _safe_next(asked) == goes


def test_how_a_call_stands_with_staff_in_words() -> None:
    assert staff_words(None) == ""
    assert staff_words(StaffLink(status="with staff")) == "with staff"
    sent = StaffLink(status="in flow", agent="ann", target="ask_location")
    assert staff_words(sent) == "in flow: ask_location (ann)"
    back = StaffLink(status="with staff", agent="ann", target="ask_location", part_done=True)
    assert staff_words(back) == "with staff, back from ask_location (ann)"


def test_a_request_without_the_staff_cookie_gets_an_empty_session_and_sets_none() -> None:
    app = Flask("sessions")
    app.config.update(SECRET_KEY="k" * 32, SESSION_COOKIE_NAME="voice311_staff")
    sessions = StaffCookieSessions()
    app.session_interface = sessions
    signers: list[object] = []
    real = sessions.get_signing_serializer

    def counted(app: Flask) -> Any:
        signers.append(app)
        return real(app)

    sessions.get_signing_serializer = counted  # type: ignore[method-assign]

    @app.post("/twilio/voice")
    def webhook() -> str:
        return "<Response/>"

    @app.post("/log-in")
    def log_in() -> str:
        session["staff_session"] = "token"
        return "in"

    @app.get("/page")
    def page() -> str:
        return str(session.get("staff_session"))

    client = app.test_client()
    answer = client.post("/twilio/voice")
    assert "Set-Cookie" not in answer.headers and signers == []  # no cookie, no signer
    assert "voice311_staff=" in client.post("/log-in").headers["Set-Cookie"]
    assert client.get("/page").text == "token"  # a signed cookie is read as Flask reads it
    client.delete_cookie("voice311_staff")
    assert client.get("/page").text == "None"
