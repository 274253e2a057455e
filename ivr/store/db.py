"""Engines, sessions and migrations of the store.

SQLite is the embedded default (a file under the working directory); PostgreSQL is chosen by
``IVR_DATABASE_URL``. Both run the same Alembic migrations, which ship inside the package.

Durability (docs/serving.md, "What waits for the disk"): a write the gateway tells someone
about (a caller's report taken, a request filed on the embedded endpoint) is on the disk before
they are told, on both databases, and an outbox attempt is before its POST. The call's steps in
between, and on SQLite every other write, survive a crash of the gateway's processes at once but
a power cut only after a fraction of a second (PostgreSQL's ``synchronous_commit = off``) or
the next checkpoint (SQLite's ``synchronous = NORMAL`` in WAL mode): a call the power cut ends
loses at most its last steps, never a report it was told was taken.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.script.revision import RevisionError
from alembic.util.exc import CommandError
from sqlalchemy import Connection, create_engine, event, exc, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# How long a SQLite statement waits for another connection's write lock before it fails.
SQLITE_BUSY_SECONDS = 30
# A PostgreSQL connection idle in the pool this long is pinged before it is handed out.
PING_AFTER_IDLE_SECONDS = 1.0


class DatabaseFileMissing(Exception):
    """There is no SQLite file where the URL points, and the engine was made not to create one
    (:func:`make_engine` with ``create_file=False``); ``path`` names the file."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"the database file {path} does not exist")
        self.path = path


def make_engine(
    url: str, *, connections: int | None = None, create_file: bool = True, **kwargs: Any
) -> Engine:
    """An engine for ``url``; SQLite gets foreign keys, WAL (``synchronous=NORMAL``) and a busy
    timeout.

    ``connections`` sizes the pool for as many threads as may use the store at once (the web
    threads and the worker threads of a process): SQLAlchemy's default of 5 (+10 overflow)
    would keep threads waiting for a connection rather than for the database.

    ``create_file=False``: for the commands that work on a store made before (every one but
    ``ivr db upgrade`` and ``ivr serve``, which migrate it), a SQLite file that does not exist
    is not created on the first connection, as SQLite would: :class:`DatabaseFileMissing`
    instead. Only a connection looks: a command that never uses the store needs no file."""
    parsed = make_url(url)
    # A failed statement's parameters (a caller's number, words, address) stay out of the
    # exception's text, which is logged.
    kwargs.setdefault("hide_parameters", True)
    in_memory = parsed.database in (None, "", ":memory:")
    if connections and not (parsed.get_backend_name() == "sqlite" and in_memory):
        kwargs.setdefault("pool_size", connections)
        kwargs.setdefault("max_overflow", max(4, connections // 4))
    if parsed.get_backend_name() == "sqlite":
        kwargs.setdefault(
            "connect_args", {"check_same_thread": False, "timeout": SQLITE_BUSY_SECONDS}
        )
        engine = create_engine(url, **kwargs)
        path = sqlite_file(url)
        if not create_file and path is not None:

            @event.listens_for(engine, "do_connect")
            def _existing_file_only(*_args: Any) -> None:
                if not path.exists():
                    raise DatabaseFileMissing(path)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            if not in_memory:
                cursor.execute("PRAGMA journal_mode=WAL")
                # A commit is on the disk at the next checkpoint instead of waiting for its
                # own fsync while it holds the one write lock (SQLite's advice for WAL; see
                # flush_commits for the writes someone outside is told are kept).
                cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    engine = create_engine(url, **kwargs)
    _ping_when_idle(engine)
    return engine


def sqlite_file(url: str) -> Path | None:
    """The file a SQLite URL names, absolute (a relative one is under the working directory);
    None for an in-memory SQLite database or another database."""
    parsed = make_url(url)
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or database in (None, "", ":memory:"):
        return None
    if str(parsed.query.get("uri", "")).lower() in ("true", "1"):  # file:path?…&uri=true
        parts = urlsplit(database)
        if parts.scheme == "file":
            database = unquote(parts.path)
            if parsed.query.get("mode") == "memory" or database in ("", ":memory:"):
                return None
    return Path(database).absolute()


def _ping_when_idle(engine: Engine) -> None:
    """Ping a pooled connection before it is handed out if it has been idle in the pool for
    ``PING_AFTER_IDLE_SECONDS`` or more; one that fails the ping is replaced (the pool tries
    again with a new connection, SQLAlchemy's "pessimistic" disconnect handling).

    SQLAlchemy's ``pool_pre_ping`` pings at every checkout: a round trip to the server for each
    call step, job claim and outbox pass, a fifth of a step's on PostgreSQL (docs/serving.md).
    Under load the connections go back and forth within milliseconds; a server restarted in
    that time fails the statements in flight on it as it would have anyway, and the first one
    on each dead connection (it is then invalidated and replaced)."""
    dialect = engine.dialect

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_connection: Any, record: Any) -> None:
        if record is not None:
            record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        returned = record.info.get("returned_at")
        if returned is not None and time.monotonic() - returned < PING_AFTER_IDLE_SECONDS:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            if dialect.is_disconnect(error, dbapi_connection, None):
                raise exc.DisconnectionError("the connection was lost while idle") from error
            raise


def flush_commits(engine: Engine) -> None:
    """Put everything committed so far on the disk, before someone outside the gateway is
    told it is kept (a caller that their report is taken, a client its new request's id), or
    before the city is sent what the outbox has marked as being sent.

    A SQLite file in WAL mode with ``synchronous=NORMAL`` keeps a commit through a crash of
    the process at once, but through a power cut only after the next checkpoint; syncing the
    write-ahead log now is what ``synchronous=FULL`` does at every commit. When there is no
    log file, the last connection to close checkpointed it into the database and synced it.
    PostgreSQL's commits are on the disk when they return (``synchronous_commit`` is on,
    except in the call steps that file nothing: ``CallDesk``)."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or database in (None, "", ":memory:"):
        return
    try:
        log_file = os.open(f"{database}-wal", os.O_RDONLY)
    except FileNotFoundError:
        return
    try:
        os.fsync(log_file)
    finally:
        os.close(log_file)


def statements_on_their_own(connection: Connection) -> None:
    """On PostgreSQL, each statement on ``connection`` is its own transaction (autocommit): a
    read is one round trip, with no ``BEGIN`` before it nor ``ROLLBACK`` after. The pool puts
    the connection back to the default isolation when it is returned. On SQLite nothing
    changes: pysqlite opens no transaction for a plain ``SELECT``."""
    if connection.dialect.name == "postgresql":
        connection.execution_options(isolation_level="AUTOCOMMIT")


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose work is committed on success and rolled back on any error."""
    with factory() as session, session.begin():
        yield session


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


class MigrationError(Exception):
    """A migration command that cannot be carried out (an unknown revision, a downgrade asked
    of ``upgrade``); the message says why in a sentence."""


def upgrade(url: str, revision: str = "head") -> str | None:
    """Bring the database at ``url`` up to ``revision`` (the newest by default), under the
    migration lock; returns the revision the database is at afterwards."""
    with migration_lock(url):
        _run(command.upgrade, url, revision)
    return current_revision(url)


def downgrade(url: str, revision: str) -> str | None:
    """Take the database at ``url`` back to ``revision`` (``base``: no tables at all), under
    the migration lock; returns the revision the database is at afterwards."""
    with migration_lock(url):
        _run(command.downgrade, url, revision)
    return current_revision(url)


def current_revision(url: str, *, create_file: bool = True) -> str | None:
    """The revision the database at ``url`` is at; None when it was never migrated.
    ``create_file=False``: :class:`DatabaseFileMissing` for a SQLite file that does not exist
    (:func:`make_engine`)."""
    engine = make_engine(url, create_file=create_file)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def head_revision() -> str:
    """The newest revision shipped with this version of voice311."""
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None, "the package ships its migrations"
    return head


def revisions() -> list[tuple[str, str]]:
    """Every shipped revision, oldest first, with the first line of its description."""
    scripts = ScriptDirectory.from_config(alembic_config("sqlite://"))
    shipped = [
        (s.revision, (s.doc or "").strip().splitlines()[0]) for s in scripts.walk_revisions()
    ]
    return shipped[::-1]


# The key of the advisory lock that migrations take on PostgreSQL: any fixed 64-bit number
# that no other code of the gateway uses ("voice311" in the digits of a phone pad).
MIGRATION_LOCK_KEY = 86423311


@contextmanager
def migration_lock(url: str) -> Iterator[None]:
    """Hold the migration lock while the body runs: on PostgreSQL, a session advisory lock on a
    connection kept open for the whole migration, so that two containers starting at once on
    one database migrate one after the other (the second finds the work done). SQLite needs
    none: one file, one machine, and SQLite's own write lock."""
    if make_url(url).get_backend_name() != "postgresql":
        yield
        return
    engine = make_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
            try:
                yield
            finally:
                connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY}
                )
    finally:
        engine.dispose()


def _run(step: Callable[[Config, str], None], url: str, revision: str) -> None:
    try:
        step(alembic_config(url), revision)
    except (CommandError, RevisionError) as error:
        raise MigrationError(_first_line(error)) from None


def _first_line(error: Exception) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__
