"""SQLAlchemy Core statements run on the driver's own cursor, for the statements of a call's
step (its row read, its state written, the jobs it queues, the report it files, the call's
end, the commit).

For those, SQLAlchemy's execution path (an execution context per statement, the compiled
cache's lookup, its events, the result's set-up) took longer than the statement itself (a
step's read: 26-30 us through it, 12-14 us here), about 60 us of a webhook's 1.4 ms of CPU
(docs/serving.md, "A step's statements on the driver's cursor"). What stays SQLAlchemy's is
everything that must agree with the rest of the gateway: the SQL is the Core statement's own,
compiled once for the engine's dialect (its bind casts on PostgreSQL, its paramstyle); the
parameters and the results go through the column types' own processors (JSON, datetimes), so a
row written here reads the same through the ORM and back; the connection is the SQLAlchemy
``Connection``'s, from its pool; and a driver's error is raised as SQLAlchemy's
(``IntegrityError``, ``OperationalError`` …, the parameters hidden as the engine hides them),
with the connection invalidated when the driver says it was lost, as SQLAlchemy does.

An ``INSERT`` here must give every column with a default its value (:func:`insert_of`):
SQLAlchemy's execution computes the defaults left out, and this path has none of it.

A step's SQLite write transaction begins with :func:`begin_immediate`, which asks for the write
lock more often than SQLite's own busy handler does.

Transactions begun here are the driver's: a ``Connection`` that did not begin one itself does
not see them, so :func:`commit` and :func:`rollback` end them on the driver too.
"""

from __future__ import annotations

import contextlib
import time
import weakref
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NoReturn, cast

from sqlalchemy import Connection, Insert, Table, bindparam, insert
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

Processor = Callable[[Any], Any] | None
LOCK_POLL_SECONDS = 0.0002  # between a step's tries for SQLite's write lock (begin_immediate)
LOCK_POLLING_SECONDS = 0.05  # how long it tries so before SQLite's busy handler takes over


class DriverStatement:
    """A Core statement compiled for one dialect, run on a connection's driver cursor."""

    def __init__(self, statement: ClauseElement, dialect: Dialect) -> None:
        compiled = cast(SQLCompiler, statement.compile(dialect=dialect))
        if compiled.insert_prefetch or compiled.update_prefetch:
            # SQLAlchemy's execution would compute these columns' defaults; this does not.
            prefetched = (*compiled.insert_prefetch, *compiled.update_prefetch)
            names = [column.name for column in prefetched]
            raise ValueError(f"a driver statement must give every column's value: {names}")
        self.sql = str(compiled)
        # Positional paramstyles (SQLite's ``?``) take the values in the SQL's order.
        self._order: Sequence[str] | None = (
            tuple(compiled.positiontup or ()) if compiled.positional else None
        )
        # Every parameter with its value fixed at compile time (``version + 1``'s one); the
        # others must be given at each run, as SQLAlchemy's execution requires.
        self._fixed = dict(compiled.construct_params(_check=False) or {})
        self._required = frozenset(name for name, bind in compiled.binds.items() if bind.required)
        binds = {name: compiled.binds[name] for name in self._fixed if name in compiled.binds}
        self._binds: dict[str, Callable[[Any], Any]] = {}
        for name, bind in binds.items():
            process = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if process is not None:
                self._binds[name] = process
        columns = getattr(statement, "exported_columns", ())  # a SELECT's, or a RETURNING's
        self._results: tuple[Processor, ...] = tuple(
            column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns
        )

    def parameters(self, given: Mapping[str, Any]) -> Sequence[Any] | dict[str, Any]:
        """The driver's parameters for ``given`` (by the statement's bind names); a value
        left out is an error, not a NULL written."""
        missing = self._required.difference(given)
        if missing:
            raise ValueError(f"a driver statement needs values for {sorted(missing)}")
        values = dict(self._fixed)
        values.update(given)
        for name, process in self._binds.items():
            values[name] = process(values[name])
        if self._order is None:
            return values
        return tuple(values[name] for name in self._order)

    def execute(self, connection: Connection, given: Mapping[str, Any]) -> Any:
        """Run the statement; the driver's cursor (its ``rowcount``, its rows)."""
        cursor = None
        try:
            cursor = connection.connection.cursor()
            cursor.execute(self.sql, self.parameters(given))
        except BaseException as error:
            _close(cursor)
            _raise_as_sqlalchemy(connection, self.sql, error, cursor)
        return cursor

    def first(self, connection: Connection, given: Mapping[str, Any]) -> tuple[Any, ...] | None:
        """The statement's first row, its values converted as SQLAlchemy would, or None."""
        cursor = self.execute(connection, given)
        try:
            found = cursor.fetchone()
        except BaseException as error:
            _raise_as_sqlalchemy(connection, self.sql, error, cursor)
        finally:
            _close(cursor)
        if found is None:
            return None
        return tuple(
            value if process is None else process(value)
            for value, process in zip(found, self._results, strict=True)
        )

    def rowcount(self, connection: Connection, given: Mapping[str, Any]) -> int:
        """Run the statement; how many rows it changed."""
        cursor = self.execute(connection, given)
        try:
            return int(cursor.rowcount)
        finally:
            _close(cursor)


_COMPILED: weakref.WeakKeyDictionary[Dialect, dict[ClauseElement, DriverStatement]] = (
    weakref.WeakKeyDictionary()
)


def driver_statement(statement: ClauseElement, dialect: Dialect) -> DriverStatement:
    """``statement`` compiled for ``dialect``, once per dialect (an engine's lives with it)."""
    compiled = _COMPILED.setdefault(dialect, {})
    found = compiled.get(statement)
    if found is None:
        found = compiled[statement] = DriverStatement(statement, dialect)
    return found


def insert_of(table: Table, names: Sequence[str]) -> Insert:
    """An ``INSERT`` of ``names`` into ``table``, each a bound parameter of its column's type
    and name (every column with a default among them: see :class:`DriverStatement`)."""
    return insert(table).values({name: bindparam(name, type_=table.c[name].type) for name in names})


def run_sql(connection: Connection, sql: str) -> None:
    """Run SQL without parameters on the driver (``BEGIN IMMEDIATE``, a ``SET LOCAL``)."""
    cursor = None
    try:
        cursor = connection.connection.cursor()
        cursor.execute(sql)
    except BaseException as error:
        _raise_as_sqlalchemy(connection, sql, error, cursor)
    finally:
        _close(cursor)


def begin_immediate(connection: Connection, busy_seconds: float) -> None:
    """Begin a SQLite write transaction (``BEGIN IMMEDIATE``: the write lock taken now),
    asking for the lock every ``LOCK_POLL_SECONDS`` while another connection holds it.

    SQLite's own busy handler sleeps 1, 2, 5, 10 … ms between its tries: a step that found
    the lock taken by a job's transaction of 0.3 ms waited 1 ms, one of 1.1 ms waited 3.
    Asked this often, it waits about as long as the lock is held. After
    ``LOCK_POLLING_SECONDS`` (a long transaction elsewhere, rare) SQLite's handler takes
    over again, up to ``busy_seconds`` (the engine's busy timeout, restored either way)."""
    run_sql(connection, "PRAGMA busy_timeout = 0")
    try:
        give_up = time.monotonic() + LOCK_POLLING_SECONDS
        while time.monotonic() < give_up:
            try:
                run_sql(connection, "BEGIN IMMEDIATE")
                return
            except OperationalError as error:
                if "database is locked" not in str(error.orig):
                    raise
            time.sleep(LOCK_POLL_SECONDS)
    finally:
        run_sql(connection, f"PRAGMA busy_timeout = {int(busy_seconds * 1000)}")
    run_sql(connection, "BEGIN IMMEDIATE")


def commit(connection: Connection) -> None:
    """Commit the driver's transaction on ``connection``."""
    try:
        connection.connection.commit()
    except BaseException as error:
        _raise_as_sqlalchemy(connection, "COMMIT", error, None)


def rollback(connection: Connection) -> None:
    """Roll the driver's transaction on ``connection`` back (nothing, when there is none)."""
    try:
        connection.connection.rollback()
    except BaseException as error:
        _raise_as_sqlalchemy(connection, "ROLLBACK", error, None)


def finish(writer: Session | Connection, *, keep: bool) -> None:
    """Commit (``keep``) or roll back a transaction: a session's, or the driver's on a
    connection whose statements ran here (the ``Connection`` never began one)."""
    if isinstance(writer, Session):
        (writer.commit if keep else writer.rollback)()
    elif keep:
        commit(writer)
    else:
        rollback(writer)


def _close(cursor: Any) -> None:
    """Close a cursor, if there is one, whose connection may be gone already."""
    if cursor is not None:
        with contextlib.suppress(Exception):
            cursor.close()


def _raise_as_sqlalchemy(
    connection: Connection, sql: str, error: BaseException, cursor: Any
) -> NoReturn:
    """Raise the driver's ``error`` as SQLAlchemy would; anything else (an interrupt) as it is."""
    dialect = connection.dialect
    dbapi_error = dialect.loaded_dbapi.Error
    if not isinstance(error, dbapi_error):
        raise error
    lost = dialect.is_disconnect(error, connection.connection.dbapi_connection, cursor)
    if lost:
        connection.invalidate(error)
    raise DBAPIError.instance(
        sql,
        None,
        error,
        dbapi_error,
        hide_parameters=True,
        dialect=dialect,
        connection_invalidated=lost,
    ) from error
