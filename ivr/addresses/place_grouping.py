"""Places found for one street, one entry per place: the geocoder's last step before scoring.

Found places closer than ``same_place_m`` are one place. Taken best quality first, a found
place further than that from every place kept so far becomes a place, moved to the middle of
the found places of its quality within that distance (a building's number recorded at two of
its ends). The answer is exactly that of comparing every pair with
:func:`ivr.addresses.geometry.distance_m`, but a number found in a hundred places of a big
gazetteer (a nationwide "100 Main Street") costs a few hundred distances, not tens of
thousands: numpy measures every pair roughly first, and only the pairs near the threshold are
measured again exactly.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any, Protocol, TypeVar

import numpy as np
import numpy.typing as npt

from ivr.addresses.geometry import distance_m

# The constants of :func:`distance_m`.
_METRES_PER_DEGREE_LAT = 110_574.0
_METRES_PER_DEGREE_LON_AT_EQUATOR = 111_320.0
_MARGIN_M = 1.0  # the rough distances are within micrometres of the exact: a wide margin
_FEW = 12  # fewer found places than this are compared one by one


class Located(Protocol):
    @property
    def lat(self) -> float: ...

    @property
    def lon(self) -> float: ...

    @property
    def quality(self) -> float: ...


Found = TypeVar("Found", bound=Located)


def group_places(found: Sequence[Found], same_place_m: float) -> list[Found]:
    """One entry per place, best quality first (``found`` must be dataclass instances: a
    place is the best found one with its ``lat`` and ``lon`` replaced)."""
    ordered = sorted(found, key=lambda f: -f.quality)
    if len(ordered) < _FEW:
        return _one_by_one(ordered, same_place_m)
    lats = np.array([f.lat for f in ordered], dtype=np.float64)
    lons = np.array([f.lon for f in ordered], dtype=np.float64)
    qualities = np.array([f.quality for f in ordered], dtype=np.float64)
    # A found place is taken by the first place kept within same_place_m of it; each new
    # place marks, all at once, the found places it takes.
    taken = np.zeros(len(ordered), dtype=bool)
    places: list[Found] = []
    at = 0
    while at < len(ordered):
        item = ordered[at]
        near = _within(item.lat, item.lon, lats, lons, ordered, same_place_m)
        peers = [ordered[i] for i in near if qualities[i] == item.quality]
        lat = sum(f.lat for f in peers) / len(peers)
        lon = sum(f.lon for f in peers) / len(peers)
        place = _moved(item, lat, lon)
        places.append(place)
        taken[_within(lat, lon, lats, lons, ordered, same_place_m)] = True
        following = np.flatnonzero(~taken[at + 1 :])
        at = at + 1 + int(following[0]) if len(following) else len(ordered)
    return places


def _within(
    lat: float,
    lon: float,
    lats: npt.NDArray[np.float64],
    lons: npt.NDArray[np.float64],
    ordered: Sequence[Located],
    same_place_m: float,
) -> list[int]:
    """The found places within ``same_place_m`` of (lat, lon) by :func:`distance_m`, in order:
    clearly in or out by numpy's measure, measured exactly when near the threshold."""
    rough = _rough_distances(lat, lon, lats, lons)
    inside = rough <= same_place_m - _MARGIN_M
    unsure = np.flatnonzero(~inside & (rough <= same_place_m + _MARGIN_M)).tolist()
    for i in unsure:
        inside[i] = distance_m(lat, lon, ordered[i].lat, ordered[i].lon) <= same_place_m
    return np.flatnonzero(inside).tolist()


def _rough_distances(
    lat: float, lon: float, lats: npt.NDArray[np.float64], lons: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """:func:`distance_m` from one point to many, in numpy (equal to it but for rounding)."""
    mean_lat = np.radians((lats + lat) / 2.0)
    dx = (lons - lon) * _METRES_PER_DEGREE_LON_AT_EQUATOR * np.cos(mean_lat)
    dy = (lats - lat) * _METRES_PER_DEGREE_LAT
    return np.hypot(dx, dy)


def _one_by_one(ordered: list[Found], same_place_m: float) -> list[Found]:
    places: list[Found] = []
    for item in ordered:
        if any(distance_m(item.lat, item.lon, p.lat, p.lon) <= same_place_m for p in places):
            continue
        peers = [
            f
            for f in ordered
            if f.quality == item.quality
            and distance_m(item.lat, item.lon, f.lat, f.lon) <= same_place_m
        ]
        lat = sum(f.lat for f in peers) / len(peers)
        lon = sum(f.lon for f in peers) / len(peers)
        places.append(_moved(item, lat, lon))
    return places


def _moved(item: Found, lat: float, lon: float) -> Found:
    moved: Any = dataclasses.replace(item, lat=lat, lon=lon)  # type: ignore[type-var]
    return moved
