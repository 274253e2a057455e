"""One street of the gazetteer in memory: its names, its points by house number, its runs.

Apart from :mod:`ivr.addresses.index` (which holds every street) so that street matching
(:mod:`ivr.addresses.street_matching`) can name the streets it matches without importing the
index that uses it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

from ivr.addresses.point_columns import IndexedPoint, PointColumns, PointsByNumber
from ivr.addresses.street_runs import StreetRun
from ivr.addresses.streets import StreetName

# Grid cells for nearest-point searches: ~66 m north-south, and at least ~66 m east-west at
# any latitude up to 65° (so a 60 m search needs only the 3 × 3 cells around a point).
CELL_DEGREES = 0.0006
CELL_DEGREES_LON = CELL_DEGREES * 2.4


@dataclass(frozen=True, eq=False)
class IndexedStreet:
    """One street: its names, its points by house number (as written and by digits), its runs.

    ``rows`` are the street's rows of ``columns``."""

    key: str
    display: str = field(repr=False)
    name: StreetName = field(repr=False)
    metaphone: str = field(repr=False)
    runs: tuple[StreetRun, ...] = field(repr=False)
    columns: PointColumns = field(repr=False)
    rows: range = field(repr=False)

    @property
    def point_count(self) -> int:
        return len(self.rows)

    @cached_property
    def by_number(self) -> Mapping[str, tuple[IndexedPoint, ...]]:
        return PointsByNumber[str](self.columns, self.rows.start, self.rows.stop, by_text=True)

    @cached_property
    def by_int(self) -> Mapping[int, tuple[IndexedPoint, ...]]:
        return PointsByNumber[int](self.columns, self.rows.start, self.rows.stop, by_text=False)

    @cached_property
    def cells(self) -> Mapping[tuple[int, int], tuple[IndexedPoint, ...]]:
        """The street's points by grid cell, for finding where two streets meet: made when a
        crossing is first looked for on this street (most streets never are), then kept.
        Points come number by number (in the order numbers came), as they came."""
        by_written: dict[int, list[int]] = defaultdict(list)
        for row, code in zip(
            self.rows, self.columns.number[self.rows.start : self.rows.stop], strict=True
        ):
            by_written[int(code)].append(row)
        cells: dict[tuple[int, int], list[IndexedPoint]] = defaultdict(list)
        for rows in by_written.values():
            for point in self.columns.points(rows):
                cells[cell_of(point.lat, point.lon)].append(point)
        return {k: tuple(v) for k, v in cells.items()}


def cell_of(lat: float, lon: float) -> tuple[int, int]:
    return int(lat // CELL_DEGREES), int(lon // CELL_DEGREES_LON)
