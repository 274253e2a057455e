"""What the embedded endpoint reads from outside: form bodies and query strings, strictly.

A form body or query string is decoded as UTF-8 with no replacement: bytes that are not UTF-8,
characters no XML document may carry (NUL and other controls), too many fields, a field longer
than its limit, a scalar field given twice or as an array (``lat[]=``) are all refused with a
:class:`Refusal` (status 400) whose description names the field. Values are never echoed in a
description: they may be personal data. Line ends become ``\n``, so that text published in
XML reads back exactly as it was filed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl

from ivr.open311.render import has_forbidden_characters

MAX_FIELDS = 300  # pairs in one form body or query string
MAX_NAME = 200  # characters in a field's name
_ATTRIBUTE_FIELD = re.compile(r"attribute\[([^\[\]]+)\](\[\])?")
# ASCII digits only: "４２" (fullwidth) is not the plain decimal number the docs promise.
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d{1,3})?", re.ASCII)


class Refusal(Exception):
    """A request the endpoint answers with a GeoReport error (``code`` is the HTTP status)."""

    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


def field_label(name: str) -> str:
    """A field's name as it may appear in an error description: short and printable."""
    if len(name) > 60 or has_forbidden_characters(name) or not name.isprintable():
        return "a field"
    return name


def parse_pairs(raw: bytes, *, what: str) -> list[tuple[str, str]]:
    """``name=value&…`` bytes (``application/x-www-form-urlencoded``) as ordered pairs."""
    try:
        text = raw.decode("utf-8")
        pairs = parse_qsl(
            text,
            keep_blank_values=True,
            encoding="utf-8",
            errors="strict",
            max_num_fields=MAX_FIELDS,
        )
    except UnicodeDecodeError:
        raise Refusal(400, f"the {what} is not valid UTF-8") from None
    except ValueError:
        raise Refusal(400, f"the {what} has more than {MAX_FIELDS} fields") from None
    check_pairs(pairs)
    return [(name, normalise_newlines(value)) for name, value in pairs]


def normalise_newlines(text: str) -> str:
    """``\r\n`` and ``\r`` as ``\n``: what an XML reader would make of them anyway."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def check_pairs(pairs: Iterable[tuple[str, str]]) -> None:
    """Refuse names or values holding characters the endpoint could not store or publish."""
    for name, value in pairs:
        if len(name) > MAX_NAME or has_forbidden_characters(name):
            raise Refusal(400, "a field name is too long or holds control characters")
        if has_forbidden_characters(value) or "\ufffd" in value:
            raise Refusal(
                400, f"{field_label(name)} holds control characters or bytes that are not UTF-8"
            )


@dataclass(frozen=True)
class FormFields:
    """The pairs of one form body or query string, read field by field."""

    pairs: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, pairs: Sequence[tuple[str, str]], *, scalars: Iterable[str] = ()) -> FormFields:
        """Fields, refusing a scalar field given as an array (``name[]`` or ``name[key]``)."""
        names = set(scalars)
        for name, _ in pairs:
            base = name.split("[", 1)[0]
            if "[" in name and base in names:
                raise Refusal(400, f"{base} must be a single value, not an array")
        return cls(tuple(pairs))

    def scalar(self, name: str, *, limit: int) -> str:
        """The field's value ("" when absent), given at most once and at most ``limit`` long."""
        values = [value for key, value in self.pairs if key == name]
        if len(values) > 1:
            raise Refusal(400, f"{name} must be given once, not {len(values)} times")
        if not values:
            return ""
        if len(values[0]) > limit:
            raise Refusal(400, f"{name} is longer than {limit} characters")
        return values[0]

    def repeated(self, name: str, *, limit: int, most: int) -> list[str]:
        """Every value of a field that may be given several times (FixMyStreet sends one
        ``media_url`` per photo), in order: at most ``most`` of them, each at most ``limit``
        long. Empty values are dropped."""
        values = [value for key, value in self.pairs if key == name and value.strip()]
        if len(values) > most:
            raise Refusal(400, f"{name} may be given at most {most} times, not {len(values)}")
        if any(len(value) > limit for value in values):
            raise Refusal(400, f"{name} is longer than {limit} characters")
        return values

    def attributes(self) -> dict[str, list[str]]:
        """``attribute[code]=v`` and ``attribute[code][]=v`` pairs as code → values in order.

        Empty values are dropped: a form that leaves an optional answer blank sends ``""``.
        """
        found: dict[str, list[str]] = {}
        for name, value in self.pairs:
            if not name.startswith("attribute["):
                continue
            match = _ATTRIBUTE_FIELD.fullmatch(name)
            if match is None:
                raise Refusal(
                    400, f"{field_label(name)} is not attribute[code] or attribute[code][]"
                )
            values = found.setdefault(match.group(1), [])
            if value.strip():
                values.append(value)
        return found


def parse_number(text: str) -> float | None:
    """A finite decimal number written plainly (no ``nan``, ``inf``, ``1_000`` or hex)."""
    text = text.strip()
    if not _NUMBER.fullmatch(text):
        return None
    number = float(text)
    return number if math.isfinite(number) else None
