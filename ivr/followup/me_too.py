"""A caller who adds their voice to an open request ("me too").

Open311 GeoReport v2 has no call for it, so every city endpoint accepts it in one form only: a
new request of the same service at the caller's place, whose description begins with
``Also reported as request <id>:``. City staff (and anyone reading the open data) see the link;
the report row keeps the id in ``duplicate_of``, so the gateway can count supporters. The
embedded endpoint reads the id back from the description (:func:`joined_request`), so that it
can count and publish them on the request itself.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

CHOICE_SLOT = "duplicate_choice"
ME_TOO = "me_too"
DUPLICATE_SLOT = "duplicate_of"
PREFIX = "Also reported as request {id}:"
# The id as :func:`described` writes it: the city's opaque id, without spaces.
_JOINED = re.compile(re.escape(PREFIX).replace(re.escape("{id}"), r"(\S{1,64}?)"))


def duplicate_of(slots: Mapping[str, Any]) -> str | None:
    """The id of the request the caller chose to add their voice to, if they did."""
    if slots.get(CHOICE_SLOT) != ME_TOO:
        return None
    found = str(slots.get(DUPLICATE_SLOT) or "").strip()
    return found or None


def described(description: str, duplicate: str | None, limit: int) -> str:
    """The description filed with the request: the "me too" line first, when there is one."""
    if duplicate is None:
        return description[:limit]
    return f"{PREFIX.format(id=duplicate)} {description}".strip()[:limit]


def joined_request(description: str) -> str | None:
    """The id of the request a filed description says it adds its voice to, or None: the
    "me too" line must open the description, as :func:`described` writes it."""
    found = _JOINED.match(description.lstrip())
    return found.group(1) if found else None
