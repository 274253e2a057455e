"""A store that starts refusing writes under a running gateway, as when its disk fills or its
database is switched read-only: the drivers' own errors, not a stand-in exception.

SQLite refuses through ``PRAGMA query_only`` ("attempt to write a readonly database"), on the
connection in use and on every connection taken from the pool afterwards; PostgreSQL through
read-only transactions (``SET TRANSACTION READ ONLY`` on the transaction in flight, then
``default_transaction_read_only`` on every connection taken from the pool: "cannot execute
INSERT in a read-only transaction").

The refusal begins either at once (:meth:`RefusingStore.refuse`) or the moment a statement
starting with ``trigger`` is about to run (``INSERT INTO reports``: the final step of an
intake), which then fails itself.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import psycopg
from sqlalchemy import Engine, event


class RefusingStore:
    def __init__(self, engine: Engine, *, trigger: str = "") -> None:
        self.engine = engine
        self.trigger = trigger.lower()
        self.refusing = False
        self.sqlite = engine.dialect.name == "sqlite"
        # The trigger is watched at the driver's cursor, where every statement passes: the
        # call steps run theirs there, not through SQLAlchemy's execution (ivr.store.driver).
        event.listen(engine, "do_connect", self._connecting)
        event.listen(engine, "checkout", self._taken_from_pool)
        self.engine.dispose()  # the pool's connections are made again, watched

    def refuse(self) -> None:
        """Refuse every write from the next connection taken from the pool on."""
        self.refusing = True
        self.engine.dispose()  # connections already in the pool are not taken again

    def restore(self) -> None:
        """Writable again: the listeners go and the pool's read-only connections are closed."""
        self.refusing = False
        self.trigger = ""
        event.remove(self.engine, "do_connect", self._connecting)
        event.remove(self.engine, "checkout", self._taken_from_pool)
        self.engine.dispose()

    def before_statement(self, cursor: Any, statement: str) -> None:
        """Called by a watched cursor before it runs ``statement``."""
        if self.refusing or not self.trigger:
            return
        if statement.lstrip().lower().startswith(self.trigger):
            self.refusing = True
            if self.sqlite:
                cursor.execute("PRAGMA query_only = ON")
            else:
                cursor.execute("SET TRANSACTION READ ONLY")

    def _connecting(self, _dialect: Any, _record: Any, _args: Any, kwargs: dict[str, Any]) -> None:
        if self.sqlite:  # sqlite3's cursors are made by its connection's class
            kwargs["factory"] = _WatchedSqlite

    def _taken_from_pool(self, dbapi_connection: Any, *_args: Any) -> None:
        if self.sqlite:
            dbapi_connection.store = self
        else:
            dbapi_connection.cursor_factory = _watched_psycopg_cursor(self)
        if not self.refusing:
            return
        if self.sqlite:
            dbapi_connection.execute("PRAGMA query_only = ON")
        else:
            with dbapi_connection.cursor() as cursor:
                cursor.execute("SET SESSION default_transaction_read_only = on")
            dbapi_connection.commit()  # kept for the session's every transaction from now on


class _WatchedSqlite(sqlite3.Connection):
    store: RefusingStore | None = None

    def cursor(self, factory: Any = None) -> Any:
        return super().cursor(factory or _WatchedSqliteCursor)


class _WatchedSqliteCursor(sqlite3.Cursor):
    def execute(self, sql: str, parameters: Any = (), /) -> Any:
        store = getattr(self.connection, "store", None)
        if store is not None:
            store.before_statement(self, sql)
        return super().execute(sql, parameters)


def _watched_psycopg_cursor(store: RefusingStore) -> type[psycopg.Cursor[Any]]:
    class Watched(psycopg.Cursor[Any]):
        def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
            store.before_statement(self, str(query))
            return super().execute(query, params, **kwargs)

    return Watched
