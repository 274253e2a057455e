"""The filters of ``GET requests``, read from a query string as GeoReport v2 defines them.

- ``service_request_id``: a comma-separated list of ids; when given it overrides every other
  filter (the spec's words), dates included.
- ``service_code`` and ``status`` (``open``/``closed``): comma-separated lists.
- ``start_date`` / ``end_date``: ISO 8601 (a time without an offset is UTC). The window never
  spans more than 90 days: with neither date it is the last 90 days; with one date it is the 90
  days after ``start_date`` or before ``end_date``; with both, a window longer than 90 days, or
  ending before it starts, is refused (400).
- ``page`` and ``page_size``, as Boston, Chicago and other cities publish them: the answer is
  the ``page``-th run (from 1) of ``page_size`` requests (1 to 1,000; 1,000 when not given),
  newest first, after every filter. A page past the last is an empty list. Without them, the
  first 1,000 requests are answered.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ivr.open311.server_input import FormFields, Refusal
from ivr.store.request_tables import STATUSES

WINDOW = timedelta(days=90)
MAX_RESULTS = 1000
MAX_IDS = 1000
MAX_PAGE = 1_000_000  # pages beyond it are refused rather than asked of the database
FILTERS = (
    "service_request_id",
    "service_code",
    "start_date",
    "end_date",
    "status",
    "page",
    "page_size",
)
# ASCII digits only: ``int`` also reads "٣" and " 7 ", which no client means as a page.
_WHOLE_NUMBER = re.compile(r"[0-9]{1,9}")
LIMITS = {
    "service_request_id": 100_000,
    "service_code": 10_000,
    "start_date": 64,
    "end_date": 64,
    "status": 64,
    "page": 16,
    "page_size": 16,
    "jurisdiction_id": 255,
}


@dataclass(frozen=True)
class RequestQuery:
    """What to publish: by ids alone, or by codes, statuses and a requested-datetime window."""

    service_request_ids: tuple[str, ...] = ()
    service_codes: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    start: datetime | None = None
    end: datetime | None = None
    limit: int = MAX_RESULTS
    offset: int = 0


def read_query(fields: FormFields, now: Callable[[], datetime]) -> RequestQuery:
    """The query a ``GET requests`` query string asks for, or a :class:`Refusal`."""
    values = {name: fields.scalar(name, limit=limit) for name, limit in LIMITS.items()}
    page = _whole_number(values["page"], "page", 1, MAX_PAGE, default=1)
    page_size = _whole_number(values["page_size"], "page_size", 1, MAX_RESULTS, default=MAX_RESULTS)
    offset = (page - 1) * page_size
    ids = _list(values["service_request_id"])
    if len(ids) > MAX_IDS:
        raise Refusal(400, f"service_request_id lists more than {MAX_IDS} ids")
    if ids:
        return RequestQuery(service_request_ids=ids, limit=page_size, offset=offset)
    statuses = _list(values["status"])
    unknown = [s for s in statuses if s not in STATUSES]
    if unknown:
        raise Refusal(400, "status must be open, closed or both, comma-separated")
    start = read_datetime(values["start_date"], "start_date")
    end = read_datetime(values["end_date"], "end_date")
    start, end = date_window(start, end, now)
    return RequestQuery(
        service_codes=_list(values["service_code"]),
        statuses=statuses,
        start=start,
        end=end,
        limit=page_size,
        offset=offset,
    )


def _whole_number(text: str, name: str, least: int, most: int, *, default: int) -> int:
    if not text:
        return default
    if not _WHOLE_NUMBER.fullmatch(text) or not least <= int(text) <= most:
        raise Refusal(400, f"{name} must be a whole number from {least} to {most:,}")
    return int(text)


def _list(text: str) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for item in text.split(","):
        if item.strip():
            seen[item.strip()] = None
    return tuple(seen)


def read_datetime(text: str, name: str) -> datetime | None:
    """An ISO 8601 (W3CDTF) date and time in UTC (no offset means UTC); None when empty."""
    if not text.strip():
        return None
    try:
        value = datetime.fromisoformat(text.strip())
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
    except (ValueError, OverflowError):
        raise Refusal(400, f"{name} must be an ISO 8601 date and time") from None


def date_window(
    start: datetime | None, end: datetime | None, now: Callable[[], datetime]
) -> tuple[datetime, datetime]:
    """The window the dates ask for, at most 90 days (see the module's docstring)."""
    try:
        if start is None and end is None:
            end = now()
            return end - WINDOW, end
        if end is None:
            assert start is not None
            return start, start + WINDOW
        if start is None:
            return end - WINDOW, end
    except OverflowError:
        raise Refusal(400, "start_date or end_date is too far from the present") from None
    if end < start:
        raise Refusal(400, "end_date is before start_date")
    if end - start > WINDOW:
        raise Refusal(400, "start_date and end_date may not span more than 90 days")
    return start, end
