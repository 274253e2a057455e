"""Building the in-memory index from the database, once per process, and again after imports."""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.engine import Engine

from ivr.addresses.gazetteer import last_import_id
from ivr.addresses.index import GazetteerIndex, index_from_rows
from ivr.store.gazetteer_tables import GazetteerPoint

log = logging.getLogger(__name__)

_BATCH = 20_000  # rows fetched from the database at a time


def load_index(engine: Engine) -> GazetteerIndex:
    """Read every point of the gazetteer into a new index (and freeze it out of the cyclic GC)."""
    started = time.perf_counter()
    table = GazetteerPoint.__table__
    query = select(
        table.c.street_key,
        table.c.street,
        table.c.house_number,
        table.c.house_number_int,
        table.c.postal_code,
        table.c.neighbourhood,
        table.c.lat,
        table.c.lon,
    )
    with engine.connect() as connection:
        import_id = last_import_id(connection)
        # Streamed in batches (a server-side cursor on PostgreSQL): rows are grouped by street
        # as they come, never held all at once as row objects.
        rows = connection.execution_options(stream_results=True, yield_per=_BATCH).execute(query)
        index = index_from_rows(rows, import_id=import_id)
    # The index is a few hundred thousand long-lived objects. Left to the cyclic garbage
    # collector, every full collection walks all of them (several ms, in the middle of some
    # lookup); frozen, they are skipped. They hold no reference cycles, so an index replaced
    # later is still freed by reference counting.
    gc.collect()
    gc.freeze()
    log.info(
        "gazetteer index built",
        extra={"streets": len(index.streets), "seconds": round(time.perf_counter() - started, 3)},
    )
    return index


class IndexCache:
    """One index per process, rebuilt when a newer import has committed.

    The database is asked for the newest import id at most every ``check_every`` seconds, so
    a lookup almost never waits on it; ``reload()`` rebuilds at once (after an import in the
    same process).
    """

    def __init__(
        self,
        engine: Engine,
        *,
        check_every: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        loader: Callable[[Engine], GazetteerIndex] = load_index,
    ) -> None:
        self._engine = engine
        self._check_every = check_every
        self._clock = clock
        self._loader = loader
        self._index: GazetteerIndex | None = None
        self._checked_at = 0.0
        self._lock = threading.Lock()

    def current(self) -> GazetteerIndex:
        index = self._index
        if index is not None and self._clock() - self._checked_at < self._check_every:
            return index
        with self._lock:
            if self._index is None or self._newer_import(self._index):
                self._index = self._loader(self._engine)
            self._checked_at = self._clock()
            return self._index

    def reload(self) -> GazetteerIndex:
        with self._lock:
            self._index = self._loader(self._engine)
            self._checked_at = self._clock()
            return self._index

    def _newer_import(self, index: GazetteerIndex) -> bool:
        with self._engine.connect() as connection:
            return last_import_id(connection) != index.import_id
