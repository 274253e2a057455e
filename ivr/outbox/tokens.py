"""A batch service's token, exchanged for the request id after filing.

A batch service answers a POST with a token; the id comes when the city has processed the
request. A row ``filed`` with a token and no id is due again at ``next_attempt_at``: a worker
bumps its ``token_checks`` (a conditional update, so two workers do not ask at once), asks the
city (``GET tokens/{token}``) and stores the id when there is one. Checks back off like
deliveries and stop after ``RetryPolicy.token_checks``; the caller meanwhile was told the
token (``report.token_reference``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from ivr.open311.client import brief
from ivr.open311.errors import Open311Error
from ivr.outbox.queue import FILED
from ivr.store.call_tables import OutboxRecord

if TYPE_CHECKING:
    from ivr.outbox.worker import CityClient, RetryPolicy

log = logging.getLogger(__name__)


def exchange_tokens(
    sessions: sessionmaker[Session],
    client: CityClient,
    *,
    clock: Callable[[], datetime],
    policy: RetryPolicy,
    limit: int,
) -> int:
    """Ask the city for the ids of due tokens; returns how many ids were found."""
    found = 0
    for outbox_id, token in _claim_checks(sessions, clock(), policy, limit):
        try:
            service_request_id = client.token_id(token)
        except Open311Error as error:
            log.info("token lookup failed, will ask again: %s", brief(error))
            continue
        if service_request_id is None:
            continue
        with sessions() as session, session.begin():
            session.execute(
                update(OutboxRecord)
                .where(OutboxRecord.id == outbox_id, OutboxRecord.service_request_id.is_(None))
                .values(service_request_id=service_request_id, updated_at=clock())
            )
        found += 1
    return found


def _claim_checks(
    sessions: sessionmaker[Session], now: datetime, policy: RetryPolicy, limit: int
) -> list[tuple[int, str]]:
    with sessions() as session, session.begin():
        query = (
            select(OutboxRecord.id, OutboxRecord.token, OutboxRecord.token_checks)
            .where(OutboxRecord.status == FILED)
            .where(OutboxRecord.token.is_not(None), OutboxRecord.service_request_id.is_(None))
            .where(OutboxRecord.token_checks < policy.token_checks)
            .where(OutboxRecord.next_attempt_at <= now)
            .order_by(OutboxRecord.next_attempt_at)
            .limit(limit)
        )
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        claimed = []
        for outbox_id, token, checks in session.execute(query).all():
            result = session.execute(
                update(OutboxRecord)
                .where(OutboxRecord.id == outbox_id, OutboxRecord.token_checks == checks)
                .values(token_checks=checks + 1, next_attempt_at=now + policy.delay(checks + 1))
            )
            if result.rowcount == 1:  # type: ignore[attr-defined]
                claimed.append((outbox_id, str(token)))
        return claimed
