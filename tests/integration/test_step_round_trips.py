"""How many times a call step waits for PostgreSQL, counted in libpq's own trace of the
messages it sends, and the pool's ping of a connection that sat idle (ivr/store/db.py,
ivr/webhooks/calls.py): a step that changes only the call's state is the read and the write,
in autocommit; a step with more to write is one transaction; a connection back in the pool
a moment ago is handed out without a ping, one idle longer is pinged, and replaced when the
server has dropped it; a read alone is one round trip, and so is a job loop's look that finds
nothing due (ivr/jobs/runner.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import pq
from sqlalchemy import Engine, event, text
from sqlalchemy.orm import Session, sessionmaker

from flows.loader import flow_from_document
from ivr.clock import utc_now
from ivr.dialog.actions import Job
from ivr.dialog.context import DialogContext
from ivr.dialog.events import Event
from ivr.dialog.flow_library import load_flow_library
from ivr.jobs.queue import add_jobs
from ivr.jobs.runner import claim_job
from ivr.settings import Settings
from ivr.store import db
from ivr.store.db import make_engine, make_sessionmaker, upgrade
from ivr.webhooks.calls import CallDesk
from tests.support.databases import fresh_database
from tests.support.note_flow import note_flow

pytestmark = pytest.mark.postgres

FLOW = note_flow(attempts=3)


class Trace:
    """libpq's trace of every connection the pool hands out: the messages sent to the
    server. A round trip ends with a simple ``Query`` or an extended query's ``Sync``."""

    def __init__(self, engine: Engine, folder: Path) -> None:
        self._file = (folder / "libpq-trace.txt").open("w+")
        event.listen(engine, "checkout", self._checked_out)

    def _checked_out(self, dbapi_connection: Any, *_: object) -> None:
        pgconn = dbapi_connection.pgconn
        pgconn.trace(self._file.fileno())
        pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE)

    def sent(self) -> list[str]:
        """What was sent since the last call, in order: "Sync", or a simple query's first word
        ("BEGIN", "COMMIT")."""
        self._file.flush()
        self._file.seek(0)
        lines = self._file.read().splitlines()
        self._file.seek(0)
        self._file.truncate()
        sent = []
        for line in lines:
            parts = line.split("\t")
            if len(parts) >= 3 and parts[0] == "F" and parts[2] in ("Query", "Sync"):
                sent.append(parts[2] if parts[2] == "Sync" else parts[-1].strip(' "').split()[0])
        return sent


@pytest.fixture
def postgres_sessions(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    with fresh_database("postgres", tmp_path) as url:
        upgrade(url)
        engine = make_engine(url)
        try:
            yield make_sessionmaker(engine)
        finally:
            engine.dispose()


def desk_of(sessions: sessionmaker[Session]) -> CallDesk:
    library = load_flow_library(Settings())
    flow = flow_from_document(FLOW, "test")
    return CallDesk(sessions, flow, DialogContext(catalogues=library.catalogues))


def test_a_step_that_changes_only_the_state_is_two_round_trips(
    postgres_sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    engine: Engine = postgres_sessions.kw["bind"]
    desk = desk_of(postgres_sessions)
    desk.advance("CA1", Event.start())  # the pool's connection is made (and pinged, once)
    trace = Trace(engine, tmp_path)

    asked = desk.advance("CA1", Event.no_input(step=1))  # asked again: the state alone
    sent = trace.sent()
    ended = desk.advance("CA1", Event.no_input(step=2))  # asked again
    desk.advance("CA1", Event.no_input(step=3))  # the last attempt: goodbye, the call ends
    ending = trace.sent()

    assert asked.known and ended.known
    assert sent == ["Sync", "Sync"]  # the read, the write: no ping, no BEGIN, no COMMIT
    assert ending[:2] == ["Sync", "Sync"]  # asked again: the same
    # The step that ends the call: the read, then its state and the call's end written in
    # one transaction (the state, whether a report was filed, the end).
    assert ending[2:] == ["Sync", "BEGIN", "Sync", "Sync", "Sync", "COMMIT"]
    with engine.connect() as connection:
        status = connection.execute(text("SELECT status FROM calls WHERE call_sid = 'CA1'"))
        assert status.scalar() == "ended"


def test_a_read_alone_is_one_round_trip(
    postgres_sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    """The reads a caller's webhook waits on: the reference number's (asked every second
    while the report is filed) and a hold's (whether the call still waits on a job)."""
    engine: Engine = postgres_sessions.kw["bind"]
    desk = desk_of(postgres_sessions)
    desk.advance("CA4", Event.start())
    trace = Trace(engine, tmp_path)

    ending = desk.ending("CA4")
    read_ending = trace.sent()
    awaiting = desk.still_awaiting(frozenset({"CA4"}))
    read_awaiting = trace.sent()

    assert ending is not None and ending.delivery is None  # no report filed
    assert awaiting == set()
    assert read_ending == ["Sync"]  # no BEGIN before it, no ROLLBACK after
    assert read_awaiting == ["Sync"]


def test_a_job_loop_that_finds_nothing_due_makes_one_round_trip(
    postgres_sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    """The job loops look after every job and every few tenths of a second when idle (the
    recognition workers ten times a second each): a look that finds nothing is one read,
    not the claim's BEGIN, locking read and COMMIT."""
    engine: Engine = postgres_sessions.kw["bind"]
    claim_job(postgres_sessions, now=utc_now())  # the pool's first connection, pinged once
    trace = Trace(engine, tmp_path)

    assert claim_job(postgres_sessions, now=utc_now()) is None
    looked = trace.sent()
    with engine.begin() as connection:
        add_jobs(connection, [Job("find_duplicates", "dup", 1)], call_sid="CA5", now=utc_now())
    trace.sent()
    claimed = claim_job(postgres_sessions, now=utc_now())
    took = trace.sent()

    assert looked == ["Sync"]
    assert claimed is not None and claimed.name == "find_duplicates"
    assert took[0] == "Sync" and "BEGIN" in took and took[-1] == "COMMIT"


def test_a_connection_back_in_the_pool_a_moment_ago_is_not_pinged(
    postgres_sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    engine: Engine = postgres_sessions.kw["bind"]
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    trace = Trace(engine, tmp_path)
    with engine.connect():
        pass
    assert trace.sent() == []


def drop_the_pools_connections(engine: Engine) -> set[int]:
    """The server ends the backend of the pool's connection (a restart, a firewall's
    timeout); its process id."""
    with engine.connect() as connection:
        pids = {int(connection.exec_driver_sql("SELECT pg_backend_pid()").scalar() or 0)}
        connection.rollback()
    admin = psycopg.connect(
        engine.url.set(drivername="postgresql").render_as_string(hide_password=False),
        autocommit=True,
    )
    with admin:
        for pid in pids:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    return pids


def backend_now(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.exec_driver_sql("SELECT pg_backend_pid()").scalar() or 0)


def test_a_connection_idle_longer_is_pinged_and_replaced_when_the_server_dropped_it(
    postgres_sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    engine: Engine = postgres_sessions.kw["bind"]
    desk = desk_of(postgres_sessions)
    desk.advance("CA2", Event.start())
    dropped = drop_the_pools_connections(engine)
    monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 0.0)  # every connection idle "long"

    answer = desk.advance("CA2", Event.no_input(step=1))

    assert answer.known and answer.actions  # asked again, on a new connection
    assert backend_now(engine) not in dropped


def test_a_step_on_a_connection_dropped_a_moment_ago_reads_again_on_a_new_one(
    postgres_sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not pinged (back in the pool less than the idle time ago), the connection fails the
    step's first statement, its read, with nothing done: the step reads again."""
    engine: Engine = postgres_sessions.kw["bind"]
    desk = desk_of(postgres_sessions)
    desk.advance("CA3", Event.start())
    dropped = drop_the_pools_connections(engine)
    monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 3600.0)  # no connection pinged

    answer = desk.advance("CA3", Event.no_input(step=1))

    assert answer.known and answer.actions
    state = desk.state("CA3")
    assert state is not None and state.step == 2  # the step was written, once
    assert backend_now(engine) not in dropped
