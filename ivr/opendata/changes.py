"""Changes to published requests, in the order they were written, after a cursor.

A cursor is a request's ``updated_datetime`` (to the microsecond) and its row id: every change
to a published request moves its ``updated_datetime`` forward, so reading the rows whose
``(updated_datetime, id)`` is past a cursor, in that order, yields each change once. The text
form ``<microseconds since 1970 UTC>-<row id>`` is what the event stream sends as an event's id.

A row becomes readable only once it has *settled*: its ``updated_datetime`` is more than
``settle`` before the reader's clock. A writer stamps a row before it commits, so a change
stamped earlier may commit after a later one; waiting for rows to settle keeps a reader from
moving its cursor past a change that is still being committed (see docs/open-data.md).

The same log feeds mySociety's ``servicerequestupdates`` on the GeoReport endpoint
(:func:`changes_between`): there a change is read by its time, in a window the reader names.
A request is listed with its ``me_too_count`` as it is when it is read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from ivr.open311.models import ServiceRequest
from ivr.open311.request_store import me_too_counts, published_view
from ivr.store.request_tables import ServiceRequestRecord

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
_CURSOR = re.compile(r"([0-9]{1,20})-([0-9]{1,20})")  # ASCII: as the stream sends it
MAX_ROW_ID = 2**63 - 1  # beyond it a row id cannot even be asked about (SQLite's integers)

ChangeKind = Literal["created", "updated"]


class CursorError(ValueError):
    """A cursor (``Last-Event-ID`` or ``after``) that this server never gave out."""


@dataclass(frozen=True, order=True)
class Cursor:
    """A point in the order of changes: after the row ``row_id`` stamped ``updated``."""

    updated: datetime
    row_id: int

    def __str__(self) -> str:
        return f"{(self.updated - EPOCH) // MICROSECOND}-{self.row_id}"

    @classmethod
    def parse(cls, text: str) -> Cursor:
        match = _CURSOR.fullmatch(text.strip())
        if match is None:
            raise CursorError("an event id is <microseconds>-<row id>, as the stream sends it")
        try:
            updated = EPOCH + int(match.group(1)) * MICROSECOND
        except OverflowError:
            raise CursorError("the event id's time is out of range") from None
        row_id = int(match.group(2))
        if row_id > MAX_ROW_ID:
            raise CursorError("the event id's row is out of range")
        return cls(updated=updated, row_id=row_id)

    @classmethod
    def at(cls, moment: datetime) -> Cursor:
        """Before every change stamped after ``moment``."""
        return cls(updated=moment.astimezone(UTC), row_id=0)


@dataclass(frozen=True)
class Change:
    """A published request as it is after one change: new (``created``) or changed since."""

    cursor: Cursor
    kind: ChangeKind
    request: ServiceRequest


def changes_after(
    session: Session, after: Cursor, *, settled_before: datetime, limit: int
) -> list[Change]:
    """The first ``limit`` changes past ``after`` that were stamped at or before
    ``settled_before``, oldest first. Blackbox requests are never published, so never listed.
    """
    record = ServiceRequestRecord
    statement = (
        select(record)
        .where(
            record.service_type != "blackbox",
            or_(
                record.updated_datetime > after.updated,
                and_(record.updated_datetime == after.updated, record.id > after.row_id),
            ),
            record.updated_datetime <= settled_before,
        )
        .order_by(record.updated_datetime, record.id)
        .limit(limit)
    )
    return _changes(session, list(session.scalars(statement)))


def changes_between(
    session: Session, start: datetime, end: datetime, *, limit: int, latest: bool
) -> list[Change]:
    """The changes made to published requests after they were filed, stamped from ``start``
    to ``end`` (both included), oldest first: the first ``limit`` of them, or with ``latest``
    the last ``limit``. A request changed twice is listed once, as it is now."""
    record = ServiceRequestRecord
    order = (
        (record.updated_datetime.desc(), record.id.desc())
        if latest
        else (record.updated_datetime, record.id)
    )
    statement = (
        select(record)
        .where(
            record.service_type != "blackbox",
            record.updated_datetime != record.requested_datetime,
            record.updated_datetime >= start,
            record.updated_datetime <= end,
        )
        .order_by(*order)
        .limit(limit)
    )
    rows = list(session.scalars(statement))
    return _changes(session, rows[::-1] if latest else rows)


def _changes(session: Session, rows: list[ServiceRequestRecord]) -> list[Change]:
    counts = me_too_counts(session, [row.service_request_id for row in rows])
    return [_change(row, counts.get(row.service_request_id, 0)) for row in rows]


def _change(row: ServiceRequestRecord, me_too_count: int) -> Change:
    kind: ChangeKind = "created" if row.updated_datetime == row.requested_datetime else "updated"
    return Change(
        cursor=Cursor(updated=row.updated_datetime, row_id=row.id),
        kind=kind,
        request=published_view(row, me_too_count=me_too_count),
    )


def latest_changes(session: Session, *, limit: int) -> list[Change]:
    """The ``limit`` most recently changed published requests, the newest change first."""
    record = ServiceRequestRecord
    statement = (
        select(record)
        .where(record.service_type != "blackbox")
        .order_by(record.updated_datetime.desc(), record.id.desc())
        .limit(limit)
    )
    return _changes(session, list(session.scalars(statement)))
