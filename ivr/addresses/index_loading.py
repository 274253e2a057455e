"""Building the in-memory index, once per process and again after imports: from the snapshot
of the same data on disk when there is one (:mod:`ivr.addresses.index_snapshot`), else from
the database (and then snapshot for the next start)."""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine

from ivr.addresses.dataset_digest import dataset_digest
from ivr.addresses.gazetteer import last_import_id
from ivr.addresses.index import (
    GazetteerIndex,
    StreetTable,
    columns_from_rows,
    index_from_columns,
)
from ivr.addresses.index_snapshot import MIN_POINTS, default_root, load_snapshot, store_snapshot
from ivr.addresses.point_columns import PointColumns
from ivr.store.gazetteer_tables import GazetteerPoint

log = logging.getLogger(__name__)

_BATCH = 20_000  # rows fetched from the database at a time


def load_index(engine: Engine, *, snapshots: Path | None = None) -> GazetteerIndex:
    """Read every point of the gazetteer into a new index (and freeze it out of the cyclic GC).

    ``snapshots``: the folder of index snapshots (:func:`default_root` when None)."""
    started = time.perf_counter()
    root = snapshots if snapshots is not None else default_root()
    with engine.connect() as connection:
        import_id = last_import_id(connection)
        digest = dataset_digest(connection)
        loaded = load_snapshot(root, digest)
        source = "snapshot"
        if loaded is None:
            source = "database"
            columns, table = _read_points(connection)
            # Kept only when the points did not change while they were read.
            if len(columns) >= MIN_POINTS and dataset_digest(connection) == digest:
                store_snapshot(root, digest, columns, table)
        else:
            columns, table = loaded
    index = index_from_columns(columns, table, import_id=import_id, digest=digest)
    # The index is tens of thousands of long-lived objects. Left to the cyclic garbage
    # collector, every full collection walks all of them (several ms, in the middle of some
    # lookup); frozen, they are skipped. They hold no reference cycles, so an index replaced
    # later is still freed by reference counting.
    gc.collect()
    gc.freeze()
    log.info(
        "gazetteer index built",
        extra={
            "streets": len(index.streets),
            "source": source,
            "seconds": round(time.perf_counter() - started, 3),
        },
    )
    return index


def _read_points(connection: Connection) -> tuple[PointColumns, StreetTable]:
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
    # Streamed in batches (a server-side cursor on PostgreSQL), never held all at once as
    # row objects.
    rows = connection.execution_options(stream_results=True, yield_per=_BATCH).execute(query)
    return columns_from_rows(rows.partitions())


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
