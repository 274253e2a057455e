"""The embedded endpoint's requests as staff see them: everything that was filed, not only
what GeoReport v2 publishes.

Beside the published fields, staff read the submitter's contact fields, the answers to the
service's attributes, the attributes the service does not ask (FixMyStreet's ``uprn``,
``easting``…: kept for staff, never published), every photo a client sent (the GET side
publishes the first only), the request a "me too" adds its voice to, and how many callers
added theirs to this one. Blackbox requests are listed too: they are stored for the city.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from ivr.open311.models import ServiceRequest
from ivr.open311.request_store import me_too_counts, published_view
from ivr.store.request_tables import ServiceRequestRecord

Answers = tuple[tuple[str, tuple[str, ...]], ...]


@dataclass(frozen=True)
class StoredRequest:
    """One stored request for staff: its published view and what is kept beside it."""

    request: ServiceRequest
    service_type: str
    description: str = field(repr=False)
    attributes: Answers = field(repr=False)
    extra_attributes: Answers = field(repr=False)
    media_urls: tuple[str, ...] = field(repr=False)
    me_too_of: str | None
    status_notes: str  # as staff wrote them (the published view masks phone numbers)
    contact: tuple[tuple[str, str], ...] = field(repr=False)


CONTACT_FIELDS = (
    ("First name", "first_name"),
    ("Last name", "last_name"),
    ("Email", "email"),
    ("Phone", "phone"),
    ("Device id", "device_id"),
    ("Account id", "account_id"),
)


def stored_request(session: Session, service_request_id: str) -> StoredRequest | None:
    """The request stored under ``service_request_id`` (blackbox ones too), or None."""
    record = session.scalar(
        select(ServiceRequestRecord).where(
            ServiceRequestRecord.service_request_id == service_request_id
        )
    )
    if record is None:
        return None
    count = me_too_counts(session, [service_request_id]).get(service_request_id, 0)
    return StoredRequest(
        request=published_view(record, me_too_count=count),
        service_type=record.service_type,
        description=record.description,
        attributes=_answers(record.attributes),
        extra_attributes=_answers(record.extra_attributes),
        media_urls=tuple(url for url in (record.media_url, *record.further_media_urls) if url),
        me_too_of=record.me_too_of,
        status_notes=record.status_notes,
        contact=tuple(
            (label, str(getattr(record, name)))
            for label, name in CONTACT_FIELDS
            if getattr(record, name)
        ),
    )


def recent_requests(session: Session, *, limit: int) -> list[tuple[ServiceRequest, str]]:
    """The ``limit`` requests filed last, newest first, each with its service type."""
    statement = select(ServiceRequestRecord).order_by(ServiceRequestRecord.id.desc()).limit(limit)
    records = list(session.scalars(statement))
    counts = me_too_counts(session, [record.service_request_id for record in records])
    return [
        (
            published_view(record, me_too_count=counts.get(record.service_request_id, 0)),
            record.service_type,
        )
        for record in records
    ]


def _answers(stored: dict[str, list[str]] | None) -> Answers:
    return tuple((code, tuple(values)) for code, values in (stored or {}).items())
