"""The city's area: a longitude/latitude box that remote geocoders search inside.

Written as ``west,south,east,north`` in degrees (the GeoJSON ``bbox`` order), e.g. Boston is
``-71.191,42.227,-70.986,42.397``. A box is enough: it keeps a "Washington Street" in another
state out of the answers, and the services all accept one.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Bounds:
    west: float
    south: float
    east: float
    north: float

    def __post_init__(self) -> None:
        if not (-180.0 <= self.west < self.east <= 180.0):
            raise ValueError("west must be below east, both within -180..180")
        if not (-90.0 <= self.south < self.north <= 90.0):
            raise ValueError("south must be below north, both within -90..90")

    @classmethod
    def parse(cls, text: str) -> Bounds:
        """Read ``west,south,east,north``; a ValueError says what is wrong."""
        parts = [part.strip() for part in text.split(",")]
        if len(parts) != 4:
            raise ValueError("expected four numbers: west,south,east,north")
        try:
            west, south, east, north = (float(part) for part in parts)
        except ValueError:
            raise ValueError("expected four numbers: west,south,east,north") from None
        return cls(west=west, south=south, east=east, north=north)

    def contains(self, lat: float, lon: float) -> bool:
        return self.south <= lat <= self.north and self.west <= lon <= self.east

    @property
    def center_lat(self) -> float:
        return (self.south + self.north) / 2

    @property
    def center_lon(self) -> float:
        return (self.west + self.east) / 2
