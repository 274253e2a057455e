"""The named datasets of a gazetteer: which there are, what each holds, and dropping one.

Every import names its dataset and commits a row of ``gazetteer_imports`` with its points, so
the datasets are the names of those rows. What one holds is counted from its points; when and
from which file it was imported is read from its newest import row. A drop deletes a dataset's
points and its import rows in one transaction (the derived streets table is rebuilt in it):
afterwards the dataset is in no list and no index, and a process holding an index sees its
import rows change and reloads.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Table, delete, func, select
from sqlalchemy.engine import Connection, Engine

from ivr.addresses.dataset_digest import dataset_digest
from ivr.addresses.gazetteer import GazetteerError, rebuild_streets
from ivr.store.gazetteer_tables import GazetteerImport, GazetteerPoint

log = logging.getLogger(__name__)

# The dataset of the Boston addresses shipped with voice311, loaded only when no city is
# configured (see ivr.addresses.gazetteer_start).
SAMPLE_DATASET = "sample-boston"

_POINTS = cast(Table, GazetteerPoint.__table__)
_IMPORTS = cast(Table, GazetteerImport.__table__)


@dataclass(frozen=True)
class DatasetInfo:
    """One dataset of the gazetteer, as ``ivr gazetteer list`` shows it."""

    name: str
    points: int
    streets: int  # distinct street keys among its points
    imported_at: datetime | None  # of its newest import
    source: str  # the file name of its newest import
    digest: str  # dataset_digest of this dataset alone (its index snapshot's name when alone)

    @property
    def is_sample(self) -> bool:
        return self.name == SAMPLE_DATASET


class UnknownDatasetError(GazetteerError):
    """A dataset name that the gazetteer does not hold."""


def dataset_names(connection: Connection) -> tuple[str, ...]:
    """The names of the datasets in the store, sorted."""
    query = select(_IMPORTS.c.dataset).distinct().order_by(_IMPORTS.c.dataset)
    return tuple(str(name) for name in connection.execute(query).scalars())


def list_datasets(engine: Engine) -> tuple[DatasetInfo, ...]:
    """Every dataset of the gazetteer with its counts and newest import, sorted by name."""
    with engine.connect() as connection:
        names = dataset_names(connection)
        counts = {
            str(name): (int(points), int(streets))
            for name, points, streets in connection.execute(
                select(
                    _POINTS.c.dataset, func.count(), func.count(func.distinct(_POINTS.c.street_key))
                ).group_by(_POINTS.c.dataset)
            )
        }
        newest = {
            str(name): (imported_at, str(source))
            for name, imported_at, source in connection.execute(
                select(_IMPORTS.c.dataset, _IMPORTS.c.imported_at, _IMPORTS.c.source).where(
                    _IMPORTS.c.id.in_(select(func.max(_IMPORTS.c.id)).group_by(_IMPORTS.c.dataset))
                )
            )
        }
        return tuple(
            DatasetInfo(
                name=name,
                points=counts.get(name, (0, 0))[0],
                streets=counts.get(name, (0, 0))[1],
                imported_at=newest[name][0],
                source=newest[name][1],
                digest=dataset_digest(connection, (name,)),
            )
            for name in names
        )


def drop_dataset(engine: Engine, name: str) -> int:
    """Delete the dataset ``name`` (its points and its import rows); the points it had."""
    with engine.begin() as connection:
        present = dataset_names(connection)
        if name not in present:
            raise UnknownDatasetError(
                f"there is no dataset named {name!r}; the gazetteer holds {held(present)}"
            )
        points = connection.execute(delete(_POINTS).where(_POINTS.c.dataset == name)).rowcount
        connection.execute(delete(_IMPORTS).where(_IMPORTS.c.dataset == name))
        rebuild_streets(connection)
    log.info("gazetteer dataset dropped", extra={"dataset": name, "points": points})
    return int(points)


def held(names: Sequence[str]) -> str:
    """The dataset names for a sentence: "a, b" or "no dataset"."""
    return ", ".join(names) if names else "no dataset"
