"""A step's SQLite write transaction asks for the write lock again and again while another
connection holds it (``driver.begin_immediate``), then leaves the busy timeout as it was."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
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


@contextmanager
def lock_held_by_another(engine: Engine, seconds: float | None) -> Iterator[None]:
    """Another connection takes the write lock and lets it go after ``seconds`` (None: at
    the end of the block)."""
    taken, release = threading.Event(), threading.Event()

    def hold() -> None:
        with engine.connect() as other:
            driver.run_sql(other, "BEGIN IMMEDIATE")
            taken.set()
            release.wait(10 if seconds is None else seconds)
            driver.rollback(other)

    holder = threading.Thread(target=hold)
    holder.start()
    assert taken.wait(5)
    try:
        yield
    finally:
        release.set()
        holder.join(5)


def busy_timeout(connection: Connection) -> int:
    return int(connection.exec_driver_sql("PRAGMA busy_timeout").scalar_one())


def test_the_lock_is_taken_once_the_other_connection_lets_it_go(engine: Engine) -> None:
    with lock_held_by_another(engine, 0.02), engine.connect() as connection:  # within the polling
        driver.begin_immediate(connection, SQLITE_BUSY_SECONDS)
        driver.run_sql(connection, "INSERT INTO t VALUES (1)")
        driver.commit(connection)
        assert busy_timeout(connection) == SQLITE_BUSY_SECONDS * 1000
        assert connection.exec_driver_sql("SELECT count(*) FROM t").scalar_one() == 1


def test_past_the_polling_sqlites_own_handler_waits_on(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(driver, "LOCK_POLLING_SECONDS", 0.01)
    # Let go after the polling, within the busy timeout.
    with lock_held_by_another(engine, 0.1), engine.connect() as connection:
        driver.begin_immediate(connection, SQLITE_BUSY_SECONDS)
        driver.rollback(connection)
        assert busy_timeout(connection) == SQLITE_BUSY_SECONDS * 1000


def test_a_lock_never_let_go_fails_after_the_busy_timeout_restored(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(driver, "LOCK_POLLING_SECONDS", 0.01)
    with lock_held_by_another(engine, None), engine.connect() as connection:
        with pytest.raises(OperationalError, match="database is locked"):
            driver.begin_immediate(connection, 0.05)
        assert busy_timeout(connection) == 50
