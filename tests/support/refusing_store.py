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

from typing import Any

from sqlalchemy import Engine, event


class RefusingStore:
    def __init__(self, engine: Engine, *, trigger: str = "") -> None:
        self.engine = engine
        self.trigger = trigger.lower()
        self.refusing = False
        self.sqlite = engine.dialect.name == "sqlite"
        event.listen(engine, "before_cursor_execute", self._before_statement)
        event.listen(engine, "checkout", self._taken_from_pool)

    def refuse(self) -> None:
        """Refuse every write from the next connection taken from the pool on."""
        self.refusing = True
        self.engine.dispose()  # connections already in the pool are not taken again

    def restore(self) -> None:
        """Writable again: the listeners go and the pool's read-only connections are closed."""
        self.refusing = False
        event.remove(self.engine, "before_cursor_execute", self._before_statement)
        event.remove(self.engine, "checkout", self._taken_from_pool)
        self.engine.dispose()

    def _before_statement(
        self, _conn: Any, cursor: Any, statement: str, *_args: Any, **_kwargs: Any
    ) -> None:
        if self.refusing or not self.trigger:
            return
        if statement.lstrip().lower().startswith(self.trigger):
            self.refusing = True
            if self.sqlite:
                cursor.execute("PRAGMA query_only = ON")
            else:
                cursor.execute("SET TRANSACTION READ ONLY")

    def _taken_from_pool(self, dbapi_connection: Any, *_args: Any) -> None:
        if not self.refusing:
            return
        if self.sqlite:
            dbapi_connection.execute("PRAGMA query_only = ON")
        else:
            with dbapi_connection.cursor() as cursor:
                cursor.execute("SET SESSION default_transaction_read_only = on")
            dbapi_connection.commit()  # kept for the session's every transaction from now on
