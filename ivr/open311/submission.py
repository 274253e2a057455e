"""A POSTed service request, checked against the catalogue before anything is stored.

The checks are the ones GeoReport v2 asks of a server, made strict so that what is published
later is clean: the service exists (else 404, the spec's status); there is a location (``lat``
and ``long`` together, both finite and in range, or ``address_string``, or ``address_id``);
every required attribute is answered; list answers are among the attribute's keys, number
answers are numbers, datetime answers are ISO 8601; a description is at most 4,000 characters.
Every other refusal is status 400 and names the field; values are never echoed.

What real clients send beyond a service's definition is kept, not refused: an attribute the
service does not ask (FixMyStreet adds ``attribute[uprn]`` to every report that has one) is
stored apart, for staff, and never published; several ``media_url`` (FixMyStreet sends one per
photo) are all kept, the first being the one the GET side publishes.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from ivr.open311.catalogue import LIST_DATATYPES, ServiceCatalogue
from ivr.open311.models import DESCRIPTION_LIMIT, Attribute, NewRequest, Service
from ivr.open311.server_input import FormFields, Refusal, field_label, parse_number

LIMITS = {
    "service_code": 120,
    "lat": 64,
    "long": 64,
    "address_string": 1000,
    "address_id": 255,
    "email": 255,
    "device_id": 255,
    "account_id": 255,
    "first_name": 255,
    "last_name": 255,
    "phone": 64,
    "description": DESCRIPTION_LIMIT,
    "api_key": 255,
    "jurisdiction_id": 255,
}
SCALAR_FIELDS = (*LIMITS, "media_url")  # media_url may be repeated, never an array
MEDIA_URL_LIMIT = 2048
MAX_MEDIA_URLS = 20
VALUE_LIMIT = 1000  # characters in one answer to a string, number, datetime or list attribute
TEXT_LIMIT = DESCRIPTION_LIMIT  # characters in one answer to a text attribute


def read_submission(fields: FormFields, catalogue: ServiceCatalogue) -> tuple[Service, NewRequest]:
    """The service and the request a POST form describes, or a :class:`Refusal`."""
    values = {name: fields.scalar(name, limit=limit) for name, limit in LIMITS.items()}
    code = values["service_code"]
    if not code:
        raise Refusal(400, "service_code is required")
    service = catalogue.service(code)
    if service is None:
        raise Refusal(404, f"service_code {field_label(code)!r} is not a service of this city")
    lat, long = _coordinates(values["lat"], values["long"])
    address_string = values["address_string"].strip()
    address_id = values["address_id"].strip()
    if lat is None and not address_string and not address_id:
        raise Refusal(400, "a location is required: lat and long, address_string or address_id")
    email = values["email"].strip()
    if email and ("@" not in email or any(c.isspace() for c in email)):
        raise Refusal(400, "email is not an email address")
    media_urls = [
        url.strip()
        for url in fields.repeated("media_url", limit=MEDIA_URL_LIMIT, most=MAX_MEDIA_URLS)
    ]
    if not all(_is_web_url(url) for url in media_urls):
        raise Refusal(400, "media_url must be an http or https URL")
    definition = catalogue.definition(code)
    given = fields.attributes()
    asked = definition.attributes if definition else ()
    attributes = _answers(given, asked)
    extra_attributes = _extra_answers(given, asked)
    request = NewRequest(
        service_code=code,
        lat=lat,
        long=long,
        address_string=address_string,
        address_id=address_id,
        description=values["description"].strip(),
        attributes=attributes,
        email=email,
        device_id=values["device_id"].strip(),
        account_id=values["account_id"].strip(),
        first_name=values["first_name"].strip(),
        last_name=values["last_name"].strip(),
        phone=values["phone"].strip(),
        media_url=media_urls[0] if media_urls else "",
        further_media_urls=tuple(media_urls[1:]),
        extra_attributes=extra_attributes,
    )
    return service, request


def _coordinates(lat_text: str, long_text: str) -> tuple[float | None, float | None]:
    if not lat_text.strip() and not long_text.strip():
        return None, None
    if not lat_text.strip() or not long_text.strip():
        raise Refusal(400, "lat and long must be given together")
    lat = parse_number(lat_text)
    if lat is None or not -90.0 <= lat <= 90.0:
        raise Refusal(400, "lat must be a number from -90 to 90")
    long = parse_number(long_text)
    if long is None or not -180.0 <= long <= 180.0:
        raise Refusal(400, "long must be a number from -180 to 180")
    return lat, long


def _is_web_url(text: str) -> bool:
    try:
        parts = urlsplit(text)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _answers(
    given: dict[str, list[str]], attributes: tuple[Attribute, ...]
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    answers: list[tuple[str, tuple[str, ...]]] = []
    for attribute in attributes:
        if not attribute.variable:
            continue
        values = given.get(attribute.code, [])
        if not values:
            if attribute.required:
                raise Refusal(400, f"attribute[{attribute.code}] is required")
            continue
        _check_answer(attribute, values)
        answers.append((attribute.code, tuple(v.strip() for v in values)))
    return tuple(answers)


def _extra_answers(
    given: dict[str, list[str]], attributes: tuple[Attribute, ...]
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Answers to attributes the service does not ask (unknown codes, and those with
    ``variable: false``), kept as sent: each value at most 4,000 characters."""
    asked = {a.code for a in attributes if a.variable}
    extra: list[tuple[str, tuple[str, ...]]] = []
    for code, values in given.items():
        if code in asked or not values:
            continue
        if any(len(v) > TEXT_LIMIT for v in values):
            name = f"attribute[{field_label(code)}]"
            raise Refusal(400, f"{name} is longer than {TEXT_LIMIT} characters")
        extra.append((code, tuple(v.strip() for v in values)))
    return tuple(extra)


def _check_answer(attribute: Attribute, values: list[str]) -> None:
    name = f"attribute[{attribute.code}]"
    if attribute.datatype != "multivaluelist" and len(values) > 1:
        raise Refusal(400, f"{name} takes one value, not {len(values)}")
    limit = TEXT_LIMIT if attribute.datatype == "text" else VALUE_LIMIT
    if any(len(v) > limit for v in values):
        raise Refusal(400, f"{name} is longer than {limit} characters")
    if attribute.datatype in LIST_DATATYPES:
        keys = {v.key for v in attribute.values}
        if any(v.strip() not in keys for v in values):
            raise Refusal(400, f"{name} must be one of the keys: {', '.join(sorted(keys))}")
        if len({v.strip() for v in values}) != len(values):
            raise Refusal(400, f"{name} repeats a value")
    elif attribute.datatype == "number":
        if parse_number(values[0]) is None:
            raise Refusal(400, f"{name} must be a number")
    elif attribute.datatype == "datetime":
        try:
            datetime.fromisoformat(values[0].strip())
        except ValueError:
            raise Refusal(400, f"{name} must be an ISO 8601 date and time") from None
