"""Answers of four geocoding services for real Boston places, in each service's documented shape.

A :class:`Spot` is a place in Boston (taken from the sample address points shipped with
voice311, and the corner of Washington and Boylston Streets); ``nominatim_body``,
``pelias_body``, ``arcgis_body`` and ``census_body`` write a list of them as that service
answers, with the fields the services send beside the ones the adapters read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

OSM_LICENCE = "Data © OpenStreetMap contributors, ODbL 1.0. http://osm.org/copyright"


@dataclass(frozen=True)
class Spot:
    lat: float
    lon: float
    kind: str  # "point", "interpolated", "street", "intersection"
    number: str = ""
    street: str = "Washington Street"
    cross: str = ""
    postal: str = ""
    hood: str = ""
    city: str = "Boston"
    state: str = "Massachusetts"


BRIGHTON_438 = Spot(42.3483280, -71.1574380, "point", "438", postal="02135", hood="Brighton")
BRIGHTON_135 = Spot(42.3454247, -71.1452406, "point", "135", postal="02135", hood="Brighton")
DORCHESTER_135 = Spot(42.3046539, -71.0799452, "point", "135", postal="02121", hood="Dorchester")
SOUTH_END_1400 = Spot(
    42.3407471, -71.0695657, "interpolated", "1400", postal="02118", hood="South End"
)
WASHINGTON_STREET = Spot(42.3498066, -71.0639959, "street", postal="02111", hood="Chinatown")
WASHINGTON_AND_BOYLSTON = Spot(
    42.3523700, -71.0627100, "intersection", cross="Boylston Street", postal="02116",
    hood="Downtown",
)  # fmt: skip
SPRINGFIELD_1 = Spot(
    42.1014831, -72.5898110, "point", "1", street="Main Street", postal="01103",
    hood="Metro Center", city="Springfield",
)  # fmt: skip

# What each service finds, by the first part of the query ("438 WASHINGTON ST").
BOSTON: dict[str, list[Spot]] = {
    "438 WASHINGTON ST": [BRIGHTON_438],
    "135 WASHINGTON ST": [BRIGHTON_135, DORCHESTER_135],
    "1400 WASHINGTON ST": [SOUTH_END_1400],
    "99999 WASHINGTON ST": [WASHINGTON_STREET],
    "WASHINGTON ST & BOYLSTON ST": [WASHINGTON_AND_BOYLSTON],
    "438 WASHINGTON AVE": [BRIGHTON_438],  # the services forgive the wrong suffix
    "1 MAIN ST": [SPRINGFIELD_1],
}


def _abbreviated(street: str) -> str:
    return street.replace(" Street", " St")


# --- Nominatim: /search?format=jsonv2&addressdetails=1 -------------------------------------


def nominatim_body(spots: list[Spot]) -> list[dict[str, Any]]:
    return [_nominatim_place(index, spot) for index, spot in enumerate(spots)]


def _nominatim_place(index: int, spot: Spot) -> dict[str, Any]:
    address: dict[str, str] = {}
    if spot.number and spot.kind in ("point", "interpolated"):
        address["house_number"] = spot.number
    address |= {
        "road": spot.street,
        "neighbourhood": spot.hood,
        "city": spot.city,
        "county": "Suffolk County" if spot.city == "Boston" else "Hampden County",
        "state": spot.state,
        "ISO3166-2-lvl4": "US-MA",
        "postcode": spot.postal,
        "country": "United States",
        "country_code": "us",
    }
    if spot.kind == "point":
        osm, category, kind, addresstype, rank = "node", "place", "house", "place", 30
    elif spot.kind == "interpolated":
        osm, category, kind, addresstype, rank = "way", "place", "houses", "place", 30
    else:  # Nominatim has no intersections: a corner query finds the first street
        osm, category, kind, addresstype, rank = "way", "highway", "primary", "road", 26
    words = [address.get("house_number", ""), spot.street, spot.hood, spot.city]
    return {
        "place_id": 300000 + index,
        "licence": OSM_LICENCE,
        "osm_type": osm,
        "osm_id": 9000000 + index,
        "lat": f"{spot.lat:.7f}",
        "lon": f"{spot.lon:.7f}",
        "category": category,
        "type": kind,
        "place_rank": rank,
        "importance": 0.00000999 if rank == 30 else 0.0533,
        "addresstype": addresstype,
        "name": spot.street if addresstype == "road" else "",
        "display_name": ", ".join(w for w in [*words, spot.state, spot.postal] if w),
        "address": address,
        "boundingbox": [f"{spot.lat - 0.0001:.7f}", f"{spot.lat + 0.0001:.7f}",
                        f"{spot.lon - 0.0001:.7f}", f"{spot.lon + 0.0001:.7f}"],
    }  # fmt: skip


# --- Pelias: /v1/search ------------------------------------------------------------------


def pelias_body(spots: list[Spot], text: str) -> dict[str, Any]:
    features = [_pelias_feature(index, spot) for index, spot in enumerate(spots)]
    return {
        "geocoding": {
            "version": "0.2",
            "attribution": "https://geocode.earth/guidelines",
            "query": {"text": text, "size": 10, "private": False, "lang": {"iso6391": "en"}},
            "engine": {"name": "Pelias", "author": "Mapzen", "version": "1.0"},
            "timestamp": 1717430400000,
        },
        "type": "FeatureCollection",
        "features": features,
    }


def _pelias_feature(index: int, spot: Spot) -> dict[str, Any]:
    props: dict[str, Any] = {
        "id": f"us/ma/city_of_boston-addresses-county:{index}",
        "source": "openaddresses",
        "country_code": "US",
        "country": "United States",
        "country_a": "USA",
        "region": spot.state,
        "region_a": "MA",
        "county": "Suffolk County",
        "locality": spot.city,
        "neighbourhood": spot.hood,
        "postalcode": spot.postal,
    }
    if spot.kind in ("point", "interpolated"):
        props |= {
            "layer": "address",
            "name": f"{spot.number} {spot.street}",
            "housenumber": spot.number,
            "street": spot.street,
            "confidence": 1 if spot.kind == "point" else 0.9,
            "match_type": "exact" if spot.kind == "point" else "interpolated",
            "accuracy": "point",
        }
        if spot.kind == "interpolated":
            props["source"] = "openstreetmap"
    elif spot.kind == "street":
        props |= {
            "layer": "street",
            "source": "openstreetmap",
            "name": spot.street,
            "street": spot.street,
            "confidence": 0.6,
            "match_type": "fallback",
            "accuracy": "centroid",
        }
    else:
        props |= {
            "layer": "intersection",
            "source": "openstreetmap",
            "name": f"{spot.street} & {spot.cross}",
            "street": spot.street,
            "cross_street": spot.cross,
            "confidence": 1,
            "match_type": "exact",
            "accuracy": "point",
        }
    props["gid"] = f"{props['source']}:{props['layer']}:{index}"
    props["label"] = f"{props['name']}, {spot.city}, MA, USA"
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [spot.lon, spot.lat]},
        "properties": props,
    }


# --- ArcGIS: /findAddressCandidates?f=json&outFields=* -----------------------------------

_ARCGIS_TYPES = {
    "point": ("PointAddress", 100),
    "interpolated": ("StreetAddress", 98.5),
    "street": ("StreetName", 90.87),
    "intersection": ("StreetInt", 100),
}


def arcgis_body(spots: list[Spot]) -> dict[str, Any]:
    return {
        "spatialReference": {"wkid": 4326, "latestWkid": 4326},
        "candidates": [_arcgis_candidate(spot) for spot in spots],
    }


def _arcgis_candidate(spot: Spot) -> dict[str, Any]:
    addr_type, score = _ARCGIS_TYPES[spot.kind]
    short = _abbreviated(spot.street)
    name, _, st_type = short.rpartition(" ")
    first = short
    if spot.kind == "intersection":
        first = f"{short} & {_abbreviated(spot.cross)}"
    elif spot.number and spot.kind != "street":
        first = f"{spot.number} {short}"
    place = spot.hood if spot.kind != "intersection" else spot.city
    address = f"{first}, {place}, {spot.state}, {spot.postal}"
    number = spot.number if spot.kind in ("point", "interpolated") else ""
    attributes = {
        "Loc_name": "World", "Status": "M", "Score": score, "Match_addr": address,
        "LongLabel": f"{address}, USA", "ShortLabel": first, "Addr_type": addr_type,
        "Type": "", "PlaceName": "", "Place_addr": address, "Phone": "", "URL": "", "Rank": 20,
        "AddBldg": "", "AddNum": number, "AddNumFrom": "", "AddNumTo": "", "AddRange": "",
        "Side": "", "StPreDir": "", "StPreType": "", "StName": name, "StType": st_type,
        "StDir": "", "BldgType": "", "BldgName": "", "LevelType": "", "LevelName": "",
        "UnitType": "", "UnitName": "", "SubAddr": "", "StAddr": first, "Block": "",
        "Sector": "", "Nbrhd": spot.hood, "District": "", "City": spot.city, "MetroArea": "",
        "Subregion": "Suffolk County", "Region": spot.state, "RegionAbbr": "MA",
        "Territory": "", "Zone": "", "Postal": spot.postal, "PostalExt": "", "Country": "USA",
        "CntryName": "United States", "LangCode": "ENG", "Distance": 0,
        "X": spot.lon, "Y": spot.lat, "DisplayX": spot.lon, "DisplayY": spot.lat,
        "Xmin": spot.lon - 0.001, "Xmax": spot.lon + 0.001,
        "Ymin": spot.lat - 0.001, "Ymax": spot.lat + 0.001, "ExInfo": "",
    }  # fmt: skip
    return {
        "address": address,
        "location": {"x": spot.lon, "y": spot.lat},
        "score": score,
        "attributes": attributes,
        "extent": {
            "xmin": spot.lon - 0.001,
            "ymin": spot.lat - 0.001,
            "xmax": spot.lon + 0.001,
            "ymax": spot.lat + 0.001,
        },
    }


# --- US Census: /geocoder/locations/onelineaddress?format=json -----------------------------


def census_body(spots: list[Spot], address: str) -> dict[str, Any]:
    return {
        "result": {
            "input": {
                "address": {"address": address},
                "benchmark": {
                    "isDefault": True,
                    "benchmarkDescription": "Public Address Ranges - Current Benchmark",
                    "id": "4",
                    "benchmarkName": "Public_AR_Current",
                },
            },
            "addressMatches": [
                _census_match(spot) for spot in spots if spot.kind in ("point", "interpolated")
            ],
        }
    }


def _census_match(spot: Spot) -> dict[str, Any]:
    name, _, suffix = _abbreviated(spot.street).upper().rpartition(" ")
    low = int(spot.number) // 100 * 100
    return {
        "tigerLine": {"side": "L" if int(spot.number) % 2 else "R", "tigerLineId": "86828536"},
        "coordinates": {"x": spot.lon, "y": spot.lat},
        "addressComponents": {
            "zip": spot.postal,
            "streetName": name,
            "preType": "",
            "city": spot.city.upper(),
            "preDirection": "",
            "suffixDirection": "",
            "fromAddress": str(low),
            "state": "MA",
            "suffixType": suffix,
            "toAddress": str(low + 98),
            "suffixQualifier": "",
            "preQualifier": "",
        },
        "matchedAddress": (
            f"{spot.number} {name} {suffix}, {spot.city.upper()}, MA, {spot.postal}"
        ),
    }
