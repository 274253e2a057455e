"""The history of a row's delivery attempts (``outbox_attempts``): one line per claim.

A claim opens an attempt (``in_flight``, naming the worker); the delivery closes it with its
outcome. A row claimed again after its lease ran out still has its last attempt ``in_flight``:
that attempt is closed as ``unknown`` (``worker_lost``), because the worker may have been
killed after the city filed the report and before it could say so.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ivr.store.call_tables import OutboxAttemptRecord

IN_FLIGHT, FILED_NOW, FOUND, RETRY, UNKNOWN, PARKED_NOW = (
    "in_flight",
    "filed",
    "found",
    "retry",
    "unknown",
    "parked",
)


def open_attempt(session: Session, outbox_id: int, number: int, worker: str, now: datetime) -> None:
    session.add(
        OutboxAttemptRecord(
            outbox_id=outbox_id,
            number=number,
            worker=worker[:120],
            started_at=now,
            outcome=IN_FLIGHT,
            error_kind="",
            error="",
        )
    )


def close_lost_attempts(session: Session, outbox_id: int, now: datetime) -> None:
    """Attempts of ``outbox_id`` still in flight: their worker is gone, their outcome unknown."""
    session.execute(
        update(OutboxAttemptRecord)
        .where(OutboxAttemptRecord.outbox_id == outbox_id)
        .where(OutboxAttemptRecord.outcome == IN_FLIGHT)
        .values(
            outcome=UNKNOWN,
            error_kind="worker_lost",
            error="the worker stopped before the delivery ended",
            finished_at=now,
        )
    )


def close_attempt(
    session: Session,
    outbox_id: int,
    number: int,
    outcome: str,
    now: datetime,
    *,
    error_kind: str = "",
    error: str = "",
) -> None:
    session.execute(
        update(OutboxAttemptRecord)
        .where(OutboxAttemptRecord.outbox_id == outbox_id)
        .where(OutboxAttemptRecord.number == number)
        .where(OutboxAttemptRecord.outcome == IN_FLIGHT)
        .values(outcome=outcome, error_kind=error_kind, error=error[:2000], finished_at=now)
    )


def attempt_counts(session: Session) -> dict[tuple[str, str], int]:
    """How many attempts ended with each (outcome, error kind): the fault test's figures."""
    query = select(
        OutboxAttemptRecord.outcome, OutboxAttemptRecord.error_kind, func.count()
    ).group_by(OutboxAttemptRecord.outcome, OutboxAttemptRecord.error_kind)
    return {(outcome, kind): count for outcome, kind, count in session.execute(query).all()}


def attempts_by_worker(session: Session) -> dict[str, int]:
    query = select(OutboxAttemptRecord.worker, func.count()).group_by(OutboxAttemptRecord.worker)
    return {worker: count for worker, count in session.execute(query).all()}


def attempts_of(session: Session, outbox_id: int) -> list[OutboxAttemptRecord]:
    query = (
        select(OutboxAttemptRecord)
        .where(OutboxAttemptRecord.outbox_id == outbox_id)
        .order_by(OutboxAttemptRecord.number, OutboxAttemptRecord.id)
    )
    return list(session.scalars(query))
