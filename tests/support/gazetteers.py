"""In-memory gazetteers of the sample cities' real address points, built as the import does.

``city_geocoder("boston")`` reads ``ivr/data/<city>-addresses.csv`` with the importer's own
reader (``address_files.read_points``) and answers as the call flow's gazetteer does; built
once per test session, since the files hold tens of thousands of points.
"""

from __future__ import annotations

from functools import cache

from ivr.addresses.address_files import ReadTally, read_points
from ivr.addresses.geocoder import GazetteerGeocoder
from ivr.addresses.index import PointRecord, build_index
from ivr.settings import PACKAGE_DATA


@cache
def city_geocoder(city: str) -> GazetteerGeocoder:
    """The gazetteer of ``city`` ("boston", "miami") from its sample address file."""
    path = PACKAGE_DATA / f"{city}-addresses.csv"
    with path.open(newline="", encoding="utf-8") as stream:
        rows = list(read_points(stream, neighbourhoods={}, tally=ReadTally()))
    records = [
        PointRecord(
            street_key=row.street_key,
            street=row.street,
            house_number=row.house_number,
            house_number_int=row.house_number_int,
            postal_code=row.postal_code,
            neighbourhood=row.neighbourhood,
            lat=row.lat,
            lon=row.lon,
        )
        for row in rows
    ]
    return GazetteerGeocoder(build_index(records))
