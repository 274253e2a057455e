"""The gazetteer read by house number, for the speech recogniser.

- :func:`streets_placing`: the streets a house number can be on (a point with that number, or
  a run of the street that places it by interpolation, as the geocoder would). After a caller
  keys the house number in, the street they say next is recognised among these streets only
  (a strict grammar). In Boston a house number that a caller's address has is a point on 3
  streets at the median, but interpolation places it on 1,215 of the 2,959 streets at the
  median (2,400 at most): the narrowing is modest, and the strict grammar does the rest.
- :func:`numbered_addresses`: every (number, street) pair of the gazetteer, from which the
  recogniser's address language model learns which numbers go with which streets.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator

from ivr.addresses.geometry import interpolate
from ivr.addresses.index import GazetteerIndex, IndexedStreet
from ivr.addresses.scoring import INTERPOLATION_REACH

_CACHE_SIZE = 256


def places_number(street: IndexedStreet, number: int) -> bool:
    """True when the geocoder can place ``number`` on ``street``."""
    if number in street.by_int:
        return True
    return any(
        interpolate(number, run.side(number), run.both, reach=INTERPOLATION_REACH) is not None
        for run in street.runs
    )


class StreetsByNumber:
    """:func:`streets_placing` with a small cache, per gazetteer index (its digest and newest
    import); thread-safe."""

    def __init__(self) -> None:
        self._cache: OrderedDict[tuple[str, int, int], tuple[str, ...]] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, index: GazetteerIndex, number: int) -> tuple[str, ...]:
        key = (index.digest, index.import_id, number)
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        found = streets_placing(index, number)
        with self._lock:
            self._cache[key] = found
            while len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        return found


def streets_placing(index: GazetteerIndex, number: int) -> tuple[str, ...]:
    """Display names of the streets that place ``number``, sorted (about 35 ms for Boston:
    every street is tried, hence :class:`StreetsByNumber`'s cache)."""
    return tuple(sorted({s.display for s in index.streets.values() if places_number(s, number)}))


def numbered_addresses(index: GazetteerIndex) -> Iterator[tuple[int, str]]:
    """Every numbered address of the gazetteer once, as (house number, street display name)."""
    for street in index.streets.values():
        for number in street.by_int:
            yield number, street.display
