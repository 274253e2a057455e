"""Putting a report in the outbox, and reading where it stands.

``enqueue`` inserts the report and its outbox row in the caller's transaction: they commit
together with whatever else that transaction holds (the end of the call's intake), so a
caller is told "received" only after the report is safely stored.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple, cast

from sqlalchemy import Connection, Insert, Table, func, select
from sqlalchemy.orm import Session

from ivr.open311.models import NewRequest
from ivr.outbox.lookup import with_key
from ivr.store.call_tables import OutboxRecord, ReportRecord
from ivr.store.driver import driver_statement, insert_of

PENDING, SENDING, FILED, PARKED = "pending", "sending", "filed", "parked"
# Row ids are 32-bit integers (PostgreSQL's ``integer``); a larger number names no row, and
# SQLite cannot even be asked about one beyond 64 bits.
MAX_ROW_ID = 2**31 - 1
# ``last_error_kind`` of a row parked because the city answered it with an id that another
# report already holds: one of the two references is wrong, and a person must find out which.
DUPLICATE_ID = "duplicate_id"
# The first key of the transaction-level advisory lock taken on PostgreSQL while an id is
# checked and stored (the second is the id's hash): two workers given the same id at once
# are then checked one after the other.
ID_LOCK_SPACE = 311_0010
REPORTS = cast(Table, ReportRecord.__table__)
OUTBOX = cast(Table, OutboxRecord.__table__)
# A delivery's columns in the order of Delivery's fields (delivery_of).
DELIVERY_COLUMNS = tuple(
    OUTBOX.c[name]
    for name in (
        *("id", "status", "attempts", "service_request_id", "token", "service_notice"),
        *("last_error", "last_error_kind", "unknown_attempts", "expected_pending"),
    )
)


@dataclass(frozen=True)
class Report:
    """What the caller reported, ready to be filed."""

    service_code: str
    attributes: Mapping[str, Sequence[str]] = field(default_factory=dict)
    lat: float | None = None
    long: float | None = None
    address_string: str = field(default="", repr=False)
    description: str = field(default="", repr=False)
    language: str = "en"
    call_sid: str | None = None


@dataclass(frozen=True)
class Delivery:
    """Where one report stands on its way to the city."""

    outbox_id: int
    status: str
    attempts: int
    service_request_id: str | None
    token: str | None
    service_notice: str
    last_error: str
    last_error_kind: str = ""
    unknown_attempts: int = 0
    expected_pending: bool = False  # filed; the city's expected date is being asked for

    @property
    def settled(self) -> bool:
        """Nothing more will be learnt while the caller waits: parked, or filed with no
        question about its expected date still open."""
        return self.status == PARKED or (self.status == FILED and not self.expected_pending)

    @property
    def blackbox(self) -> bool:
        """Filed with a service that gives out no id and no token: nothing to tell but that."""
        return self.status == FILED and not self.service_request_id and not self.token

    @property
    def awaiting_id(self) -> bool:
        """Filed with a batch service: the city gave a token, the id comes later."""
        return self.status == FILED and not self.service_request_id and bool(self.token)


class Queued(NamedTuple):
    """A report put in the outbox: its row's id, its outbox row's id, and the key it is filed
    with (``ivr.outbox.lookup``)."""

    report_id: int
    outbox_id: int
    key: str


_NEW_REPORT_COLUMNS = (
    *("call_sid", "service_code", "attributes", "lat", "long", "address_string"),
    *("description", "language", "created_at"),
)
_INSERT_REPORT = insert_of(REPORTS, _NEW_REPORT_COLUMNS).returning(REPORTS.c.id)
_NEW_OUTBOX_COLUMNS = (
    *("report_id", "key", "status", "attempts", "next_attempt_at", "last_error"),
    *("last_error_kind", "unknown_attempts", "token_checks", "service_notice"),
    *("expected_pending", "created_at", "updated_at"),
)
_INSERT_OUTBOX = insert_of(OUTBOX, _NEW_OUTBOX_COLUMNS).returning(OUTBOX.c.id)


def enqueue(connection: Connection, report: Report, *, now: datetime) -> Queued:
    """Insert ``report`` and its outbox row, in the transaction open on ``connection`` (the
    caller commits it). The statements run on the driver's cursor (ivr.store.driver): a call
    step that files needs no ORM session."""
    new_report = {
        "call_sid": report.call_sid,
        "service_code": report.service_code,
        "attributes": {code: list(values) for code, values in report.attributes.items()},
        "lat": report.lat,
        "long": report.long,
        "address_string": report.address_string,
        "description": report.description,
        "language": report.language,
        "created_at": now,
    }
    report_id = _inserted_id(connection, _INSERT_REPORT, new_report)
    key = uuid.uuid4().hex
    new_row = {
        "report_id": report_id,
        "key": key,
        "status": PENDING,
        "attempts": 0,
        "next_attempt_at": now,
        "last_error": "",
        "last_error_kind": "",
        "unknown_attempts": 0,
        "token_checks": 0,
        "service_notice": "",
        "expected_pending": False,
        "created_at": now,
        "updated_at": now,
    }
    return Queued(report_id, _inserted_id(connection, _INSERT_OUTBOX, new_row), key)


def _inserted_id(connection: Connection, statement: Insert, values: dict[str, Any]) -> int:
    found = driver_statement(statement, connection.dialect).first(connection, values)
    if found is None:  # an INSERT … RETURNING returns its row, or raises
        raise RuntimeError("the database returned no id for a new row")
    return int(found[0])


def to_new_request(report: ReportRecord, key: str = "") -> NewRequest:
    """The request to file; with ``key``, the description's last line carries it (see
    :func:`ivr.outbox.lookup.with_key`), so the report can be found at the city later."""
    attributes = tuple(
        (code, tuple(str(value) for value in values))
        for code, values in sorted(report.attributes.items())
    )
    return NewRequest(
        service_code=report.service_code,
        lat=report.lat,
        long=report.long,
        address_string=report.address_string,
        description=with_key(report.description, key) if key else report.description,
        attributes=attributes,
    )


def delivery_for_report(session: Session, report_id: int) -> Delivery | None:
    row = session.scalar(select(OutboxRecord).where(OutboxRecord.report_id == report_id))
    return None if row is None else _delivery(row)


def delivery_of(values: Sequence[Any]) -> Delivery | None:
    """A delivery from :data:`DELIVERY_COLUMNS`' values, as read with a report's row (an outer
    join: all None when the call filed nothing)."""
    return None if values[0] is None else Delivery(*values)


def _delivery(row: OutboxRecord) -> Delivery:
    return Delivery(*(getattr(row, column.key) for column in DELIVERY_COLUMNS))


class RetryRefused(ValueError):
    """The outbox row cannot be sent again now; the message says why."""


def mark_for_retry(session: Session, outbox_id: int, now: datetime) -> OutboxRecord:
    """Make a parked or waiting row due at once (``ivr outbox retry`` and the dashboard)."""
    row = session.get(OutboxRecord, outbox_id) if 0 < outbox_id <= MAX_ROW_ID else None
    if row is None:
        raise RetryRefused(f"no outbox row {outbox_id}")
    if row.status not in (PARKED, PENDING):
        raise RetryRefused(f"outbox row {outbox_id} is {row.status}, not waiting")
    row.status = PENDING
    row.next_attempt_at = now
    return row


def holder_of_id(session: Session, row: OutboxRecord, service_request_id: str) -> int | None:
    """The outbox row, other than ``row``, that already holds the city's
    ``service_request_id``; None when none does, or when ``row``'s report asked to join that
    very request (a "me too" the city may answer with the request's own id). On PostgreSQL
    the id stays locked until the transaction ends, so the row can be stored without a race."""
    if session.get_bind().dialect.name == "postgresql":
        key = func.hashtext(service_request_id)
        session.execute(select(func.pg_advisory_xact_lock(ID_LOCK_SPACE, key)))
    joined = session.scalar(
        select(ReportRecord.duplicate_of).where(ReportRecord.id == row.report_id)
    )
    if joined == service_request_id:
        return None
    query = (
        select(OutboxRecord.id)
        .where(OutboxRecord.service_request_id == service_request_id)
        .where(OutboxRecord.id != row.id)
        .order_by(OutboxRecord.id)
        .limit(1)
    )
    return session.scalar(query)


def park_with_duplicate_id(
    row: OutboxRecord, service_request_id: str, holder: int, now: datetime
) -> None:
    """Park ``row``: the city answered it with ``holder``'s id. The id is kept in the error
    only, so that no caller is told it and no text message carries it."""
    row.status = PARKED
    # The city has the report (it answered): a retry looks it up by its key before any POST.
    row.unknown_attempts = row.unknown_attempts + 1
    row.last_error_kind = DUPLICATE_ID
    row.last_error = (
        f"city id {service_request_id} already belongs to outbox row {holder}; "
        "check both reports at the city before anyone is told either number"
    )[:2000]
    row.updated_at = now
