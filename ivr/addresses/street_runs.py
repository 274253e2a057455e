"""The runs of a street: its numbered points in one postal code, for interpolating numbers.

Points of a street are grouped into *runs*, one per postal code: the numbers of one run are
interpolated among themselves only, so Brighton's Washington Street never lends its numbers
to Dorchester's. A run holds one point per house number (the mean of several points of one
number, summed in the order they came), sorted by number, and each side of the street apart.

Every run of the gazetteer is made in one pass over :class:`PointColumns` (two sorts of all
rows, then one loop): about a second per million points.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import compress

import numpy as np
import numpy.typing as npt

from ivr.addresses.geometry import NumberedPoint
from ivr.addresses.point_columns import NO_NUMBER, IndexedPoint, PointColumns


@dataclass(frozen=True, slots=True)
class StreetRun:
    """The points of one street in one postal code, one per number, sorted by number."""

    postal_code: str
    neighbourhood: str
    even: tuple[NumberedPoint, ...]
    odd: tuple[NumberedPoint, ...]
    both: tuple[NumberedPoint, ...]
    centre: IndexedPoint  # the run's point nearest the middle of its numbers

    def side(self, number: int) -> tuple[NumberedPoint, ...]:
        return self.even if number % 2 == 0 else self.odd


def build_runs(columns: PointColumns, starts: list[int]) -> list[tuple[StreetRun, ...]]:
    """The runs of each street, whose rows are ``starts[i]:starts[i + 1]``, by postal code."""
    rows = len(columns)
    if not rows:
        return [() for _ in starts[:-1]]
    street = np.repeat(np.arange(len(starts) - 1), np.diff(starts))
    postal = _ranks(columns.postal_codes)[columns.postal_code]
    row = np.arange(rows)
    # By street, postal code, number, and the order the rows came.
    by_number = np.lexsort((row, columns.number_int, postal, street))
    # By street, postal code, number (0 when none) and number as written: the centre's order.
    written = _ranks(columns.numbers)[columns.number]
    number_or_0 = np.where(columns.number_int == NO_NUMBER, 0, columns.number_int)
    by_written = np.lexsort((row, written, number_or_0, postal, street))
    ordered_street, ordered_postal = street[by_number], postal[by_number]
    bounds = np.flatnonzero(
        (ordered_street[1:] != ordered_street[:-1]) | (ordered_postal[1:] != ordered_postal[:-1])
    )
    run_starts = [0, *(bounds + 1).tolist(), rows]
    areas = _run_neighbourhoods(columns, by_number, run_starts)
    numbered, firsts = _numbered(columns, by_number, run_starts)
    is_even = [p.number % 2 == 0 for p in numbered]
    is_odd = [p.number % 2 == 1 for p in numbered]
    run_street = ordered_street[run_starts[:-1]].tolist()
    runs: list[list[StreetRun]] = [[] for _ in starts[:-1]]
    for at in range(len(run_starts) - 1):
        first, last = run_starts[at], run_starts[at + 1]
        low, high = firsts[at], firsts[at + 1]
        centre = int(by_written[first + (last - first) // 2])
        runs[run_street[at]].append(
            StreetRun(
                postal_code=columns.postal_codes[columns.postal_code[int(by_number[first])]],
                neighbourhood=columns.neighbourhoods[areas[at]],
                even=tuple(compress(numbered[low:high], is_even[low:high])),
                odd=tuple(compress(numbered[low:high], is_odd[low:high])),
                both=tuple(numbered[low:high]),
                centre=columns.point(centre),
            )
        )
    return [tuple(street_runs) for street_runs in runs]


def _numbered(
    columns: PointColumns, order: npt.NDArray[np.intp], run_starts: list[int]
) -> tuple[list[NumberedPoint], list[int]]:
    """One point per number of each run, for rows in ``order`` (by run, number, then as they
    came): the point itself, or the mean of the points of one number (summed in the order
    they came). Run ``i``'s points are ``points[firsts[i]:firsts[i + 1]]``."""
    ints = columns.number_int[order]
    rows = len(ints)
    run = np.repeat(np.arange(len(run_starts) - 1), np.diff(run_starts))
    change = np.ones(rows, dtype=bool)
    change[1:] = (ints[1:] != ints[:-1]) | (run[1:] != run[:-1])
    group_start = np.flatnonzero(change)
    group_end = np.append(group_start[1:], rows)
    numbered = ints[group_start] != NO_NUMBER
    group_start, group_end = group_start[numbered], group_end[numbered]
    lats = columns.lat[order][group_start].tolist()
    lons = columns.lon[order][group_start].tolist()
    shared = np.flatnonzero(group_end - group_start > 1).tolist()
    if shared:
        all_lats, all_lons = columns.lat[order], columns.lon[order]
        for at in shared:
            first, last = int(group_start[at]), int(group_end[at])
            count = last - first
            lats[at] = sum(all_lats[first:last].tolist()) / count
            lons[at] = sum(all_lons[first:last].tolist()) / count
    points = list(map(NumberedPoint, ints[group_start].tolist(), lats, lons))
    firsts = np.searchsorted(group_start, run_starts).tolist()
    return points, firsts


def _run_neighbourhoods(
    columns: PointColumns, order: npt.NDArray[np.intp], run_starts: list[int]
) -> list[int]:
    """Each run's most common neighbourhood code (of equal counts, the one that came first)."""
    run = np.repeat(np.arange(len(run_starts) - 1), np.diff(run_starts))
    area = columns.neighbourhood[order].astype(np.int64)
    pair = run * (len(columns.neighbourhoods) + 1) + area
    by_pair = np.lexsort((order, pair))  # by run and neighbourhood, then the order rows came
    unique, first_at, counts = np.unique(pair[by_pair], return_index=True, return_counts=True)
    first_row = order[by_pair][first_at]  # the row where the pair came first
    unique_run = unique // (len(columns.neighbourhoods) + 1)
    # Per run: most points first, then the neighbourhood whose first point came first.
    chosen = np.lexsort((first_row, -counts, unique_run))
    is_first = np.ones(len(chosen), dtype=bool)
    is_first[1:] = unique_run[chosen][1:] != unique_run[chosen][:-1]
    winners = chosen[is_first]
    return (unique[winners] % (len(columns.neighbourhoods) + 1)).tolist()


def _ranks(texts: tuple[str, ...]) -> npt.NDArray[np.int64]:
    """The place of each text in the texts sorted as Python sorts strings."""
    ranks = np.empty(len(texts), dtype=np.int64)
    ranks[sorted(range(len(texts)), key=texts.__getitem__)] = np.arange(len(texts))
    return ranks
