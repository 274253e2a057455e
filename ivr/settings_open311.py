"""The Open311 settings: the city's GeoReport v2 endpoint the gateway files reports to, and the
embedded endpoint it serves when the city has none.

A group of :class:`ivr.settings.Settings`, which inherits these fields; they are read, checked
and documented there with every other setting.
"""

from __future__ import annotations

from dataclasses import dataclass

from ivr.settings_field import setting


@dataclass(frozen=True)
class Open311Settings:
    """The city's GeoReport v2 endpoint and the embedded one."""

    open311_endpoint: str = setting(
        "",
        "Base URL of the city's GeoReport v2 endpoint (the folder holding `services.json`). "
        "Empty: the gateway's own embedded endpoint.",
    )
    open311_format: str = setting("json", "Format spoken to the city's endpoint: `json` or `xml`.")
    open311_api_key: str = setting(
        "", "API key sent to the city's endpoint (where: `IVR_OPEN311_API_KEY_PLACEMENT`)."
    )
    open311_api_key_placement: str = setting(
        "form",
        "`form`: the API key goes as `api_key` in the body of each POST only (the spec); "
        "`bearer`: as `Authorization: Bearer <key>` on every call, reads too (Boston's BOS:311 "
        "raises its rate limit for keyed reads). Never in a URL.",
    )
    open311_multivalue: str = setting(
        "brackets",
        "How a multivaluelist answer is sent: `brackets`, `attribute[code][]=v` repeated (the "
        "spec's form); `repeat`, `attribute[code]=v` repeated (mySociety's open311-adapter). "
        "The same form whatever the number of values.",
    )
    open311_jurisdiction_id: str = setting(
        "", "`jurisdiction_id` sent to the city's endpoint; empty: never sent."
    )
    open311_timeout: float = setting(
        10.0, "Seconds before a call to the city's endpoint times out."
    )
    open311_services_ttl: float = setting(
        3600.0,
        "Seconds a cached service list is trusted before it is fetched again (it is also "
        "refreshed when the discovery `changeset` changes).",
    )
    open311_discovery_url: str = setting(
        "",
        "URL of the city's `discovery.json` (or `.xml`); when set, the service list is fetched "
        "again as soon as its `changeset` changes. Empty: the TTL alone decides.",
    )
    services_file: str = setting(
        "",
        "JSON or YAML file of the services the embedded endpoint offers. Empty: the sample city "
        "shipped with voice311 (San Francisco's 2010 list).",
    )
    embedded_api_key: str = setting(
        "", "API key the embedded endpoint requires on POST; empty: none required."
    )
    embedded_jurisdiction_id: str = setting(
        "", "Jurisdiction the embedded endpoint answers for; empty: any or none accepted."
    )
    embedded_contact: str = setting(
        "the city's 311 office",
        "Who runs the embedded endpoint and how to reach them (an office, an address, a web "
        "page): published as `contact` in its discovery document, and named in `key_service` "
        "when POSTs need an API key.",
    )
