"""The outbox key in what the city receives, and finding a report at the city by it.

GeoReport v2 has no idempotency field, and no city CRM dedupes POSTs. So the row's key travels
twice: as an ``Idempotency-Key`` header (the embedded endpoint files a key once, whatever
happens), and as the last line of the description (``voice311 report <key>``), which every
endpoint stores and publishes. Before a report whose earlier attempt may have been filed is
sent again, :func:`find_at_city` asks the city's ``GET requests`` for the report's service in a
window around its creation and looks for the key in the descriptions.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol

from ivr.open311.models import DESCRIPTION_LIMIT, ServiceRequest

KEY_LINE = "voice311 report {key}"
WINDOW_BEFORE = timedelta(minutes=10)  # the city's clock may run behind ours
WINDOW_AFTER = timedelta(minutes=10)
LONGEST_WINDOW = timedelta(days=89)  # many servers refuse windows of 90 days and more


class RequestFinder(Protocol):
    def requests(
        self,
        *,
        ids: tuple[str, ...] = (),
        service_code: str = "",
        start: datetime | None = None,
        end: datetime | None = None,
        status: str = "",
    ) -> tuple[ServiceRequest, ...]: ...


def key_line(key: str) -> str:
    return KEY_LINE.format(key=key)


def with_key(description: str, key: str) -> str:
    """``description`` with the key line last, cut so that both fit the spec's limit."""
    line = key_line(key)
    room = DESCRIPTION_LIMIT - len(line) - 2
    body = description.strip()
    if len(body) > room:
        body = body[:room].rstrip()
    return f"{body}\n\n{line}" if body else line


def find_at_city(
    client: RequestFinder, service_code: str, key: str, created_at: datetime, now: datetime
) -> ServiceRequest | None:
    """The request the city holds for the report with ``key``, or None. Errors propagate:
    a lookup that failed is not a "no"."""
    if created_at.tzinfo is None:  # SQLite keeps no offset: the store writes UTC
        created_at = created_at.replace(tzinfo=UTC)
    start = created_at - WINDOW_BEFORE
    end = min(now + WINDOW_AFTER, start + LONGEST_WINDOW)
    line = key_line(key)
    for found in client.requests(service_code=service_code, start=start, end=end):
        if line in found.description:
            return found
    return None
