"""The gazetteer in memory: streets by key, name, sound and spelling; numbers per street.

Built once per process (:mod:`ivr.addresses.index_loading`: from the database, or from the
snapshot of the same data on disk) and rebuilt when an import has committed since. Lookups
never touch the database, so a lookup costs microseconds to a millisecond or two.

The points are held in columns (:mod:`ivr.addresses.point_columns`): a street reads its own
rows by house number and makes point objects only for the number asked. Its runs, one per
postal code (:mod:`ivr.addresses.street_runs`), are made for every street when the index is
built. Which streets a caller may have meant is :mod:`ivr.addresses.street_matching`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import jellyfish

from ivr.addresses.indexed_street import IndexedStreet
from ivr.addresses.point_columns import (
    ColumnsBuilder,
    IndexedPoint,
    PointColumns,
    most_common,
)
from ivr.addresses.street_matching import StreetMatch, StreetMatcher, name_as_key
from ivr.addresses.street_runs import StreetRun, build_runs
from ivr.addresses.streets import StreetName, parse_street

__all__ = [
    "GazetteerIndex",
    "IndexedPoint",
    "IndexedStreet",
    "PointRecord",
    "StreetMatch",
    "StreetRun",
    "build_index",
    "index_from_columns",
    "index_from_rows",
]


class GazetteerIndex:
    """Every street of the gazetteer, ready for matching; immutable once built.

    ``import_id`` is the newest import the index was built from; ``digest`` names the data
    (:func:`ivr.addresses.dataset_digest.dataset_digest`, "" when not built from a store)."""

    def __init__(
        self,
        streets: Iterable[IndexedStreet],
        *,
        import_id: int = 0,
        digest: str = "",
        name_keys: Sequence[str] | None = None,
    ) -> None:
        self.import_id = import_id
        self.digest = digest
        listed = list(streets)
        self._matcher = StreetMatcher(listed, name_keys=name_keys)
        self.streets: dict[str, IndexedStreet] = self._matcher.streets
        areas: dict[str, set[str]] = defaultdict(set)
        for street in listed:
            for run in street.runs:
                if run.neighbourhood:
                    areas[run.neighbourhood.upper()].add(run.postal_code)
        self._areas = {name: frozenset(codes) for name, codes in areas.items()}

    @property
    def point_count(self) -> int:
        return sum(street.point_count for street in self.streets.values())

    def knows(self, key_or_core: str) -> bool:
        """True when a street has this key, this key without its suffix, or this name."""
        return self._matcher.knows(" ".join(key_or_core.upper().split()))

    def street_names(self) -> tuple[str, ...]:
        """Display names of every street, e.g. as hints for a speech recogniser."""
        return tuple(sorted({street.display for street in self.streets.values()}))

    def neighbourhoods(self) -> tuple[str, ...]:
        return tuple(sorted(self._areas))

    def postal_codes_of(self, neighbourhood: str) -> frozenset[str]:
        return self._areas.get(" ".join(neighbourhood.upper().split()), frozenset())

    def match_street(self, key: str) -> tuple[StreetMatch, ...]:
        """The streets a caller may have meant by ``key``, most similar first."""
        return self._matcher.match(key)


@dataclass(frozen=True)
class StreetTable:
    """What the index knows of each street beside its points, in the order of the columns'
    streets: enough to build it again without parsing a name (see index snapshots)."""

    keys: tuple[str, ...]
    displays: tuple[str, ...]
    names: tuple[StreetName, ...]
    name_keys: tuple[str, ...]
    starts: tuple[int, ...]  # one more than streets: street i is rows starts[i]:starts[i + 1]


@dataclass(frozen=True)
class PointRecord:
    """One row of ``gazetteer_points`` as the index reads it."""

    street_key: str
    street: str = field(repr=False)
    house_number: str = field(repr=False)
    house_number_int: int | None = field(repr=False)
    postal_code: str = ""
    neighbourhood: str = ""
    lat: float = field(default=0.0, repr=False)
    lon: float = field(default=0.0, repr=False)


def build_index(records: Iterable[PointRecord], *, import_id: int = 0) -> GazetteerIndex:
    """Group point records into indexed streets."""
    return index_from_rows(
        (
            (
                r.street_key,
                r.street,
                r.house_number,
                r.house_number_int,
                r.postal_code,
                r.neighbourhood,
                r.lat,
                r.lon,
            )
            for r in records
        ),
        import_id=import_id,
    )


def index_from_rows(
    rows: Iterable[Sequence[Any]], *, import_id: int = 0, digest: str = ""
) -> GazetteerIndex:
    """Group rows of ``PointRecord``'s fields, in its order, into indexed streets."""
    columns, table = columns_from_rows([list(rows)])
    return index_from_columns(columns, table, import_id=import_id, digest=digest)


def columns_from_rows(
    batches: Iterable[Sequence[Sequence[Any]]],
) -> tuple[PointColumns, StreetTable]:
    """The points of batches of rows of ``PointRecord``'s fields in columns, and their
    streets' table. Rows of a street key that names no street ("", "--") are left out."""
    builder = ColumnsBuilder()
    for batch in batches:
        builder.add(batch)
    columns, keys, starts = builder.build()
    kept_keys: list[str] = []
    displays: list[str] = []
    names: list[StreetName] = []
    kept: list[int] = []  # the streets kept, by their place in ``keys``
    for at, key in enumerate(keys):
        try:
            name = parse_street(key)
        except ValueError:
            continue
        kept_keys.append(key)
        displays.append(most_common(builder.displays[at]))
        names.append(name)
        kept.append(at)
    if len(kept_keys) < len(keys):  # keep only the rows of streets kept
        rows_kept = [r for at in kept for r in range(starts[at], starts[at + 1])]
        columns = _taken(columns, rows_kept)
        counts = [starts[at + 1] - starts[at] for at in kept]
        bounds = [0]
        for count in counts:
            bounds.append(bounds[-1] + count)
    else:
        bounds = starts
    table = StreetTable(
        keys=tuple(kept_keys),
        displays=tuple(displays),
        names=tuple(names),
        name_keys=tuple(name_as_key(name) for name in names),
        starts=tuple(bounds),
    )
    return columns, table


def index_from_columns(
    columns: PointColumns, table: StreetTable, *, import_id: int = 0, digest: str = ""
) -> GazetteerIndex:
    """The index of points already in columns, grouped by the streets of ``table``."""
    starts = list(table.starts)
    runs = build_runs(columns, starts)
    metaphones: dict[str, str] = {}
    streets = []
    for at, key in enumerate(table.keys):
        name = table.names[at]
        metaphone = metaphones.get(name.name)
        if metaphone is None:
            metaphone = metaphones[name.name] = jellyfish.metaphone(name.name)
        streets.append(
            IndexedStreet(
                key=key,
                display=table.displays[at],
                name=name,
                metaphone=metaphone,
                runs=runs[at],
                columns=columns,
                rows=range(starts[at], starts[at + 1]),
            )
        )
    return GazetteerIndex(streets, import_id=import_id, digest=digest, name_keys=table.name_keys)


def _taken(columns: PointColumns, rows: list[int]) -> PointColumns:
    return PointColumns(
        number=columns.number[rows],
        number_int=columns.number_int[rows],
        lat=columns.lat[rows],
        lon=columns.lon[rows],
        postal_code=columns.postal_code[rows],
        neighbourhood=columns.neighbourhood[rows],
        numbers=columns.numbers,
        postal_codes=columns.postal_codes,
        neighbourhoods=columns.neighbourhoods,
    )
