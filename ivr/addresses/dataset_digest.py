"""Short names for exactly the address points a store holds, cheap enough to ask at every start.

Points change only by an import or a drop: every import commits a row of ``gazetteer_imports``
in the same transaction, and a drop deletes the dataset's rows with its points. So the rows of
``gazetteer_imports`` say which points there are:

- :func:`imports_digest` hashes those rows alone (one read of a table of a few rows): what a
  process holding the in-memory index asks every few seconds to know when to reload;
- :func:`dataset_digest` adds the database's address (without password) and the number of
  points and their highest id: a new import, a replaced or dropped dataset, another database
  or a store rebuilt from scratch (new import times) all give another digest. It costs one
  count of the points table (tens of milliseconds for a million points) instead of reading
  them all.

Both cover the datasets named (every dataset when None). What is built from the points and
kept on disk (the index snapshot, :mod:`ivr.addresses.index_snapshot`) is named by
:func:`dataset_digest`; each such file also carries a hash of its own bytes, checked before it
is used.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Table, func, select
from sqlalchemy.engine import Connection

from ivr.store.gazetteer_tables import GazetteerImport, GazetteerPoint

FORMAT = "gazetteer-dataset-1"  # changes when what the digest covers changes
_POINTS = cast(Table, GazetteerPoint.__table__)
_IMPORTS = cast(Table, GazetteerImport.__table__)


def dataset_digest(connection: Connection, datasets: Sequence[str] | None = None) -> str:
    """The hex SHA-256 naming the points of ``datasets`` (every point when None) in
    ``connection``'s store as they are now."""
    digest = hashlib.sha256(FORMAT.encode())
    url = connection.engine.url.render_as_string(hide_password=True)
    digest.update(url.encode())
    _hash_choice(digest, datasets)
    _hash_imports(digest, connection, datasets)
    query = select(func.count(), func.coalesce(func.max(_POINTS.c.id), 0)).select_from(_POINTS)
    if datasets is not None:
        query = query.where(_POINTS.c.dataset.in_(tuple(datasets)))
    count, highest = connection.execute(query).one()
    digest.update(f"\0{count}\t{highest}".encode())
    return digest.hexdigest()


def imports_digest(connection: Connection, datasets: Sequence[str] | None = None) -> str:
    """The hex SHA-256 of the import rows of ``datasets`` (every dataset when None): it
    changes whenever the points of those datasets change."""
    digest = hashlib.sha256(FORMAT.encode())
    _hash_choice(digest, datasets)
    _hash_imports(digest, connection, datasets)
    return digest.hexdigest()


def _hash_choice(digest: Any, datasets: Sequence[str] | None) -> None:
    # Every dataset (None) and the one dataset there is, named, build different things.
    if datasets is not None:
        digest.update(b"\0datasets\0" + "\t".join(sorted(set(datasets))).encode())


def _hash_imports(digest: Any, connection: Connection, datasets: Sequence[str] | None) -> None:
    query = select(
        _IMPORTS.c.id,
        _IMPORTS.c.dataset,
        _IMPORTS.c.rows,
        _IMPORTS.c.points,
        _IMPORTS.c.replaced,
        _IMPORTS.c.imported_at,
    ).order_by(_IMPORTS.c.id)
    if datasets is not None:
        query = query.where(_IMPORTS.c.dataset.in_(tuple(datasets)))
    for row in connection.execute(query):
        digest.update(b"\0" + "\t".join(str(value) for value in row).encode())
