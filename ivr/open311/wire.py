"""GeoReport v2 answers (decoded by :mod:`ivr.open311.documents`) → the frozen dataclasses.

This is the border: every value from a city's server is checked here, and a value that cannot
be used raises :class:`WireError` naming the field (``services[3].type``). Values are read the
way real servers write them, not only as the spec does:

- ids, codes, keys and tokens are opaque strings: ``"0"`` and ``"007"`` stay as they are, and
  a JSON number becomes its digits (``12`` and ``12.0`` are ``"12"``, never ``"12.0"``);
- booleans may be JSON booleans or strings (``"true"``, ``"True"``, ``"1"``, ``"yes"``);
- datetimes are ISO 8601 with or without offset; one that does not parse becomes ``None``
  (a date the city garbled must not make a whole list unreadable);
- an answer may be the spec's array, a single object (some servers answer a POST with 201 and
  an object), or an object wrapping the array (``{"service_requests": [...]}``).

Personal data (addresses, descriptions) never goes into a :class:`WireError` message.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from ivr.open311.errors import ErrorDescription
from ivr.open311.models import (
    DATATYPES,
    SERVICE_TYPES,
    Attribute,
    AttributeValue,
    Discovery,
    Endpoint,
    Service,
    ServiceDefinition,
    ServiceRequest,
    SubmitResult,
)

TRUE_WORDS = frozenset({"true", "1", "yes", "y", "t", "on"})
FALSE_WORDS = frozenset({"false", "0", "no", "n", "f", "off", "", "null", "none"})
ERROR_FIELDS = frozenset({"code", "description"})
RECORD_FIELDS = frozenset({"service_request_id", "token", "service_code", "service_notice"})


class WireError(ValueError):
    """A value in a city's answer is missing or unusable; the message names the field."""


# --- answers ---------------------------------------------------------------------------------


def parse_services(tree: Any) -> tuple[Service, ...]:
    return tuple(_service(r, f"services[{i}]") for i, r in enumerate(records(tree, "services")))


def parse_definition(tree: Any, requested_code: str = "") -> ServiceDefinition:
    """A service definition; ``requested_code`` stands in if the answer leaves the code out.
    An answer with neither a code nor attributes (another document, such as a list of
    requests) is no definition, nor is the definition of another service than the one asked
    for: read as one, the city's questions would be lost from its calls."""
    data = _object(tree, "service_definition", {"service_code", "attributes"})
    if "service_code" not in data and "attributes" not in data:
        raise WireError("service_definition has neither service_code nor attributes")
    said = opaque(data.get("service_code"), "service_definition.service_code")
    if said is not None and requested_code and said != requested_code:
        raise WireError(
            f"service_definition.service_code is {said[:40]!r}, not the service asked for"
            f" ({requested_code[:40]!r})"
        )
    code = said or requested_code
    if not code:
        raise WireError("service_definition.service_code is missing")
    attributes = [
        _attribute(a, f"service_definition.attributes[{i}]")
        for i, a in enumerate(_list(data.get("attributes"), "service_definition.attributes"))
    ]
    attributes.sort(key=lambda a: a.order)
    return ServiceDefinition(service_code=code, attributes=tuple(attributes))


def parse_discovery(tree: Any) -> Discovery:
    data = _object(tree, "discovery", {"changeset", "endpoints", "contact"})
    endpoints = tuple(
        _endpoint(e, f"discovery.endpoints[{i}]")
        for i, e in enumerate(_list(data.get("endpoints"), "discovery.endpoints"))
    )
    return Discovery(
        changeset=text(data.get("changeset"), "discovery.changeset"),
        contact=text(data.get("contact"), "discovery.contact"),
        key_service=text(data.get("key_service"), "discovery.key_service"),
        endpoints=endpoints,
    )


def parse_submit(tree: Any) -> SubmitResult:
    """The answer to a POST. May hold neither id nor token: the client decides if that is legal."""
    found = records(tree, "service_requests")
    if not found:
        return SubmitResult()
    data, where = found[0], "service_requests[0]"
    return SubmitResult(
        service_request_id=opaque(data.get("service_request_id"), f"{where}.service_request_id"),
        token=opaque(data.get("token"), f"{where}.token"),
        service_notice=text(data.get("service_notice"), f"{where}.service_notice"),
        account_id=text(data.get("account_id"), f"{where}.account_id"),
    )


def parse_token(tree: Any) -> str | None:
    """The id a ``tokens/{token}`` answer gives, or None while the city has not assigned one."""
    for i, data in enumerate(records(tree, "service_requests")):
        found = opaque(data.get("service_request_id"), f"service_requests[{i}].service_request_id")
        if found is not None:
            return found
    return None


def parse_requests(tree: Any) -> tuple[ServiceRequest, ...]:
    found = records(tree, "service_requests")
    return tuple(_service_request(r, f"service_requests[{i}]") for i, r in enumerate(found))


def parse_errors(tree: Any) -> tuple[ErrorDescription, ...]:
    """The spec's ``errors`` answer, or ``()`` when ``tree`` is not one."""
    try:
        found = records(tree, "errors", ERROR_FIELDS)
    except WireError:
        return ()
    if not found or any(not _is_error(r) for r in found):
        return ()
    return tuple(
        ErrorDescription(
            code=text(r.get("code"), f"errors[{i}].code"),
            description=text(r.get("description"), f"errors[{i}].description"),
        )
        for i, r in enumerate(found)
    )


def _is_error(record: dict[str, Any]) -> bool:
    return "description" in record and "code" in record and not RECORD_FIELDS & record.keys()


# --- records ---------------------------------------------------------------------------------


def records(tree: Any, what: str, fields: frozenset[str] = RECORD_FIELDS) -> list[dict[str, Any]]:
    """The objects of an answer: an array, one object, or an object wrapping either."""
    tree = _unwrap(tree, fields)
    if tree is None or tree == "":
        return []
    if isinstance(tree, dict):
        return [tree]
    if not isinstance(tree, list):
        raise WireError(f"{what} is neither a list nor an object")
    for i, item in enumerate(tree):
        if not isinstance(item, dict):
            raise WireError(f"{what}[{i}] is not an object")
    return tree


def _unwrap(tree: Any, fields: frozenset[str]) -> Any:
    """Peel wrappers such as ``{"service_requests": [...]}`` or ``{"request": {...}}``."""
    for _ in range(3):
        if isinstance(tree, dict) and len(tree) == 1:
            ((key, value),) = tree.items()
            if key not in fields and isinstance(value, list | dict):
                tree = value
                continue
        break
    return tree


def _object(tree: Any, what: str, fields: set[str]) -> dict[str, Any]:
    tree = _unwrap(tree, frozenset(fields))
    if isinstance(tree, list) and len(tree) == 1:
        tree = tree[0]
    if not isinstance(tree, dict):
        raise WireError(f"{what} is not an object")
    return tree


def _list(value: Any, what: str) -> list[Any]:
    if value is None or value == "":
        return []
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        return value
    raise WireError(f"{what} is not a list")


# --- one record of each kind -----------------------------------------------------------------


def _service(data: dict[str, Any], where: str) -> Service:
    code = opaque(data.get("service_code"), f"{where}.service_code")
    if code is None:
        raise WireError(f"{where}.service_code is missing")
    return Service(
        service_code=code,
        service_name=text(data.get("service_name"), f"{where}.service_name"),
        description=text(data.get("description"), f"{where}.description"),
        metadata=boolean(data.get("metadata"), f"{where}.metadata"),
        type=choice(data.get("type"), f"{where}.type", SERVICE_TYPES, default="realtime"),
        keywords=_keywords(data.get("keywords"), f"{where}.keywords"),
        group=text(data.get("group"), f"{where}.group"),
    )


def _keywords(value: Any, where: str) -> tuple[str, ...]:
    if isinstance(value, list):
        words = [text(v, f"{where}[{i}]") for i, v in enumerate(value)]
    else:
        words = text(value, where).split(",")
    return tuple(w.strip() for w in words if w.strip())


def _attribute(data: Any, where: str) -> Attribute:
    if not isinstance(data, dict):
        raise WireError(f"{where} is not an object")
    code = opaque(data.get("code"), f"{where}.code")
    if code is None:
        raise WireError(f"{where}.code is missing")
    values = []
    for i, v in enumerate(_list(data.get("values"), f"{where}.values")):
        if not isinstance(v, dict):
            raise WireError(f"{where}.values[{i}] is not an object")
        key = opaque(v.get("key"), f"{where}.values[{i}].key")
        if key is None:
            raise WireError(f"{where}.values[{i}].key is missing")
        name = text(v.get("name"), f"{where}.values[{i}].name") or key
        values.append(AttributeValue(key=key, name=name))
    return Attribute(
        code=code,
        datatype=choice(data.get("datatype"), f"{where}.datatype", DATATYPES, default="string"),
        description=text(data.get("description"), f"{where}.description"),
        required=boolean(data.get("required"), f"{where}.required"),
        variable=boolean(data.get("variable"), f"{where}.variable", default=True),
        order=integer(data.get("order"), f"{where}.order"),
        datatype_description=text(
            data.get("datatype_description"), f"{where}.datatype_description"
        ),
        values=tuple(values),
    )


def _endpoint(data: Any, where: str) -> Endpoint:
    if not isinstance(data, dict):
        raise WireError(f"{where} is not an object")
    formats = data.get("formats")
    listed = formats if isinstance(formats, list) else [formats] if formats else []
    return Endpoint(
        specification=text(data.get("specification"), f"{where}.specification"),
        url=text(data.get("url"), f"{where}.url"),
        changeset=text(data.get("changeset"), f"{where}.changeset"),
        type=text(data.get("type"), f"{where}.type") or "production",
        formats=tuple(text(f, f"{where}.formats[{i}]") for i, f in enumerate(listed)),
    )


def _service_request(data: dict[str, Any], where: str) -> ServiceRequest:
    request_id = opaque(data.get("service_request_id"), f"{where}.service_request_id")
    if request_id is None:
        raise WireError(f"{where}.service_request_id is missing")

    def field(name: str) -> str:
        return text(data.get(name), f"{where}.{name}")

    return ServiceRequest(
        service_request_id=request_id,
        status=field("status").lower() or "open",
        service_code=opaque(data.get("service_code"), f"{where}.service_code") or "",
        service_name=field("service_name"),
        status_notes=field("status_notes"),
        description=field("description"),
        agency_responsible=field("agency_responsible"),
        service_notice=field("service_notice"),
        requested_datetime=timestamp(data.get("requested_datetime")),
        updated_datetime=timestamp(data.get("updated_datetime")),
        expected_datetime=timestamp(data.get("expected_datetime")),
        address=field("address"),
        address_id=opaque(data.get("address_id"), f"{where}.address_id") or "",
        zipcode=opaque(data.get("zipcode"), f"{where}.zipcode") or "",
        lat=number(data.get("lat"), f"{where}.lat"),
        long=number(data.get("long"), f"{where}.long"),
        media_url=field("media_url"),
    )


# --- scalars ---------------------------------------------------------------------------------


def text(value: Any, where: str) -> str:
    """A string field; numbers become their digits, absent becomes ``""``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value.replace("\x00", "")  # a JSON "\u0000": PostgreSQL cannot store it
    if isinstance(value, int | float | Decimal):
        return _digits(value, where)
    raise WireError(f"{where} is not a string")


def opaque(value: Any, where: str) -> str | None:
    """An id, code or token: kept exactly as sent; ``None`` when absent or empty. One holding
    a control character (NUL, an escape, a line end) is refused: it could not be stored on
    PostgreSQL, said to a caller or printed on a terminal as it is."""
    if isinstance(value, bool):
        raise WireError(f"{where} is a boolean, not an identifier")
    if isinstance(value, str) and any(ch < " " or ch == "\x7f" for ch in value.strip()):
        raise WireError(f"{where} holds a control character")
    found = text(value, where).strip()
    return found or None


def _digits(value: int | float | Decimal, where: str) -> str:
    if isinstance(value, int):
        return str(value)
    try:
        exact = Decimal(str(value)) if isinstance(value, float) else value
        if not exact.is_finite():
            raise WireError(f"{where} is not a finite number")
        if exact == exact.to_integral_value():
            return str(int(exact))
        return format(exact.normalize(), "f")
    except InvalidOperation:
        raise WireError(f"{where} is not a number") from None


def boolean(value: Any, where: str, *, default: bool = False) -> bool:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    word = text(value, where).strip().lower()
    if word == "":
        return default
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise WireError(f"{where} is not a boolean")


def choice(value: Any, where: str, allowed: tuple[str, ...], *, default: str) -> str:
    word = text(value, where).strip().lower()
    if not word:
        return default
    if word not in allowed:
        raise WireError(f"{where} is {word[:40]!r}, not one of {', '.join(allowed)}")
    return word


def integer(value: Any, where: str) -> int:
    word = text(value, where).strip()
    if not word:
        return 0
    try:
        return int(Decimal(word))
    except (InvalidOperation, ValueError):
        raise WireError(f"{where} is not an integer") from None


def number(value: Any, where: str) -> float | None:
    word = text(value, where).strip()
    if not word:
        return None
    try:
        found = float(word)
    except ValueError:
        raise WireError(f"{where} is not a number") from None
    if found != found or found in (float("inf"), float("-inf")):
        raise WireError(f"{where} is not a finite number")
    return found


def timestamp(value: Any) -> datetime | None:
    """An ISO 8601 datetime (offset or not, ``Z`` or not); ``None`` if it does not parse."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return datetime.fromisoformat(value.strip())
    except ValueError:
        return None
