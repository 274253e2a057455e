"""The address settings: the gazetteer (the city's address points) and the geocoder that turns a
spoken address into a point, the gazetteer or a remote service.

A group of :class:`ivr.settings.Settings`, which inherits these fields; they are read, checked
and documented there with every other setting.
"""

from __future__ import annotations

from dataclasses import dataclass

from ivr.settings_field import setting


@dataclass(frozen=True)
class AddressSettings:
    """The gazetteer and the geocoder."""

    gazetteer_file: str = setting(
        "",
        "The city's address points (AddressData or OpenAddresses CSV). `ivr serve` imports them "
        "at start as the dataset named after the file (`miami-addresses.csv`: "
        "`miami-addresses`) unless the gazetteer holds it already, and geocodes with it. Set it "
        "before the first start. Empty: with an empty gazetteer, the sample Boston addresses "
        "shipped with voice311 (dataset `sample-boston`; ODbL, © OpenStreetMap contributors), "
        "with a warning at every start.",
    )
    gazetteer_datasets: str = setting(
        "",
        "Comma-separated names of the gazetteer datasets geocoding uses (`ivr gazetteer list`); "
        "several are used together, as one city. Empty: the dataset of `IVR_GAZETTEER_FILE`, "
        "else the only dataset there is; with several and none chosen, `ivr serve` refuses to "
        "start.",
    )
    gazetteer_neighbourhoods_file: str = setting(
        "",
        "CSV (`postal_code,neighbourhood`) naming the neighbourhood of each postal code, used for "
        "address points that carry no district. Empty: Boston's, shipped with voice311.",
    )
    geocoder: str = setting(
        "gazetteer",
        "What turns a spoken address into a point: `gazetteer` (the city's own address points), "
        "`nominatim`, `pelias`, `arcgis` or `census` (remote services).",
    )
    geocoder_url: str = setting(
        "",
        "Base URL of the remote geocoder. Empty: the public service (nominatim.openstreetmap.org, "
        "api.geocode.earth, ArcGIS World Geocoding Service, geocoding.geo.census.gov).",
    )
    geocoder_api_key: str = setting(
        "",
        "Key sent to the remote geocoder (Pelias `api_key`, ArcGIS `token`); empty: none sent.",
    )
    geocoder_city: str = setting(
        "", "City name added to every remote geocoder query (e.g. `Boston`); empty: none."
    )
    geocoder_region: str = setting(
        "", "State or region added to every remote geocoder query (e.g. `MA`); empty: none."
    )
    geocoder_country: str = setting(
        "us", "ISO 3166-1 alpha-2 country the remote geocoder searches in; empty: any."
    )
    geocoder_bounds: str = setting(
        "",
        "The city's area as `west,south,east,north` degrees (Boston: "
        "`-71.191,42.227,-70.986,42.397`): remote geocoders search inside it and places "
        "outside it are dropped. Empty: no bound.",
    )
    geocoder_timeout: float = setting(
        5.0, "Seconds before a request to the remote geocoder times out."
    )
