"""A step's SQLite write transaction asks for the write lock again and again while another
connection holds it (``driver.begin_immediate``), then leaves the busy timeout as it was."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import OperationalError

from ivr.store import driver
from ivr.store.db import SQLITE_BUSY_SECONDS, make_engine


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'lock.db'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (n INTEGER)"))
    yield engine
    engine.dispose()


def held_by_another(engine: Engine, release: threading.Event) -> threading.Thread:
    """Another connection takes the write lock and keeps it until ``release`` is set."""
    taken = threading.Event()

    def hold() -> None:
        with engine.connect() as other:
            driver.run_sql(other, "BEGIN IMMEDIATE")
            taken.set()
            release.wait(10)
            driver.rollback(other)

    thread = threading.Thread(target=hold)
    thread.start()
    assert taken.wait(5)
    return thread


def busy_timeout(connection: Connection) -> int:
    return int(connection.exec_driver_sql("PRAGMA busy_timeout").scalar_one())


def test_the_lock_is_taken_once_the_other_connection_lets_it_go(engine: Engine) -> None:
    release = threading.Event()
    holder = held_by_another(engine, release)
    threading.Timer(0.02, release.set).start()  # within the polling
    with engine.connect() as connection:
        driver.begin_immediate(connection, SQLITE_BUSY_SECONDS)
        driver.run_sql(connection, "INSERT INTO t VALUES (1)")
        driver.commit(connection)
        assert busy_timeout(connection) == SQLITE_BUSY_SECONDS * 1000
        assert connection.exec_driver_sql("SELECT count(*) FROM t").scalar_one() == 1
    holder.join(5)


def test_past_the_polling_sqlites_own_handler_waits_on(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(driver, "LOCK_POLLING_SECONDS", 0.01)
    release = threading.Event()
    holder = held_by_another(engine, release)
    threading.Timer(0.1, release.set).start()  # after the polling, within the busy timeout
    with engine.connect() as connection:
        driver.begin_immediate(connection, SQLITE_BUSY_SECONDS)
        driver.rollback(connection)
        assert busy_timeout(connection) == SQLITE_BUSY_SECONDS * 1000
    holder.join(5)


def test_a_lock_never_let_go_fails_after_the_busy_timeout_restored(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(driver, "LOCK_POLLING_SECONDS", 0.01)
    release = threading.Event()
    holder = held_by_another(engine, release)
    try:
        with engine.connect() as connection:
            with pytest.raises(OperationalError, match="database is locked"):
                driver.begin_immediate(connection, 0.05)
            assert busy_timeout(connection) == 50
    finally:
        release.set()
        holder.join(5)
