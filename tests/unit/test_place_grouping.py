"""Found places grouped into one entry per place: the same answer as comparing every pair."""

from __future__ import annotations

import random
from dataclasses import dataclass

from ivr.addresses.geometry import distance_m
from ivr.addresses.place_grouping import group_places


@dataclass(frozen=True)
class Found:
    lat: float
    lon: float
    quality: float
    name: str


def pairwise(found: list[Found], same_place_m: float) -> list[Found]:
    """Every found place compared with every place kept: what group_places must equal."""
    ordered = sorted(found, key=lambda f: -f.quality)
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
        places.append(Found(lat, lon, item.quality, item.name))
    return places


def buildings(rng: random.Random, count: int) -> list[Found]:
    """Apartment buildings across a country: many points of one number close together."""
    found = []
    for building in range(rng.randint(1, 20)):
        lat, lon = rng.uniform(25, 48), rng.uniform(-123, -70)
        for unit in range(rng.randint(1, count)):
            found.append(
                Found(
                    lat + rng.gauss(0, 0.0006),
                    lon + rng.gauss(0, 0.0008),
                    rng.choice((1.0, 1.0, 0.9)),
                    f"{building}-{unit}",
                )
            )
    return found


def test_grouping_equals_comparing_every_pair() -> None:
    rng = random.Random(7)
    for _ in range(300):
        found = buildings(rng, rng.choice((2, 10, 60)))
        assert group_places(found, 100.0) == pairwise(found, 100.0)


def test_points_a_hundred_metres_apart_are_one_place_and_further_are_two() -> None:
    near = [Found(42.0, -71.0, 1.0, "a"), Found(42.0 + 99.0 / 110_574.0, -71.0, 1.0, "b")]
    far = [Found(42.0, -71.0, 1.0, "a"), Found(42.0 + 101.0 / 110_574.0, -71.0, 1.0, "b")]

    assert [p.name for p in group_places(near * 8, 100.0)] == ["a"]
    assert [p.name for p in group_places(far * 8, 100.0)] == ["a", "b"]
