"""Reading a geocoding service's JSON answer at the border.

A service's body is data from outside: every field is checked as it is read, and anything
unexpected raises :class:`AnswerError` naming the field by its path in the body
(``features[2].geometry.coordinates``), so an operator can see what the service sent wrong.
Values are never echoed: an answer carries the caller's address.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, TypeVar

from ivr.addresses.streets import speakable_street, street_key


class AnswerError(ValueError):
    """The service answered, but not with something we can use; the message says why."""


class ServiceError(Exception):
    """The service answered with an error of its own (with status 200, as ArcGIS does);
    the message is the service's, shortened."""


def as_object(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise AnswerError(f"{path} is not an object")
    return value


def as_list(value: Any, path: str) -> list[Any]:
    if not isinstance(value, list):
        raise AnswerError(f"{path} is not a list")
    return value


Item = TypeVar("Item")


def read_items(
    items: list[Any], path: str, read: Callable[[dict[str, Any], str], Item | None]
) -> list[Item]:
    """``read`` applied to each object of ``items`` (named ``path[i]`` in errors); the items it
    turns down (``None``) are left out."""
    found = []
    for index, item in enumerate(items):
        where = f"{path}[{index}]"
        value = read(as_object(item, where), where)
        if value is not None:
            found.append(value)
    return found


def member(obj: dict[str, Any], name: str, path: str) -> Any:
    if name not in obj:
        raise AnswerError(f"{path}.{name} is missing")
    return obj[name]


def number(value: Any, path: str) -> float:
    """A finite number, given as a JSON number or as a numeric string (Nominatim's lat/lon)."""
    if isinstance(value, bool):
        raise AnswerError(f"{path} is not a number")
    if isinstance(value, int | float):
        result = float(value)
    elif isinstance(value, str):
        try:
            result = float(value)
        except ValueError:
            raise AnswerError(f"{path} is not a number") from None
    else:
        raise AnswerError(f"{path} is not a number")
    if not math.isfinite(result):
        raise AnswerError(f"{path} is not a finite number")
    return result


def latitude(value: Any, path: str) -> float:
    result = number(value, path)
    if not -90.0 <= result <= 90.0:
        raise AnswerError(f"{path} is not a latitude")
    return result


def longitude(value: Any, path: str) -> float:
    result = number(value, path)
    if not -180.0 <= result <= 180.0:
        raise AnswerError(f"{path} is not a longitude")
    return result


def text(obj: dict[str, Any], name: str) -> str:
    """An optional text field: missing or null is empty; numbers become text (house numbers)."""
    value = obj.get(name)
    if value is None or isinstance(value, bool):
        return ""
    if isinstance(value, int | float):
        return str(int(value)) if float(value).is_integer() else str(value)
    if isinstance(value, str):
        return value.strip()
    return ""


def joined(*parts: str) -> str:
    """Words joined by single spaces, empty parts left out."""
    return " ".join(part for part in parts if part)


def street_names(written: str) -> tuple[str, str]:
    """(display form, street key) of a street as a service wrote it; empty when no name."""
    if not written.strip():
        return "", ""
    try:
        return speakable_street(written), street_key(written)
    except ValueError:
        return written.strip(), ""


def short(message: str, limit: int = 120) -> str:
    """A service's error message on one line, cut to a length that fits a reason."""
    message = " ".join(message.split())
    return message if len(message) <= limit else message[: limit - 1] + "…"
