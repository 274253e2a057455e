"""Tables of the embedded GeoReport v2 endpoint: the service requests it has accepted.

``service_request_id`` is the opaque string id the endpoint publishes; ``id`` is only the row's
key (the endpoint assigns ``str(id)`` as the published id, so ids are short and easy to read out
over the phone). ``service_type`` is the service's type when the request was filed: blackbox
requests are kept but never published, batch requests carry the ``token`` that reveals their id.

The submitter's contact fields (email, phone, names, device and account ids) are personal data:
they are stored for the city's staff and never published by the GET side nor shown in ``repr``.
All datetimes are UTC and come back timezone-aware on every backend.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, DateTime, Float, Integer, String, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from ivr.store.base import Base

STATUSES = ("open", "closed")


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite keeps no offset: UTC is implied)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("datetimes stored in the request tables must be timezone-aware")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        result: datetime = value
        if result.tzinfo is None:
            return result.replace(tzinfo=UTC)
        return result.astimezone(UTC)


class ServiceRequestRecord(Base):
    __tablename__ = "open311_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    service_request_id: Mapped[str] = mapped_column(String(64), unique=True)
    token: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    service_type: Mapped[str] = mapped_column(String(16))  # realtime, batch, blackbox
    service_code: Mapped[str] = mapped_column(String(120), index=True)
    service_name: Mapped[str] = mapped_column(String(255), default="")
    status: Mapped[str] = mapped_column(String(16), index=True, default="open")
    status_notes: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    address_string: Mapped[str] = mapped_column(Text, default="")
    address_id: Mapped[str] = mapped_column(String(255), default="")
    zipcode: Mapped[str] = mapped_column(String(32), default="")
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    long: Mapped[float | None] = mapped_column(Float, nullable=True)
    # {"code": ["value", …]}: every attribute's values, in the order they were given.
    attributes: Mapped[dict[str, list[str]]] = mapped_column(JSON)
    # Attributes the service does not ask, kept as a client sent them (FixMyStreet adds
    # ``uprn``): shown to staff, never published.
    extra_attributes: Mapped[dict[str, list[str]]] = mapped_column(
        JSON, default=dict, server_default="{}"
    )
    # The first ``media_url`` is the one GeoReport v2 publishes; the others are kept here.
    media_url: Mapped[str] = mapped_column(Text, default="")
    further_media_urls: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    # The published id of the request this one adds its voice to ("me too"), or None.
    me_too_of: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    agency_responsible: Mapped[str] = mapped_column(String(255), default="")
    service_notice: Mapped[str] = mapped_column(Text, default="")
    requested_datetime: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    updated_datetime: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    expected_datetime: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    email: Mapped[str] = mapped_column(String(255), default="")
    phone: Mapped[str] = mapped_column(String(64), default="")
    first_name: Mapped[str] = mapped_column(String(255), default="")
    last_name: Mapped[str] = mapped_column(String(255), default="")
    device_id: Mapped[str] = mapped_column(String(255), default="")
    account_id: Mapped[str] = mapped_column(String(255), default="")
    # The ``Idempotency-Key`` header of the POST that filed it: a POST with a key already
    # seen is answered as the first one was, and files nothing.
    idempotency_key: Mapped[str | None] = mapped_column(String(255), unique=True, nullable=True)

    __table_args__ = (CheckConstraint("status IN ('open', 'closed')", name="status"),)

    def __repr__(self) -> str:  # contact fields, descriptions and addresses stay out of logs
        return (
            f"<ServiceRequestRecord id={self.id} service_request_id={self.service_request_id!r}"
            f" service_code={self.service_code!r} status={self.status!r}>"
        )
