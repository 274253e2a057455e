"""Staff sessions kept in the store, over real HTTP on SQLite and PostgreSQL: a log-out ends the
session for good (its cookie opens nothing, its form token sends nothing), `ivr staff disable`
and `ivr staff logout` end a live session, and wrong passwords for one name at an address do
not lock a colleague at the same address out."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ivr.app import create_app
from ivr.cli import main
from ivr.clock import utc_now
from ivr.dashboard.accounts import FREE_FAILURES, add_user
from ivr.outbox.queue import PARKED, Report, enqueue
from ivr.settings import Settings
from ivr.store.call_tables import OutboxRecord
from ivr.store.staff_tables import StaffSessionRecord
from tests.integration.test_dashboard import PASSWORD, csrf_of, log_in, on_login_page
from tests.support.live_server import serve_wsgi

COOKIE = "voice311_staff"


@dataclass
class Door:
    app: Flask
    base: str
    url: str

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.base, timeout=10)

    @property
    def sessions(self) -> sessionmaker[Session]:
        return self.app.extensions["voice311"].sessions  # type: ignore[no-any-return]


@pytest.fixture
def door(migrated_url: str) -> Iterator[Door]:
    """A live gateway on each backend with an agent (agnes), an admin (ada) and alice."""
    app = create_app(Settings(database_url=migrated_url, secret_key="s" * 64))
    sessions = app.extensions["voice311"].sessions
    add_user(sessions, "agnes", PASSWORD, "agent", now=utc_now())
    add_user(sessions, "ada", PASSWORD, "admin", now=utc_now())
    add_user(sessions, "alice", PASSWORD, "agent", now=utc_now())
    with serve_wsgi(app) as base:
        yield Door(app, base, migrated_url)
    app.extensions["voice311"].engine.dispose()


def parked_row(door: Door) -> int:
    with door.sessions() as session, session.begin():
        report = Report(
            service_code="21",
            attributes={},
            lat=42.348328,
            long=-71.157438,
            address_string="438 Washington Street, Boston, MA 02135",
            description="parked by a refusal",
        )
        queued = enqueue(session.connection(), report, now=utc_now())
        row = session.get(OutboxRecord, queued.outbox_id)
        assert row is not None
        row.status = PARKED
        row.last_error = "400: the city refused it"
        return row.id


def outbox_state(door: Door, row_id: int) -> tuple[str, object]:
    with door.sessions() as session:
        row = session.get(OutboxRecord, row_id)
        assert row is not None
        return row.status, row.next_attempt_at


def test_a_logged_out_cookie_opens_no_page_and_its_form_token_sends_nothing(door: Door) -> None:
    parked = parked_row(door)
    before = outbox_state(door, parked)
    with door.client() as http:
        assert log_in(http, door.base, "ada").status_code == 302
        page = http.get("/staff/outbox")
        assert page.status_code == 200
        old_cookie, old_token = http.cookies[COOKIE], csrf_of(page)
        assert on_login_page(http.post("/staff/logout", data={"csrf_token": old_token}))
    with door.client() as replay:  # someone kept the cookie and the page
        replay.cookies.set(COOKIE, old_cookie, domain="127.0.0.1")
        assert on_login_page(replay.get("/staff/outbox"))
        replay.cookies.set(COOKIE, old_cookie, domain="127.0.0.1")
        sent = replay.post(f"/staff/outbox/{parked}/retry", data={"csrf_token": old_token})
        assert on_login_page(sent)
    assert before[0] == PARKED
    assert outbox_state(door, parked) == before  # not made due, not sent


def test_the_store_keeps_only_a_hash_of_the_cookies_token(door: Door) -> None:
    with door.client() as http:
        assert log_in(http, door.base, "agnes").status_code == 302
        serializer = door.app.session_interface.get_signing_serializer(door.app)  # type: ignore[attr-defined]
        token = serializer.loads(http.cookies[COOKIE])["staff_session"]
    with door.sessions() as session:
        stored = session.scalars(select(StaffSessionRecord.token_hash)).all()
    assert stored == [hashlib.sha256(token.encode()).hexdigest()]


def test_a_new_log_in_ends_the_session_the_browser_had(door: Door) -> None:
    with door.client() as http:
        assert log_in(http, door.base, "agnes").status_code == 302
        agnes_cookie = http.cookies[COOKIE]
        assert log_in(http, door.base, "ada").status_code == 302
        assert "ada (admin)" in http.get("/staff/calls").text
    with door.client() as replay:
        replay.cookies.set(COOKIE, agnes_cookie, domain="127.0.0.1")
        assert on_login_page(replay.get("/staff/calls"))


def test_disabling_an_account_from_the_command_line_ends_its_live_session(door: Door) -> None:
    runner = CliRunner()
    env = {"IVR_DATABASE_URL": door.url}
    with door.client() as http:
        assert log_in(http, door.base, "agnes").status_code == 302
        assert http.get("/staff/calls").status_code == 200
        disabled = runner.invoke(main, ["staff", "disable", "agnes"], env=env)
        assert disabled.exit_code == 0, disabled.output
        assert on_login_page(http.get("/staff/calls"))
        assert log_in(http, door.base, "agnes").status_code == 401
        assert runner.invoke(main, ["staff", "enable", "agnes"], env=env).exit_code == 0
    with door.client() as http:  # enabled again: a new log-in works
        assert log_in(http, door.base, "agnes").status_code == 302
        assert http.get("/staff/calls").status_code == 200


def test_staff_logout_from_the_command_line_ends_every_session_of_an_account(door: Door) -> None:
    runner = CliRunner()
    env = {"IVR_DATABASE_URL": door.url}
    with door.client() as desk, door.client() as laptop, door.client() as colleague:
        for http, name in ((desk, "ada"), (laptop, "ada"), (colleague, "agnes")):
            assert log_in(http, door.base, name).status_code == 302
        listed = runner.invoke(main, ["staff", "sessions"], env=env)
        assert listed.exit_code == 0
        assert listed.output.count("ada ") == 2 and listed.output.count("agnes ") == 1
        ended = runner.invoke(main, ["staff", "logout", "ada"], env=env)
        assert ended.exit_code == 0 and "ada: 2 sessions ended" in ended.output
        assert on_login_page(desk.get("/staff/calls"))
        assert on_login_page(laptop.get("/staff/calls"))
        assert colleague.get("/staff/calls").status_code == 200
    missing = runner.invoke(main, ["staff", "logout", "nobody"], env=env)
    assert missing.exit_code != 0 and "no staff user 'nobody'" in missing.output


def test_wrong_passwords_for_one_name_do_not_lock_out_a_colleague_at_the_same_address(
    door: Door,
) -> None:
    with door.client() as http:  # every request comes from 127.0.0.1, as behind a proxy
        for _ in range(25):
            assert log_in(http, door.base, "mallory", "guess guess guess").status_code != 302
        assert log_in(http, door.base, "alice").status_code == 302
        assert http.get("/staff/calls").status_code == 200


def test_the_lock_of_one_account_still_holds_and_spares_the_others(door: Door) -> None:
    with door.client() as http:
        for _ in range(FREE_FAILURES):
            assert log_in(http, door.base, "alice", "guess guess guess").status_code == 401
        locked = log_in(http, door.base, "alice")  # even the right password, for now
        assert locked.status_code == 429 and "Too many failed log-ins" in locked.text
        assert log_in(http, door.base, "agnes").status_code == 302
