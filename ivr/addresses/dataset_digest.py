"""A short name for exactly the address points a store holds, cheap enough to ask at every start.

Points change only by an import, and every import commits a row of ``gazetteer_imports`` in the
same transaction. The digest is the SHA-256 of the database's address (without password), of
every import row (id, dataset, rows, points, time), and of the number of points and their
highest id: a new import, a replaced dataset, another database or a store rebuilt from scratch
(new import times) all give another digest. It costs one count of the points table (tens of
milliseconds for a million points) instead of reading them all.

What is built from the points and kept on disk (the index snapshot,
:mod:`ivr.addresses.index_snapshot`) is named by this digest; each such file also carries a
hash of its own bytes, checked before it is used.
"""

from __future__ import annotations

import hashlib
from typing import cast

from sqlalchemy import Table, func, select
from sqlalchemy.engine import Connection

from ivr.store.gazetteer_tables import GazetteerImport, GazetteerPoint

FORMAT = "gazetteer-dataset-1"  # changes when what the digest covers changes
_POINTS = cast(Table, GazetteerPoint.__table__)
_IMPORTS = cast(Table, GazetteerImport.__table__)


def dataset_digest(connection: Connection) -> str:
    """The hex SHA-256 naming the points in ``connection``'s store as they are now."""
    digest = hashlib.sha256(FORMAT.encode())
    url = connection.engine.url.render_as_string(hide_password=True)
    digest.update(url.encode())
    imports = connection.execute(
        select(
            _IMPORTS.c.id,
            _IMPORTS.c.dataset,
            _IMPORTS.c.rows,
            _IMPORTS.c.points,
            _IMPORTS.c.replaced,
            _IMPORTS.c.imported_at,
        ).order_by(_IMPORTS.c.id)
    )
    for row in imports:
        digest.update(b"\0" + "\t".join(str(value) for value in row).encode())
    count, highest = connection.execute(
        select(func.count(), func.coalesce(func.max(_POINTS.c.id), 0)).select_from(_POINTS)
    ).one()
    digest.update(f"\0{count}\t{highest}".encode())
    return digest.hexdigest()
