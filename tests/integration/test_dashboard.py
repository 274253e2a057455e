"""The staff dashboard's door, over real HTTP on a live server: log-in, roles, CSRF, session
limits and the slow-down of guessing. (The pages themselves: test_dashboard_pages.py.)"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import timedelta

import httpx
import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ivr.app import create_app
from ivr.clock import utc_now
from ivr.dashboard import accounts
from ivr.dashboard.accounts import add_user, set_disabled
from ivr.dashboard.login_throttle import AddressThrottle
from ivr.dashboard.staff_sessions import SessionLimits, aware, live_session, open_session
from ivr.settings import Settings
from ivr.store.db import make_engine, make_sessionmaker
from ivr.store.staff_tables import StaffSessionRecord
from tests.support.live_server import serve_wsgi

PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(page: httpx.Response) -> str:
    found = CSRF.search(page.text)
    assert found, "no CSRF token in the page"
    return found.group(1)


def log_in(
    http: httpx.Client, base: str, username: str, password: str = PASSWORD
) -> httpx.Response:
    """Fill in the log-in form as a browser would (the token comes from the form's page)."""
    token = csrf_of(http.get(f"{base}/staff/login"))
    form = {"csrf_token": token, "username": username, "password": password}
    return http.post(f"{base}/staff/login", data=form)


@dataclass
class Door:
    app: Flask
    base: str
    settings: Settings

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.base, timeout=10)

    @property
    def sessions(self) -> sessionmaker[Session]:
        return self.app.extensions["voice311"].sessions  # type: ignore[no-any-return]


@pytest.fixture
def door(sqlite_url: str) -> Iterator[Door]:
    settings = Settings(database_url=sqlite_url, secret_key="s" * 64)
    app = create_app(settings)
    sessions = app.extensions["voice311"].sessions
    add_user(sessions, "agnes", PASSWORD, "agent", now=utc_now())
    add_user(sessions, "ada", PASSWORD, "admin", now=utc_now())
    with serve_wsgi(app) as base:
        yield Door(app, base, settings)
    app.extensions["voice311"].engine.dispose()


def on_login_page(response: httpx.Response) -> bool:
    return response.status_code == 302 and "/staff/login" in response.headers["location"]


def test_every_page_needs_a_log_in(door: Door) -> None:
    with door.client() as http:
        for path in ("/staff/calls", "/staff/calls/CA1", "/staff/outbox", "/staff/flows"):
            assert on_login_page(http.get(path)), path
        assert http.get("/staff/calls.json").status_code == 401
        assert http.get("/staff/calls/CA1/live").status_code == 401
        page = http.get("/staff/login")
        assert page.status_code == 200
        assert "script-src 'self'" in page.headers["content-security-policy"]
        cookie = page.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie
        assert "secure" not in cookie  # the gateway is not on https here


def test_the_right_password_opens_the_calls_and_a_wrong_one_does_not(door: Door) -> None:
    with door.client() as http:
        refused = log_in(http, door.base, "agnes", "correct horse battery?")
        assert refused.status_code == 401
        assert "Wrong user name or password." in refused.text
        assert on_login_page(http.get("/staff/calls"))
        assert log_in(http, door.base, "nobody").status_code == 401

        welcomed = log_in(http, door.base, "agnes")
        assert welcomed.status_code == 302 and welcomed.headers["location"] == "/staff/calls"
        calls = http.get("/staff/calls")
        assert calls.status_code == 200 and "agnes (agent)" in calls.text


def test_log_in_returns_to_the_page_asked_for_but_never_to_another_site(door: Door) -> None:
    with door.client() as http:
        token = csrf_of(http.get("/staff/login"))
        form = {"csrf_token": token, "username": "ada", "password": PASSWORD}
        going = http.post("/staff/login", data={**form, "next": "/staff/outbox"})
        assert going.headers["location"] == "/staff/outbox"
    with door.client() as http:
        token = csrf_of(http.get("/staff/login"))
        form = {"csrf_token": token, "username": "ada", "password": PASSWORD}
        going = http.post("/staff/login", data={**form, "next": "//evil.example/staff/"})
        assert going.headers["location"] == "/staff/calls"


def test_a_disabled_account_cannot_log_in_and_its_open_session_ends(door: Door) -> None:
    sessions = door.app.extensions["voice311"].sessions
    with door.client() as http:
        assert log_in(http, door.base, "agnes").status_code == 302
        assert http.get("/staff/calls").status_code == 200
        set_disabled(sessions, "agnes", True)
        assert on_login_page(http.get("/staff/calls"))
        refused = log_in(http, door.base, "agnes")
        assert refused.status_code == 401 and "Wrong user name or password." in refused.text


def test_a_post_without_the_csrf_token_is_refused(door: Door) -> None:
    with door.client() as http:
        page = http.get("/staff/login")
        no_token = http.post("/staff/login", data={"username": "ada", "password": PASSWORD})
        assert no_token.status_code == 400
        wrong = {"username": "ada", "password": PASSWORD, "csrf_token": csrf_of(page) + "x"}
        assert http.post("/staff/login", data=wrong).status_code == 400
        assert on_login_page(http.get("/staff/calls"))

        assert log_in(http, door.base, "ada").status_code == 302
        assert http.post("/staff/outbox/1/retry").status_code == 400
        assert http.post("/staff/logout").status_code == 400
        assert http.get("/staff/calls").status_code == 200  # still logged in
        token = csrf_of(http.get("/staff/calls"))
        assert on_login_page(http.post("/staff/logout", data={"csrf_token": token}))
        assert on_login_page(http.get("/staff/calls"))


def test_an_agent_works_calls_and_an_admin_also_the_outbox_and_flows(door: Door) -> None:
    with door.client() as agent:
        log_in(agent, door.base, "agnes")
        calls = agent.get("/staff/calls")
        assert "/staff/outbox" not in calls.text and "/staff/flows" not in calls.text
        assert agent.get("/staff/outbox").status_code == 403
        assert agent.get("/staff/flows").status_code == 403
        assert agent.get("/staff/flows/intake").status_code == 403
        token = csrf_of(calls)
        assert agent.post("/staff/outbox/1/retry", data={"csrf_token": token}).status_code == 403
    with door.client() as admin:
        log_in(admin, door.base, "ada")
        calls = admin.get("/staff/calls")
        assert "/staff/outbox" in calls.text and "/staff/flows" in calls.text
        assert admin.get("/staff/outbox").status_code == 200
        flows = admin.get("/staff/flows")
        assert flows.status_code == 200 and "intake" in flows.text


def age_session(door: Door, *, logged_in_ago: timedelta, seen_ago: timedelta) -> None:
    """Make the one open session look as if it began and was last used that long ago."""
    now = utc_now()
    limit = timedelta(hours=door.settings.staff_session_hours)
    with door.sessions() as session, session.begin():
        row = session.scalars(select(StaffSessionRecord)).one()
        row.created_at = now - logged_in_ago
        row.expires_at = now - logged_in_ago + limit
        row.last_seen_at = now - seen_ago


def last_seen_ago(door: Door) -> timedelta:
    with door.sessions() as session:
        row = session.scalars(select(StaffSessionRecord)).one()
        return utc_now() - aware(row.last_seen_at)


@pytest.mark.parametrize(
    ("logged_in_ago", "seen_ago", "open"),
    [
        (timedelta(hours=2), timedelta(minutes=29), True),
        (timedelta(hours=2), timedelta(minutes=31), False),  # idle for longer than 30 minutes
        (timedelta(hours=9, minutes=59), timedelta(minutes=1), True),
        (timedelta(hours=10, minutes=1), timedelta(minutes=1), False),  # past the 10 hours
    ],
)
def test_a_session_ends_when_idle_too_long_or_too_old(
    door: Door, logged_in_ago: timedelta, seen_ago: timedelta, open: bool
) -> None:
    with door.client() as http:
        assert log_in(http, door.base, "agnes").status_code == 302
        age_session(door, logged_in_ago=logged_in_ago, seen_ago=seen_ago)
        page = http.get("/staff/calls")
        assert (page.status_code == 200) is open
        assert on_login_page(page) is not open


def test_a_page_refreshing_itself_does_not_keep_an_idle_session_alive(door: Door) -> None:
    with door.client() as http:
        assert log_in(http, door.base, "agnes").status_code == 302
        age_session(door, logged_in_ago=timedelta(hours=1), seen_ago=timedelta(minutes=29))
        assert http.get("/staff/calls.json").status_code == 200
        # the refresh did not count as activity: the store still says 29 minutes ago
        assert last_seen_ago(door) > timedelta(minutes=28)
        assert http.get("/staff/calls").status_code == 200  # a page asked for by a person
        assert last_seen_ago(door) < timedelta(minutes=1)


def test_the_session_cookie_is_secure_behind_https(sqlite_url: str) -> None:
    app = create_app(Settings(database_url=sqlite_url, public_base_url="https://311.example.gov"))
    with serve_wsgi(app) as base, httpx.Client(base_url=base) as http:
        assert "secure" in http.get("/staff/login").headers["set-cookie"].lower()
    app.extensions["voice311"].engine.dispose()


def test_an_account_is_locked_after_five_wrong_passwords_in_a_row(door: Door) -> None:
    with door.client() as http:
        for _ in range(accounts.FREE_FAILURES):
            assert log_in(http, door.base, "agnes", "guess guess guess").status_code == 401
        locked = log_in(http, door.base, "agnes")  # even the right password, for now
        assert locked.status_code == 429 and "Too many failed log-ins" in locked.text
        assert on_login_page(http.get("/staff/calls"))
        assert log_in(http, door.base, "ada").status_code == 302  # other accounts are not


def test_a_name_with_no_account_answers_as_an_account_would(door: Door) -> None:
    """A guesser trying a name six times sees the same answers whether an account has it or
    not: 401 five times, then the lock (which would otherwise tell the names that exist)."""
    with door.client() as http:
        answers = {
            name: [
                log_in(http, door.base, name, "guess guess guess").status_code
                for _ in range(accounts.FREE_FAILURES + 1)
            ]
            for name in ("agnes", "nobody-here")
        }
    assert answers["agnes"] == answers["nobody-here"] == [401] * accounts.FREE_FAILURES + [429]


def test_an_address_guessing_many_names_is_refused_those_names_only(door: Door) -> None:
    rt = door.app.extensions["voice311"]
    rt.__dict__["staff"] = replace(rt.staff, throttle=AddressThrottle(rt.clock, max_failures=20))
    with door.client() as http:
        for n in range(20):
            assert log_in(http, door.base, f"name{n}", "guess guess guess").status_code == 401
        refused = log_in(http, door.base, "name3", "guess guess guess")
        assert refused.status_code == 429 and "Too many failed log-ins" in refused.text
        assert log_in(http, door.base, "ada").status_code == 302  # a name not guessed at


def test_accounts_in_the_store(migrated_url: str) -> None:
    engine = make_engine(migrated_url)
    sessions = make_sessionmaker(engine)
    now = utc_now()
    user = add_user(sessions, "ada", PASSWORD, "admin", now=now)
    assert user.is_admin and not user.disabled
    with pytest.raises(accounts.AccountError, match="username: 'ada' is taken"):
        add_user(sessions, "ada", PASSWORD, "agent", now=now)
    with pytest.raises(accounts.AccountError, match="role"):
        add_user(sessions, "bob", PASSWORD, "boss", now=now)
    with pytest.raises(accounts.AccountError, match="password"):
        add_user(sessions, "bob", "short", "agent", now=now)
    assert accounts.log_in(sessions, "ada", "nope nope nope", now=now).user is None
    good = accounts.log_in(sessions, "ada", PASSWORD, now=now).user
    assert good is not None and good.last_login_at is not None
    for _ in range(accounts.FREE_FAILURES):
        accounts.log_in(sessions, "ada", "nope nope nope", now=now)
    assert accounts.log_in(sessions, "ada", PASSWORD, now=now).locked
    later = now + accounts.FIRST_LOCK + timedelta(seconds=1)
    assert accounts.log_in(sessions, "ada", PASSWORD, now=later).user is not None
    set_disabled(sessions, "ada", True)
    assert accounts.log_in(sessions, "ada", PASSWORD, now=later).user is None
    assert accounts.active_user(sessions, good.id) is None
    engine.dispose()


def test_staff_accounts_from_the_command_line(sqlite_url: str) -> None:
    from click.testing import CliRunner

    from ivr.cli import main

    runner = CliRunner()
    env = {"IVR_DATABASE_URL": sqlite_url, "IVR_STAFF_PASSWORD": PASSWORD}
    added = runner.invoke(main, ["staff", "add", "ada", "--role", "admin"], env=env)
    assert added.exit_code == 0 and "added ada (admin)" in added.output
    prompted = runner.invoke(
        main,
        ["staff", "add", "agnes"],
        env={"IVR_DATABASE_URL": sqlite_url},
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert prompted.exit_code == 0 and "added agnes (agent)" in prompted.output
    again = runner.invoke(main, ["staff", "add", "ada"], env=env)
    assert again.exit_code != 0 and "username: 'ada' is taken" in again.output
    assert runner.invoke(main, ["staff", "disable", "agnes"], env=env).exit_code == 0
    listed = runner.invoke(main, ["staff", "list"], env=env).output
    assert re.search(r"ada\s+admin\s+active\s+never", listed)
    assert re.search(r"agnes\s+agent\s+disabled", listed)
    assert PASSWORD not in listed
    missing = runner.invoke(main, ["staff", "disable", "nobody"], env=env)
    assert missing.exit_code != 0 and "no staff user 'nobody'" in missing.output


def test_a_short_idle_limit_keeps_a_busy_agent_logged_in(sqlite_url: str) -> None:
    # IVR_STAFF_SESSION_MINUTES=1: an agent opening a page every 45 s is never idle that long
    engine = make_engine(sqlite_url)
    sessions = make_sessionmaker(engine)
    user = add_user(sessions, "agnes", PASSWORD, "agent", now=utc_now())
    limits = SessionLimits(idle=timedelta(minutes=1), absolute=timedelta(hours=10))
    start = utc_now()
    token = open_session(sessions, user.id, limits, start)
    for seconds in range(45, 600, 45):
        now = start + timedelta(seconds=seconds)
        assert live_session(sessions, token, limits, now, active=True), f"out after {seconds} s"
    later = start + timedelta(seconds=585) + limits.idle + timedelta(seconds=1)
    assert live_session(sessions, token, limits, later, active=True) is None
    engine.dispose()
