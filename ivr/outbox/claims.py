"""Claiming the outbox's due reports with a lease, and the policy they are claimed under.

A report is due while it is ``pending`` at its ``next_attempt_at``, or ``sending`` with a lease
that ran out (the worker delivering it died). :func:`claim_due` takes due rows through
:func:`ivr.leases.claim_rows`, marks them ``sending`` until the lease ends and opens the
attempt in the attempt history (:mod:`ivr.outbox.attempts`); what one delivery then does is
:mod:`ivr.outbox.worker`. :func:`outbox_policy` is the lease and back-off the settings choose.
"""

from __future__ import annotations

import os
import socket
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ivr.leases import Backoff, LeasePolicy, Take, claim_rows
from ivr.outbox import attempts
from ivr.outbox.queue import PENDING, SENDING
from ivr.settings import Settings
from ivr.store.call_tables import OutboxRecord

# The values of ``IVR_OUTBOX_RETRY_BASE``, ``IVR_OUTBOX_RETRY_CAP`` and ``IVR_OUTBOX_LEASE``.
OUTBOX_POLICY = LeasePolicy(Backoff(5.0, 900.0, jitter=0.2), lease_seconds=120.0)


def outbox_policy(settings: Settings) -> LeasePolicy:
    """Deliveries back off within ±20 % (a recovering city is not hit all at once) and are
    retried until delivered or parked: a report is never given up on."""
    backoff = Backoff(settings.outbox_retry_base, settings.outbox_retry_cap, jitter=0.2)
    return LeasePolicy(backoff, lease_seconds=settings.outbox_lease)


def worker_name() -> str:
    """``host:pid``: which process made an attempt (kept in the attempt history)."""
    return f"{socket.gethostname()}:{os.getpid()}"


def claim_due(
    sessions: sessionmaker[Session],
    *,
    now: datetime,
    limit: int,
    policy: LeasePolicy = OUTBOX_POLICY,
    worker: str = "",
) -> list[int]:
    """Claim up to ``limit`` due rows (pending, or sending with an expired lease); their ids.

    A row taken back from an expired lease counts an attempt of unknown outcome, and its lost
    attempt is closed in the attempt history before the new one opens.
    """
    worker = worker or worker_name()
    query = (
        select(OutboxRecord.id, OutboxRecord.attempts, OutboxRecord.status)
        .where(OutboxRecord.status.in_((PENDING, SENDING)))
        .where(OutboxRecord.next_attempt_at <= now)
        .order_by(OutboxRecord.next_attempt_at, OutboxRecord.id)
        .limit(limit)
    )

    def choose(session: Session, row: Any) -> Take[int]:
        outbox_id, tries, status = row
        values: dict[str, object] = {
            "status": SENDING,
            "next_attempt_at": policy.lease_until(now),
            "updated_at": now,
        }
        if status == SENDING:
            values["unknown_attempts"] = OutboxRecord.unknown_attempts + 1
            values["last_error_kind"] = "worker_lost"
            values["last_error"] = "outcome unknown: the worker delivering it stopped"

        def opened(session: Session) -> None:
            if status == SENDING:
                attempts.close_lost_attempts(session, outbox_id, now)
            attempts.open_attempt(session, outbox_id, tries + 1, worker, now)

        return Take(
            OutboxRecord,
            outbox_id,
            tries,
            values,
            result=outbox_id,
            guard=(OutboxRecord.status == status,),
            then=opened,
        )

    return claim_rows(sessions, query, choose)
