"""What a city tells the submitter of a service's request, set in its services file: a notice
("Crews fill potholes within five working days.") and the number of working days the city
expects to take (``expected_days``).

The embedded endpoint puts the notice in its POST answer and on the request, and sets the
request's ``expected_datetime`` to the moment it was filed plus that many working days, Monday
to Friday, counted in the city's time zone (``IVR_CITY_TIMEZONE``; UTC when none is set). The
gateway knows no public holidays: a city whose week differs states a number of days that
allows for it. Working days rather than calendar days, because that is how cities state their
service levels, and a caller told a date later than the city's is let down less than one told
a date too soon.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ivr.open311.request_store import Filed
from ivr.store.request_tables import ServiceRequestRecord

NOTICE_LIMIT = 1000  # characters of a notice in a services file
MAX_EXPECTED_DAYS = 365
WORKING_DAYS = frozenset(range(5))  # Monday to Friday, as date.weekday() numbers them
# An HTML or XML tag, comment or character reference: a notice meant for a web page, not one
# to be read out or sent as a text.
MARKUP = re.compile(r"<\s*[/!?]?[A-Za-z][^<>]*>|<!--|&(?:#\d+|#x[0-9A-Fa-f]+|[A-Za-z]+);")


@dataclass(frozen=True)
class ServiceTerms:
    """A service's notice and expected working days; empty and None when the city set none."""

    service_notice: str = ""
    expected_days: int | None = None


NO_TERMS = ServiceTerms()


def has_markup(text: str) -> bool:
    """True when ``text`` holds a tag or a character reference: it is not plain text."""
    return MARKUP.search(text) is not None


def city_zone(name: str) -> tzinfo:
    """The city's time zone (``IVR_CITY_TIMEZONE``, checked at start); UTC when empty."""
    return ZoneInfo(name.strip()) if name.strip() else UTC


def expected_by(requested: datetime, working_days: int, zone: tzinfo) -> datetime:
    """``requested`` plus ``working_days`` working days, at the same time of day on the city's
    clock (a change of daylight saving time in between moves nothing the caller hears), in
    UTC. Zero days: ``requested`` itself."""
    local = requested.astimezone(zone)
    day, left = local.date(), working_days
    while left > 0:
        day += timedelta(days=1)
        if day.weekday() in WORKING_DAYS:
            left -= 1
    return datetime.combine(day, local.timetz().replace(tzinfo=zone)).astimezone(UTC)


def apply_terms(session: Session, filed: Filed, terms: ServiceTerms, zone: tzinfo) -> Filed:
    """Give the request just filed (in ``session``, before it commits) its service's notice
    and expected date; what the POST answers then carries the notice."""
    if terms == NO_TERMS:
        return filed
    record = session.scalar(
        select(ServiceRequestRecord).where(
            ServiceRequestRecord.service_request_id == filed.service_request_id
        )
    )
    if record is None:
        return filed
    if terms.service_notice:
        record.service_notice = terms.service_notice
    if terms.expected_days is not None:
        record.expected_datetime = expected_by(record.requested_datetime, terms.expected_days, zone)
    session.flush()
    return replace(filed, service_notice=record.service_notice)
