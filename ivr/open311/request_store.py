"""The embedded endpoint's requests in the store: file one, publish some, change a status.

Published ids are ``str(row id)``: short, increasing, easy to read out over the phone, and
assigned by the database so that several workers never hand out the same one. Blackbox
requests are stored like the others but :func:`published_requests` never returns them, and
their id is never revealed. Every function takes a session; the caller owns the transaction.

A request filed as a "me too" (its description opens with ``Also reported as request <id>:``,
:mod:`ivr.followup.me_too`) keeps that id in ``me_too_of``; every published request carries the
number of such requests as ``me_too_count``.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ivr.followup.me_too import joined_request
from ivr.open311.models import NewRequest, Service, ServiceRequest
from ivr.open311.public_text import mask_phone_numbers, public_description
from ivr.open311.request_query import RequestQuery
from ivr.store.request_tables import STATUSES, ServiceRequestRecord

BLACKBOX_NOTICE = "Received. This service does not give out request numbers."


@dataclass(frozen=True)
class Filed:
    """What the endpoint may tell the submitter about a request it has just stored."""

    service_request_id: str
    token: str | None
    service_notice: str
    service_type: str


def file_request(
    session: Session,
    service: Service,
    request: NewRequest,
    *,
    now: datetime,
    idempotency_key: str | None = None,
) -> Filed:
    """Store ``request`` for ``service``, filed at ``now`` (timezone-aware), under
    ``idempotency_key`` when given (unique: a second request with it fails on commit)."""
    record = ServiceRequestRecord(
        idempotency_key=idempotency_key or None,
        service_request_id=f"pending-{uuid.uuid4().hex}",
        token=secrets.token_urlsafe(18) if service.type == "batch" else None,
        service_type=service.type,
        service_code=service.service_code,
        service_name=service.service_name,
        status="open",
        status_notes="",
        description=request.description,
        address_string=request.address_string,
        address_id=request.address_id,
        zipcode="",
        lat=request.lat,
        long=request.long,
        attributes={code: list(values) for code, values in request.attributes},
        extra_attributes={code: list(values) for code, values in request.extra_attributes},
        media_url=request.media_url,
        further_media_urls=list(request.further_media_urls),
        me_too_of=joined_request(request.description),
        agency_responsible="",
        service_notice=BLACKBOX_NOTICE if service.type == "blackbox" else "",
        requested_datetime=now,
        updated_datetime=now,
        expected_datetime=None,
        email=request.email,
        phone=request.phone,
        first_name=request.first_name,
        last_name=request.last_name,
        device_id=request.device_id,
        account_id=request.account_id,
    )
    session.add(record)
    session.flush()
    record.service_request_id = str(record.id)
    session.flush()
    return _filed(record)


def filed_for_key(session: Session, idempotency_key: str) -> Filed | None:
    """What was answered to the POST that carried ``idempotency_key``, or None."""
    record = session.scalar(
        select(ServiceRequestRecord).where(ServiceRequestRecord.idempotency_key == idempotency_key)
    )
    return None if record is None else _filed(record)


def _filed(record: ServiceRequestRecord) -> Filed:
    return Filed(
        service_request_id=record.service_request_id,
        token=record.token,
        service_notice=record.service_notice,
        service_type=record.service_type,
    )


def published_requests(session: Session, query: RequestQuery) -> list[ServiceRequest]:
    """The requests ``query`` selects, newest first: ``query.limit`` of them from the
    ``query.offset``-th on."""
    statement = select(ServiceRequestRecord).where(ServiceRequestRecord.service_type != "blackbox")
    if query.service_request_ids:
        statement = statement.where(
            ServiceRequestRecord.service_request_id.in_(query.service_request_ids)
        )
    else:
        if query.service_codes:
            statement = statement.where(ServiceRequestRecord.service_code.in_(query.service_codes))
        if query.statuses:
            statement = statement.where(ServiceRequestRecord.status.in_(query.statuses))
        if query.start is not None:
            statement = statement.where(ServiceRequestRecord.requested_datetime >= query.start)
        if query.end is not None:
            statement = statement.where(ServiceRequestRecord.requested_datetime <= query.end)
    statement = (
        statement.order_by(
            ServiceRequestRecord.requested_datetime.desc(), ServiceRequestRecord.id.desc()
        )
        .offset(query.offset)
        .limit(query.limit)
    )
    return published_views(session, list(session.scalars(statement)))


def published_views(session: Session, records: list[ServiceRequestRecord]) -> list[ServiceRequest]:
    """:func:`published_view` of each record, with its ``me_too_count`` (one query for all)."""
    counts = me_too_counts(session, [record.service_request_id for record in records])
    return [
        published_view(record, me_too_count=counts.get(record.service_request_id, 0))
        for record in records
    ]


def me_too_counts(session: Session, service_request_ids: list[str]) -> dict[str, int]:
    """How many requests were filed as a "me too" of each of ``service_request_ids``."""
    if not service_request_ids:
        return {}
    statement = (
        select(ServiceRequestRecord.me_too_of, func.count())
        .where(ServiceRequestRecord.me_too_of.in_(set(service_request_ids)))
        .group_by(ServiceRequestRecord.me_too_of)
    )
    return {str(joined): int(count) for joined, count in session.execute(statement)}


def published_request(session: Session, service_request_id: str) -> ServiceRequest | None:
    found = published_requests(session, RequestQuery(service_request_ids=(service_request_id,)))
    return found[0] if found else None


def id_for_token(session: Session, token: str) -> str | None:
    """The id of the batch request that ``token`` was given for, or None."""
    statement = select(ServiceRequestRecord.service_request_id).where(
        ServiceRequestRecord.token == token
    )
    return session.scalar(statement)


def update_status(
    session: Session,
    service_request_id: str,
    *,
    status: str,
    now: datetime,
    status_notes: str | None = None,
    agency_responsible: str | None = None,
    expected_datetime: datetime | None = None,
) -> bool:
    """Change a request's status (and notes); False when there is no such request. Staff
    change it through :mod:`ivr.open311.status_change`, which checks the notes first."""
    if status not in STATUSES:
        raise ValueError(f"status must be one of {', '.join(STATUSES)}")
    record = session.scalar(
        select(ServiceRequestRecord).where(
            ServiceRequestRecord.service_request_id == service_request_id
        )
    )
    if record is None:
        return False
    record.status = status
    record.updated_datetime = now
    if status_notes is not None:
        record.status_notes = status_notes
    if agency_responsible is not None:
        record.agency_responsible = agency_responsible
    if expected_datetime is not None:
        record.expected_datetime = expected_datetime
    return True


def published_view(record: ServiceRequestRecord, *, me_too_count: int = 0) -> ServiceRequest:
    """Only the fields GeoReport v2 publishes (and the ``me_too_count`` extension): never the
    submitter's contact fields, the attributes or the further media URLs, and the description
    as the public may read it (:func:`ivr.open311.public_text.public_description`: no outbox
    key line, no phone number); staff's ``status_notes`` with phone numbers masked too, and so
    is an address with no point: a place the call could not confirm is filed as the caller's
    own words. An address with a point is the address data's, published whole (a ZIP+4 or a
    house-number range is seven digits or more, but no phone number)."""
    return ServiceRequest(
        service_request_id=record.service_request_id,
        status=record.status,
        service_code=record.service_code,
        service_name=record.service_name,
        status_notes=mask_phone_numbers(record.status_notes),
        description=public_description(record.description),
        agency_responsible=record.agency_responsible,
        service_notice=record.service_notice,
        requested_datetime=record.requested_datetime,
        updated_datetime=record.updated_datetime,
        expected_datetime=record.expected_datetime,
        address=(
            record.address_string
            if record.lat is not None
            else mask_phone_numbers(record.address_string)
        ),
        address_id=record.address_id,
        zipcode=record.zipcode,
        lat=record.lat,
        long=record.long,
        media_url=record.media_url,
        me_too_count=me_too_count,
    )
