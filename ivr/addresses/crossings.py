"""Where two streets meet, found from their address points alone (no street centrelines).

Two streets that cross or meet have address points close together around the corner. The
nearest pairs of points of the two streets (within ``radius_m``) are grouped by place; each
group is one meeting place, located halfway between its closest pair. Two *parallel* streets
one block apart also have close points (back gardens touch), but all along the block: a group
longer than ``max_extent_m`` is taken for that and dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

from ivr.addresses.geometry import distance_m
from ivr.addresses.index import IndexedPoint, IndexedStreet

INTERSECTION_RADIUS_M = 60.0
PARALLEL_EXTENT_M = 160.0
_SAME_CORNER_M = 120.0


@dataclass(frozen=True)
class Crossing:
    lat: float
    lon: float
    gap_m: float  # distance between the closest points of the two streets here
    postal_code: str
    neighbourhood: str


def find_crossings(
    first: IndexedStreet,
    second: IndexedStreet,
    *,
    radius_m: float = INTERSECTION_RADIUS_M,
    max_extent_m: float = PARALLEL_EXTENT_M,
) -> list[Crossing]:
    """The places where ``first`` and ``second`` meet, closest pair first."""
    small, large = sorted((first, second), key=lambda s: len(s.cells))
    pairs: list[tuple[float, IndexedPoint, IndexedPoint]] = []
    for (row, column), points in small.cells.items():
        for d_row in (-1, 0, 1):
            for d_column in (-1, 0, 1):
                others = large.cells.get((row + d_row, column + d_column))
                if not others:
                    continue
                for p in points:
                    for q in others:
                        gap = distance_m(p.lat, p.lon, q.lat, q.lon)
                        if gap <= radius_m:
                            pairs.append((gap, p, q))
    pairs.sort(key=lambda pair: pair[0])
    groups: list[list[tuple[float, float, float, IndexedPoint]]] = []
    for gap, p, q in pairs:
        middle = ((p.lat + q.lat) / 2.0, (p.lon + q.lon) / 2.0)
        for group in groups:
            if any(distance_m(m[0], m[1], *middle) <= _SAME_CORNER_M for m in group[:8]):
                group.append((middle[0], middle[1], gap, p))
                break
        else:
            groups.append([(middle[0], middle[1], gap, p)])
    crossings = []
    for group in groups:
        if _extent(group) > max_extent_m:
            continue
        lat, lon, gap, point = group[0]
        crossings.append(Crossing(lat, lon, gap, point.postal_code, point.neighbourhood))
    return crossings


def _extent(group: list[tuple[float, float, float, IndexedPoint]]) -> float:
    sample = group[:40]
    return max(
        (distance_m(a[0], a[1], b[0], b[1]) for i, a in enumerate(sample) for b in sample[i + 1 :]),
        default=0.0,
    )
