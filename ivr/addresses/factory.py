"""Choosing the address resolver ``IVR_GEOCODER`` names: the gazetteer, or a remote geocoder."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import httpx

from ivr.addresses.remote import RemoteConfig, RemoteGeocoder, RequestPacer, default_user_agent
from ivr.addresses.remote_arcgis import ArcGISGeocoder
from ivr.addresses.remote_census import CensusGeocoder
from ivr.addresses.remote_nominatim import NominatimGeocoder
from ivr.addresses.remote_pelias import PeliasGeocoder
from ivr.addresses.types import AddressResolver
from ivr.settings import Settings

if TYPE_CHECKING:
    from ivr.addresses.geocoder import GazetteerGeocoder

REMOTE_GEOCODERS: dict[str, type[RemoteGeocoder]] = {
    adapter.source: adapter
    for adapter in (NominatimGeocoder, PeliasGeocoder, ArcGISGeocoder, CensusGeocoder)
}

# Nominatim's public server allows one request a second from an application.
NOMINATIM_PUBLIC_HOST = "nominatim.openstreetmap.org"
NOMINATIM_PUBLIC_INTERVAL = 1.0


def make_resolver(
    settings: Settings,
    *,
    gazetteer: Callable[[], GazetteerGeocoder],
    http: httpx.Client | None = None,
) -> AddressResolver:
    """The address resolver ``settings.geocoder`` names.

    ``gazetteer`` returns the process's gazetteer geocoder, and is only called when it is the
    one chosen. A remote geocoder uses ``http`` when given (its requests carry their own
    timeout and User-Agent); otherwise a client of its own, which lives as long as the process
    (the caller may close it through ``resolver.http``).
    """
    if settings.geocoder == "gazetteer":
        return gazetteer()
    adapter = REMOTE_GEOCODERS[settings.geocoder]
    config = remote_config(settings, adapter)
    if http is None:
        http = httpx.Client(timeout=settings.geocoder_timeout, follow_redirects=True)
    pacer = None
    if urlsplit(config.base_url).hostname == NOMINATIM_PUBLIC_HOST:
        pacer = RequestPacer(NOMINATIM_PUBLIC_INTERVAL, clock=time.monotonic, sleep=time.sleep)
    return adapter(http, config, pacer=pacer)


def remote_config(settings: Settings, adapter: type[RemoteGeocoder]) -> RemoteConfig:
    return RemoteConfig(
        base_url=settings.geocoder_url or adapter.default_url,
        api_key=settings.geocoder_api_key,
        city=settings.geocoder_city,
        region=settings.geocoder_region,
        country=settings.geocoder_country,
        bounds=settings.geocoder_area,
        timeout=settings.geocoder_timeout,
        user_agent=default_user_agent(settings.public_base_url),
    )
