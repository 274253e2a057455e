"""Tables of a call's life: its dialog state, the report it produced, and the outbox row that
carries the report to the city.

The call's dialog state is one JSON document (``CallState.to_dict``), rewritten by each webhook
if no other wrote since it was read (``version``), so that any worker process can answer any
webhook of any call. ``step`` is the number of the last webhook step applied: a Twilio retry of
the same step is recognised by it.
The caller's number is personal data: it is kept only while the call or an SMS needs it, and
cleared afterwards (``caller_number`` nullable for that reason).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from ivr.store.base import Base


class WrittenDateTime(TypeDecorator[datetime]):
    """A datetime kept as the ISO 8601 text it came in: a city's offset, or its lack of one,
    survives (a ``timestamptz`` would keep the instant only), so that the day said to a caller
    is the day the city wrote. Text that no longer parses reads as None."""

    impl = String(64)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> str | None:
        return None if value is None else value.isoformat()

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if not isinstance(value, str) or not value:
            return None
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None


# A call's status: in progress until it ends, then completed (it filed a report), abandoned
# (the caller hung up first) or ended (the flow ended it without a report).
IN_PROGRESS, COMPLETED, ABANDONED, ENDED = "in-progress", "completed", "abandoned", "ended"


class CallRecord(Base):
    __tablename__ = "calls"

    call_sid: Mapped[str] = mapped_column(String(64), primary_key=True)
    flow: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(20), index=True)  # in-progress, completed, …
    step: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
    language: Mapped[str] = mapped_column(String(8), default="en")
    caller_number: Mapped[str | None] = mapped_column(String(32), nullable=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # Recording status callbacks (status, URL, duration), kept for transcription.
    recordings: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, nullable=True)
    # When the retention sweep erased what the caller said and the recordings' URLs (the
    # call's timeline stays); ``IVR_RETENTION_DAYS``, ivr/housekeeping/retention.py.
    personal_data_erased_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )

    # Goes up by one at every write of the state: a step computed on the state as read is
    # written only if no one wrote since (ivr/webhooks/call_rows.py); the ORM's writes (the
    # retention sweep's) count it too.
    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")

    # The retention sweep looks for calls not yet erased that started before its limit.
    __table_args__ = (Index("ix_calls_retention", "personal_data_erased_at", "started_at"),)
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (SQLAlchemy reads it once)


class ReportRecord(Base):
    """What a caller reported, exactly as it will be filed (one per confirmed intake)."""

    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    call_sid: Mapped[str | None] = mapped_column(
        String(64), ForeignKey("calls.call_sid"), nullable=True, unique=True
    )
    service_code: Mapped[str] = mapped_column(String(120))
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON)
    lat: Mapped[float | None] = mapped_column(nullable=True)
    long: Mapped[float | None] = mapped_column(nullable=True)
    address_string: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(8), default="en")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # The city's id of an open request the caller added their voice to ("me too"), if any.
    duplicate_of: Mapped[str | None] = mapped_column(String(120), nullable=True)


class OutboxRecord(Base):
    """One report on its way to the city. ``key`` is unique per report: it is the idempotency
    key that keeps the same report from being filed twice (see docs/outbox.md).

    ``unknown_attempts`` counts attempts whose outcome is unknown (the city may have filed the
    report: a timeout after sending, a dropped connection, a 5xx, a worker that died holding
    the row); while it is above zero, the report is looked up at the city before any new POST.
    ``token_checks`` counts the exchanges of a batch service's token for an id.
    ``expected_datetime`` is the date a city's own CRM expects to take care of the report, from
    its answer to GET ``requests/{id}`` asked once after filing (the POST answer has no such
    field); the embedded endpoint's date is read from its own table instead.
    ``expected_pending``: the report is filed and that question is being asked (a caller still
    on the line waits a little longer for its answer, within their filing wait).
    """

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), unique=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(20), index=True)  # pending/sending/filed/parked
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    last_error: Mapped[str] = mapped_column(Text, default="")
    service_request_id: Mapped[str | None] = mapped_column(String(120), nullable=True)
    token: Mapped[str | None] = mapped_column(String(120), nullable=True)
    service_notice: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    unknown_attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error_kind: Mapped[str] = mapped_column(String(32), default="")
    token_checks: Mapped[int] = mapped_column(Integer, default=0)
    expected_datetime: Mapped[datetime | None] = mapped_column(WrittenDateTime(), nullable=True)
    expected_pending: Mapped[bool] = mapped_column(Boolean, default=False)


class OutboxAttemptRecord(Base):
    """One attempt to deliver an outbox row: who made it, when, and how it ended.

    ``outcome`` is ``in_flight`` while the worker holds the row; then ``filed``, ``found`` (an
    earlier attempt had filed it: the lookup found it at the city), ``retry`` (not filed, will
    be sent again), ``unknown`` (the city may have filed it), or ``parked``.
    """

    __tablename__ = "outbox_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    outbox_id: Mapped[int] = mapped_column(ForeignKey("outbox.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    worker: Mapped[str] = mapped_column(String(120), default="")
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    outcome: Mapped[str] = mapped_column(String(20))
    error_kind: Mapped[str] = mapped_column(String(32), default="")
    error: Mapped[str] = mapped_column(Text, default="")
