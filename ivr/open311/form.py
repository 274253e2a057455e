"""A :class:`~ivr.open311.models.NewRequest` → the form fields of a GeoReport v2 POST.

The spec's POST is ``application/x-www-form-urlencoded``. What is sent:

- ``service_code``; ``lat`` and ``long`` written with six decimals (about 11 cm, finer than any
  geocoder here, and what most CRMs store) and ``address_string`` beside them when both are
  known, so a city that ignores one still has the other; ``address_id`` when given;
- ``attribute[code]=value`` for a single value; a multi-value attribute (one with several
  values, or any ``multivaluelist`` attribute of the definition the caller passes, even with one
  value chosen) in the city's form (``IVR_OPEN311_MULTIVALUE``): ``brackets``, the spec's
  ``attribute[code][]=value`` repeated, or ``repeat``, ``attribute[code]=value`` repeated
  (mySociety's open311-adapter reads no other). Whatever the number of values, a
  ``multivaluelist`` goes out in the same form;
- ``description`` cut to :data:`~ivr.open311.models.DESCRIPTION_LIMIT` characters, at a word
  boundary when there is one in the last half;
- ``api_key`` (POST is the only call that carries it) and ``jurisdiction_id`` only when given;
- the optional contact fields only when not empty.

Datetimes (the GET filters ``start_date`` and ``end_date``) go out as W3C datetimes in whole
seconds with their offset: ``2026-11-02T15:37:27+00:00``. open311-adapter refuses a fraction
of a second.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from ivr.open311.errors import InvalidRequest
from ivr.open311.models import DESCRIPTION_LIMIT, NewRequest

Pairs = list[tuple[str, str]]
# How a multi-value attribute is written: the spec's ``attribute[code][]`` or a repeated
# ``attribute[code]`` (see the city profile in docs/open311-client.md).
MULTIVALUE_FORMS = ("brackets", "repeat")
OPTIONAL_FIELDS = (
    "address_id",
    "email",
    "device_id",
    "account_id",
    "first_name",
    "last_name",
    "phone",
    "media_url",
)


def request_form(
    request: NewRequest,
    *,
    api_key: str = "",
    jurisdiction_id: str = "",
    multivalue_codes: frozenset[str] = frozenset(),
    multivalue: str = "brackets",
) -> Pairs:
    """The ordered form fields for ``request``; raises :class:`InvalidRequest` before sending.

    ``multivalue_codes``: the attributes the service definition declares ``multivaluelist``;
    ``multivalue``: the form they take (one of :data:`MULTIVALUE_FORMS`)."""
    if multivalue not in MULTIVALUE_FORMS:
        raise ValueError(f"multivalue must be brackets or repeat, not {multivalue!r}")
    if not request.service_code:
        raise InvalidRequest("the request has no service_code")
    if not request.has_location:
        raise InvalidRequest("the request has no location (lat/long, address_string or id)")
    pairs: Pairs = []
    if jurisdiction_id:
        pairs.append(("jurisdiction_id", jurisdiction_id))
    pairs.append(("service_code", request.service_code))
    if request.lat is not None and request.long is not None:
        pairs.append(("lat", coordinate(request.lat, "lat", 90.0)))
        pairs.append(("long", coordinate(request.long, "long", 180.0)))
    if request.address_string:
        pairs.append(("address_string", request.address_string))
    for name in OPTIONAL_FIELDS:
        value = getattr(request, name)
        if value:
            pairs.append((name, value))
    if request.description:
        pairs.append(("description", truncate_description(request.description)))
    for code, values in request.attributes:
        if len(values) > 1 or code in multivalue_codes:
            name = f"attribute[{code}][]" if multivalue == "brackets" else f"attribute[{code}]"
            pairs.extend((name, value) for value in values)
        elif values:
            pairs.append((f"attribute[{code}]", values[0]))
    if api_key:
        pairs.append(("api_key", api_key))
    return pairs


def search_filters(
    *,
    ids: Sequence[str] = (),
    service_code: str = "",
    start: datetime | None = None,
    end: datetime | None = None,
    status: str = "",
) -> Pairs:
    """The query string of a ``GET requests`` with the spec's filters; dates must carry a
    timezone and go out in whole seconds (the window widened to the seconds around it)."""
    params: Pairs = []
    if ids:
        params.append(("service_request_id", ",".join(ids)))
    if service_code:
        params.append(("service_code", service_code))
    for name, moment in (("start_date", start), ("end_date", end)):
        if moment is not None:
            if moment.tzinfo is None:
                raise InvalidRequest(f"{name} needs a timezone")
            params.append((name, w3c_datetime(moment, round_up=name == "end_date")))
    if status:
        params.append(("status", status))
    return params


def encode(pairs: Pairs) -> bytes:
    """The urlencoded body, with repeated keys kept in order."""
    return urlencode(pairs).encode("ascii")


def w3c_datetime(moment: datetime, *, round_up: bool = False) -> str:
    """``moment`` as a W3C datetime in whole seconds, with its offset
    (``2026-11-02T15:37:27+00:00``, ``2026-03-01T08:00:00-05:00``).

    A fraction of a second is dropped (``round_up``: carried to the next second instead, so
    that the end of a search window never moves before ``moment``). An offset that is not a
    whole number of minutes, which W3C datetimes cannot write, becomes UTC. A naive datetime
    is refused: the city could not know which time it means."""
    offset = moment.utcoffset()
    if offset is None:
        raise InvalidRequest("a datetime sent to the city needs a timezone")
    if offset % timedelta(minutes=1):
        moment = moment.astimezone(UTC)
    whole = moment.replace(microsecond=0)
    if round_up and whole != moment:
        whole += timedelta(seconds=1)
    return whole.isoformat()


def coordinate(value: float, name: str, bound: float) -> str:
    if not math.isfinite(value) or abs(value) > bound:
        raise InvalidRequest(f"the request's {name} is out of range")
    return f"{value:.6f}"


def truncate_description(description: str, limit: int = DESCRIPTION_LIMIT) -> str:
    """``description`` in at most ``limit`` characters, cut between words when possible."""
    if len(description) <= limit:
        return description
    cut = description[:limit]
    if not description[limit].isspace():
        boundary = max(cut.rfind(" "), cut.rfind("\n"), cut.rfind("\t"))
        if boundary >= limit // 2:
            cut = cut[:boundary]
    return cut.rstrip()
