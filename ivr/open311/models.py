"""Open311 GeoReport v2 data as the program holds it: frozen dataclasses.

These are shared by the client (which parses them out of a city's answers) and the embedded
endpoint (which serves them). Identifiers and codes are opaque strings everywhere: ``"0"`` is a
valid request id, and ``"007"`` is not ``"7"``. Fields holding personal data are left out of
``repr`` so that a logged object never shows them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

SERVICE_TYPES = ("realtime", "batch", "blackbox")
DATATYPES = ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")
DESCRIPTION_LIMIT = 4000


@dataclass(frozen=True)
class Service:
    service_code: str
    service_name: str
    description: str = ""
    metadata: bool = False
    type: str = "realtime"
    keywords: tuple[str, ...] = ()
    group: str = ""


@dataclass(frozen=True)
class AttributeValue:
    key: str
    name: str


@dataclass(frozen=True)
class Attribute:
    code: str
    datatype: str
    description: str = ""
    required: bool = False
    variable: bool = True
    order: int = 0
    datatype_description: str = ""
    values: tuple[AttributeValue, ...] = ()


@dataclass(frozen=True)
class ServiceDefinition:
    service_code: str
    attributes: tuple[Attribute, ...] = ()


@dataclass(frozen=True)
class Endpoint:
    specification: str
    url: str
    changeset: str = ""
    type: str = "production"
    formats: tuple[str, ...] = ()


@dataclass(frozen=True)
class Discovery:
    changeset: str = ""
    contact: str = ""
    key_service: str = ""
    endpoints: tuple[Endpoint, ...] = ()


@dataclass(frozen=True)
class NewRequest:
    """A service request to be filed. ``attributes`` maps a code to one or more values."""

    service_code: str
    lat: float | None = None
    long: float | None = None
    address_string: str = field(default="", repr=False)
    address_id: str = ""
    description: str = field(default="", repr=False)
    attributes: tuple[tuple[str, tuple[str, ...]], ...] = ()
    email: str = field(default="", repr=False)
    device_id: str = ""
    account_id: str = ""
    first_name: str = field(default="", repr=False)
    last_name: str = field(default="", repr=False)
    phone: str = field(default="", repr=False)
    media_url: str = field(default="", repr=False)
    # What the embedded endpoint keeps beyond the spec's fields: every media_url after the
    # first, and answers to attributes the service does not ask (code → values).
    further_media_urls: tuple[str, ...] = field(default=(), repr=False)
    extra_attributes: tuple[tuple[str, tuple[str, ...]], ...] = field(default=(), repr=False)

    @property
    def has_location(self) -> bool:
        return (self.lat is not None and self.long is not None) or bool(
            self.address_string or self.address_id
        )


@dataclass(frozen=True)
class SubmitResult:
    """What a city answered to a POST: an id, a token to exchange later, or (blackbox) neither."""

    service_request_id: str | None = None
    token: str | None = None
    service_notice: str = ""
    account_id: str = ""


@dataclass(frozen=True)
class ServiceRequest:
    """A filed request as the GET side reports it."""

    service_request_id: str
    status: str = "open"
    service_code: str = ""
    service_name: str = ""
    status_notes: str = ""
    description: str = field(default="", repr=False)
    agency_responsible: str = ""
    service_notice: str = ""
    requested_datetime: datetime | None = None
    updated_datetime: datetime | None = None
    expected_datetime: datetime | None = None
    address: str = field(default="", repr=False)
    address_id: str = ""
    zipcode: str = ""
    lat: float | None = None
    long: float | None = None
    media_url: str = ""
    # How many callers added their voice to it ("me too"): an extension of the embedded
    # endpoint (docs/open311-endpoint.md); 0 for requests read from a city.
    me_too_count: int = 0


@dataclass(frozen=True)
class RequestUpdate:
    """One change to a published request, in mySociety's ``servicerequestupdates`` extension
    (the one FixMyStreet reads): ``update_id`` names the change, stable across reads."""

    update_id: str
    service_request_id: str
    status: str
    updated_datetime: datetime
    description: str = ""
    media_url: str = ""
