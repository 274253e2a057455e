"""The services a city offers, read from the JSON or YAML file the city edits.

The file is a GeoReport v2 ``services.json`` array. A service may carry an ``attributes`` list in
the shape of a GeoReport v2 service definition's attributes; the published ``metadata`` flag is
derived from it (true exactly when the service has attributes). For YAML, a mapping with a
``services`` key holding that array is accepted too, so that comments can sit at the top.

Everything is validated here, at the border: an error names the file, the service and the field,
and no partly valid catalogue is ever returned. Unknown fields are errors, so a misspelt
``requried`` cannot silently make a question optional.

Two fields of a service are the city's words to whoever files a request for it, never
published in the service list: ``service_notice`` (plain text, said to the caller and sent in
the text message) and ``expected_days`` (working days the city expects to take; see
:mod:`ivr.open311.service_terms`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml

from ivr.open311.models import (
    DATATYPES,
    SERVICE_TYPES,
    Attribute,
    AttributeValue,
    Service,
    ServiceDefinition,
)
from ivr.open311.render import has_forbidden_characters
from ivr.open311.service_terms import (
    MAX_EXPECTED_DAYS,
    NO_TERMS,
    NOTICE_LIMIT,
    ServiceTerms,
    has_markup,
)

LIST_DATATYPES = ("singlevaluelist", "multivaluelist")
SERVICE_FIELDS = frozenset(
    {
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
        "attributes",
        "service_notice",
        "expected_days",
    }
)
ATTRIBUTE_FIELDS = frozenset(
    {
        "variable",
        "code",
        "datatype",
        "required",
        "datatype_description",
        "order",
        "description",
        "values",
    }
)
VALUE_FIELDS = frozenset({"key", "name"})


class ServiceCatalogueError(ValueError):
    """The service file cannot be used; the message names the file, the service and the field."""


@dataclass(frozen=True)
class ServiceCatalogue:
    """Services in the file's order, the definition of every service that has attributes,
    and the notice and expected days of every service the city gave them."""

    services: tuple[Service, ...]
    definitions: tuple[ServiceDefinition, ...] = ()
    terms: tuple[tuple[str, ServiceTerms], ...] = ()

    def service(self, code: str) -> Service | None:
        return next((s for s in self.services if s.service_code == code), None)

    def definition(self, code: str) -> ServiceDefinition | None:
        """The service's definition; an empty one for a service without attributes."""
        if self.service(code) is None:
            return None
        found = next((d for d in self.definitions if d.service_code == code), None)
        return found or ServiceDefinition(service_code=code)

    def terms_of(self, code: str) -> ServiceTerms:
        """The service's notice and expected days (none set: :data:`NO_TERMS`)."""
        return next((t for c, t in self.terms if c == code), NO_TERMS)

    @property
    def changeset(self) -> str:
        """A stable hash of everything published: it changes exactly when the catalogue does."""
        document = {
            "services": [asdict(s) for s in self.services],
            "definitions": [asdict(d) for d in self.definitions],
        }
        canonical = json.dumps(document, sort_keys=True, ensure_ascii=True)
        return hashlib.sha256(canonical.encode("ascii")).hexdigest()[:16]


def load_service_catalogue(path: Path) -> ServiceCatalogue:
    """Read and validate the services file at ``path`` (``.yaml``/``.yml`` as YAML, else JSON)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ServiceCatalogueError(f"{path}: no such services file") from None
    except UnicodeDecodeError:
        raise ServiceCatalogueError(f"{path}: not UTF-8 text") from None
    except OSError as error:
        raise ServiceCatalogueError(f"{path}: cannot be read ({error.strerror})") from None
    return parse_service_catalogue(_decode(text, path), source=str(path))


def parse_service_catalogue(document: Any, *, source: str = "services") -> ServiceCatalogue:
    """Validate an already decoded services document (an array, or ``{"services": array}``)."""
    if isinstance(document, Mapping):
        extra = set(document) - {"services"}
        if extra:
            raise ServiceCatalogueError(
                f"{source}: unknown top-level field {sorted(map(str, extra))[0]!r}"
            )
        document = document.get("services")
    if not isinstance(document, list):
        raise ServiceCatalogueError(f"{source}: expected an array of services")
    if not document:
        raise ServiceCatalogueError(f"{source}: the array of services is empty")
    services: list[Service] = []
    definitions: list[ServiceDefinition] = []
    terms: list[tuple[str, ServiceTerms]] = []
    seen: set[str] = set()
    for index, raw in enumerate(document):
        where = f"{source}: services[{index}]"
        service, attributes = _service(raw, where)
        service_terms = _terms(raw, f"{where} (service {service.service_code!r})")
        if service_terms != NO_TERMS:
            terms.append((service.service_code, service_terms))
        if service.service_code in seen:
            raise ServiceCatalogueError(
                f"{where}: service_code {service.service_code!r} is repeated"
            )
        seen.add(service.service_code)
        services.append(service)
        if attributes:
            definitions.append(ServiceDefinition(service.service_code, attributes))
    return ServiceCatalogue(
        services=tuple(services), definitions=tuple(definitions), terms=tuple(terms)
    )


def _decode(text: str, path: Path) -> Any:
    if path.suffix.lower() in (".yaml", ".yml"):
        try:
            return yaml.safe_load(text)
        except yaml.YAMLError as error:
            raise ServiceCatalogueError(f"{path}: not valid YAML ({error})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ServiceCatalogueError(
            f"{path}: not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})"
        ) from None


def _service(raw: Any, where: str) -> tuple[Service, tuple[Attribute, ...]]:
    if not isinstance(raw, Mapping):
        raise ServiceCatalogueError(f"{where}: expected an object")
    code = _code(raw, "service_code", where)
    where = f"{where} (service {code!r})"
    _no_unknown_fields(raw, SERVICE_FIELDS, where)
    service_type = _text(raw, "type", where, default="realtime")
    if service_type not in SERVICE_TYPES:
        raise ServiceCatalogueError(f"{where}: type must be one of {', '.join(SERVICE_TYPES)}")
    declared_metadata = _flag(raw, "metadata", where, default=False)
    attributes = _attributes(raw.get("attributes", []), where)
    if declared_metadata and not attributes:
        raise ServiceCatalogueError(f"{where}: metadata is true but the service has no attributes")
    service = Service(
        service_code=code,
        service_name=_text(raw, "service_name", where, required=True),
        description=_text(raw, "description", where),
        metadata=bool(attributes),
        type=service_type,
        keywords=_keywords(raw.get("keywords"), where),
        group=_text(raw, "group", where),
    )
    return service, attributes


def _terms(raw: Mapping[Any, Any], where: str) -> ServiceTerms:
    """``service_notice`` (plain text, at most :data:`NOTICE_LIMIT` characters) and
    ``expected_days`` (a whole number of working days, 0 to :data:`MAX_EXPECTED_DAYS`)."""
    notice = " ".join(_text(raw, "service_notice", where).split())
    if len(notice) > NOTICE_LIMIT:
        raise ServiceCatalogueError(
            f"{where}: service_notice is longer than {NOTICE_LIMIT} characters"
        )
    if has_markup(notice):
        raise ServiceCatalogueError(
            f"{where}: service_notice must be plain text (it holds a tag or an HTML entity)"
        )
    days = raw.get("expected_days")
    if days is not None and (
        isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= MAX_EXPECTED_DAYS
    ):
        raise ServiceCatalogueError(
            f"{where}: expected_days must be a whole number from 0 to {MAX_EXPECTED_DAYS}"
        )
    return ServiceTerms(service_notice=notice, expected_days=days)


def _attributes(raw: Any, where: str) -> tuple[Attribute, ...]:
    if not isinstance(raw, list):
        raise ServiceCatalogueError(f"{where}: attributes must be an array")
    attributes: list[Attribute] = []
    for index, item in enumerate(raw):
        attributes.append(_attribute(item, f"{where}: attributes[{index}]", index + 1))
    codes = [a.code for a in attributes]
    repeated = sorted({c for c in codes if codes.count(c) > 1})
    if repeated:
        raise ServiceCatalogueError(f"{where}: attribute code {repeated[0]!r} is repeated")
    return tuple(sorted(attributes, key=lambda a: a.order))


def _attribute(raw: Any, where: str, position: int) -> Attribute:
    if not isinstance(raw, Mapping):
        raise ServiceCatalogueError(f"{where}: expected an object")
    code = _code(raw, "code", where)
    where = f"{where} (attribute {code!r})"
    _no_unknown_fields(raw, ATTRIBUTE_FIELDS, where)
    datatype = _text(raw, "datatype", where, required=True)
    if datatype not in DATATYPES:
        raise ServiceCatalogueError(f"{where}: datatype must be one of {', '.join(DATATYPES)}")
    order = raw.get("order", position)
    if isinstance(order, bool) or not isinstance(order, int):
        raise ServiceCatalogueError(f"{where}: order must be a whole number")
    values = _values(raw.get("values", []), where)
    if datatype in LIST_DATATYPES and not values:
        raise ServiceCatalogueError(
            f"{where}: values must list at least one value for a {datatype}"
        )
    if datatype not in LIST_DATATYPES and values:
        raise ServiceCatalogueError(
            f"{where}: values are only allowed for singlevaluelist and multivaluelist attributes"
        )
    return Attribute(
        code=code,
        datatype=datatype,
        description=_text(raw, "description", where, required=True),
        required=_flag(raw, "required", where, default=False),
        variable=_flag(raw, "variable", where, default=True),
        order=order,
        datatype_description=_text(raw, "datatype_description", where),
        values=values,
    )


def _values(raw: Any, where: str) -> tuple[AttributeValue, ...]:
    if not isinstance(raw, list):
        raise ServiceCatalogueError(f"{where}: values must be an array")
    values: list[AttributeValue] = []
    for index, item in enumerate(raw):
        at = f"{where}: values[{index}]"
        if not isinstance(item, Mapping):
            raise ServiceCatalogueError(f"{at}: expected an object with key and name")
        _no_unknown_fields(item, VALUE_FIELDS, at)
        values.append(
            AttributeValue(key=_code(item, "key", at), name=_text(item, "name", at, required=True))
        )
    keys = [v.key for v in values]
    repeated = sorted({k for k in keys if keys.count(k) > 1})
    if repeated:
        raise ServiceCatalogueError(f"{where}: value key {repeated[0]!r} is repeated")
    return tuple(values)


def _no_unknown_fields(raw: Mapping[Any, Any], allowed: frozenset[str], where: str) -> None:
    unknown = sorted(str(k) for k in raw if k not in allowed)
    if unknown:
        raise ServiceCatalogueError(f"{where}: unknown field {unknown[0]!r}")


def _code(raw: Mapping[Any, Any], name: str, where: str) -> str:
    """An identifier: a non-empty string, or a whole number as real service lists often have."""
    value = raw.get(name)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise ServiceCatalogueError(f"{where}: {name} is required (a non-empty string)")
    if value != value.strip() or has_forbidden_characters(value):
        raise ServiceCatalogueError(
            f"{where}: {name} {value!r} has spaces at its ends or control characters"
        )
    return value


def _text(
    raw: Mapping[Any, Any], name: str, where: str, *, required: bool = False, default: str = ""
) -> str:
    value = raw.get(name)
    if value is None:
        if required:
            raise ServiceCatalogueError(f"{where}: {name} is required")
        return default
    if not isinstance(value, str):
        raise ServiceCatalogueError(f"{where}: {name} must be a string")
    if required and not value.strip():
        raise ServiceCatalogueError(f"{where}: {name} must not be empty")
    if has_forbidden_characters(value):
        raise ServiceCatalogueError(f"{where}: {name} contains control characters")
    return value.replace("\r\n", "\n").replace("\r", "\n")


def _flag(raw: Mapping[Any, Any], name: str, where: str, *, default: bool) -> bool:
    value = raw.get(name, default)
    if not isinstance(value, bool):
        raise ServiceCatalogueError(f"{where}: {name} must be true or false")
    return value


def _keywords(raw: Any, where: str) -> tuple[str, ...]:
    """Keywords as the spec publishes them (one comma-separated string) or as a list."""
    if raw is None:
        return ()
    if isinstance(raw, str):
        items: Sequence[Any] = raw.split(",")
    elif isinstance(raw, list):
        items = raw
    else:
        raise ServiceCatalogueError(f"{where}: keywords must be a string or an array of strings")
    if not all(isinstance(item, str) for item in items):
        raise ServiceCatalogueError(f"{where}: keywords must be a string or an array of strings")
    return tuple(item.strip() for item in items if item.strip())
