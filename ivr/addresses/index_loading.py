"""Building the in-memory index, once per process and again after imports and drops: from the
snapshot of the same data on disk when there is one (:mod:`ivr.addresses.index_snapshot`), else
from the database (and then snapshot for the next start). The index holds the points of the
datasets geocoding uses (:mod:`ivr.addresses.dataset_choice`), and only those."""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import cast

from sqlalchemy import Table, func, select
from sqlalchemy.engine import Connection, Engine

from ivr.addresses.dataset_choice import DatasetChoice
from ivr.addresses.dataset_digest import dataset_digest, imports_digest
from ivr.addresses.datasets import dataset_names
from ivr.addresses.index import (
    GazetteerIndex,
    StreetTable,
    columns_from_rows,
    index_from_columns,
)
from ivr.addresses.index_snapshot import MIN_POINTS, default_root, load_snapshot, store_snapshot
from ivr.addresses.point_columns import PointColumns
from ivr.store.gazetteer_tables import GazetteerImport, GazetteerPoint

log = logging.getLogger(__name__)

_BATCH = 20_000  # rows fetched from the database at a time
_POINTS = cast(Table, GazetteerPoint.__table__)
_IMPORTS = cast(Table, GazetteerImport.__table__)

# Builds an index of the datasets named (every point when None).
Loader = Callable[[Engine, Sequence[str] | None], GazetteerIndex]


def load_index(
    engine: Engine, datasets: Sequence[str] | None = None, *, snapshots: Path | None = None
) -> GazetteerIndex:
    """Read the points of ``datasets`` (every point of the gazetteer when None) into a new
    index (and freeze it out of the cyclic GC).

    ``snapshots``: the folder of index snapshots (:func:`default_root` when None)."""
    started = time.perf_counter()
    root = snapshots if snapshots is not None else default_root()
    with engine.connect() as connection:
        import_id = _last_import_id(connection, datasets)
        digest = dataset_digest(connection, datasets)
        loaded = load_snapshot(root, digest)
        source = "snapshot"
        if loaded is None:
            source = "database"
            columns, table = _read_points(connection, datasets)
            # Kept only when the points did not change while they were read.
            if len(columns) >= MIN_POINTS and dataset_digest(connection, datasets) == digest:
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
            "datasets": "(all)" if datasets is None else ",".join(datasets),
            "source": source,
            "seconds": round(time.perf_counter() - started, 3),
        },
    )
    return index


def _read_points(
    connection: Connection, datasets: Sequence[str] | None
) -> tuple[PointColumns, StreetTable]:
    table = _POINTS
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
    if datasets is not None:
        query = query.where(table.c.dataset.in_(tuple(datasets)))
    # Streamed in batches (a server-side cursor on PostgreSQL), never held all at once as
    # row objects.
    rows = connection.execution_options(stream_results=True, yield_per=_BATCH).execute(query)
    return columns_from_rows(rows.partitions())


def _last_import_id(connection: Connection, datasets: Sequence[str] | None) -> int:
    """Id of the newest import of ``datasets`` (of any when None); 0 when none."""
    query = select(func.coalesce(func.max(_IMPORTS.c.id), 0))
    if datasets is not None:
        query = query.where(_IMPORTS.c.dataset.in_(tuple(datasets)))
    return int(connection.execute(query).scalar_one())


class IndexCache:
    """One index per process, rebuilt when the points of its datasets have changed.

    The database is asked which datasets there are and for their import rows
    (:func:`imports_digest`) at most every ``check_every`` seconds, so a lookup almost never
    waits on it; ``reload()`` rebuilds at once (after an import in the same process).
    ``choice``: which datasets the index holds (:mod:`ivr.addresses.dataset_choice`); None:
    every point of the store (tools and tests on a store of one city).
    """

    def __init__(
        self,
        engine: Engine,
        *,
        check_every: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        loader: Loader = load_index,
        choice: DatasetChoice | None = None,
    ) -> None:
        self._engine = engine
        self._check_every = check_every
        self._clock = clock
        self._loader = loader
        self._choice = choice
        self._index: GazetteerIndex | None = None
        self._built_from: tuple[tuple[str, ...] | None, str] | None = None
        self._checked_at = 0.0
        self._lock = threading.Lock()

    def current(self) -> GazetteerIndex:
        index = self._index
        if index is not None and self._clock() - self._checked_at < self._check_every:
            return index
        with self._lock:
            state = self._state()
            index = self._index
            if index is None or state != self._built_from:
                index = self._build(state)
            self._checked_at = self._clock()
            return index

    def reload(self) -> GazetteerIndex:
        with self._lock:
            index = self._build(self._state())
            self._checked_at = self._clock()
            return index

    def _build(self, state: tuple[tuple[str, ...] | None, str]) -> GazetteerIndex:
        index = self._loader(self._engine, state[0])
        self._index, self._built_from = index, state
        return index

    def _state(self) -> tuple[tuple[str, ...] | None, str]:
        """The datasets to index now and the digest of their import rows."""
        with self._engine.connect() as connection:
            datasets: tuple[str, ...] | None = None
            if self._choice is not None:
                used = self._built_from[0] if self._built_from else None
                datasets = self._choice.resolve(dataset_names(connection), previous=used)
            return datasets, imports_digest(connection, datasets)
