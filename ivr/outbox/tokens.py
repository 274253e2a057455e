"""A batch service's token, exchanged for the request id after filing.

A batch service answers a POST with a token; the id comes when the city has processed the
request. A row ``filed`` with a token and no id is due again at ``next_attempt_at``: a worker
claims the check (:func:`ivr.leases.claim_rows` on ``token_checks``, so two workers do not ask
at once; the claim also sets the next check after the outbox's back-off), asks the city
(``GET tokens/{token}``) and stores the id when there is one. Checks stop after
``IVR_OUTBOX_TOKEN_CHECKS``; the caller meanwhile was told the token
(``report.token_reference``).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from ivr.clock import Clock, utc_now
from ivr.leases import Backoff, Take, claim_rows
from ivr.open311.error_words import brief
from ivr.open311.errors import Open311Error
from ivr.outbox.queue import FILED, holder_of_id, park_with_duplicate_id
from ivr.store.call_tables import OutboxRecord

log = logging.getLogger(__name__)

TOKEN_CHECKS = 30  # the default of ``IVR_OUTBOX_TOKEN_CHECKS``


class TokenClient(Protocol):
    """What a token check needs of :class:`~ivr.open311.client.Open311Client`."""

    def token_id(self, token: str) -> str | None: ...


def exchange_tokens(
    sessions: sessionmaker[Session],
    client: TokenClient,
    *,
    backoff: Backoff,
    clock: Clock = utc_now,
    max_checks: int = TOKEN_CHECKS,
    limit: int = 20,
) -> int:
    """Ask the city for the ids of due tokens; returns how many ids were found."""
    found = 0
    for outbox_id, token in _claim_checks(sessions, clock(), backoff, max_checks, limit):
        try:
            service_request_id = client.token_id(token)
        except Open311Error as error:
            log.info("token lookup failed, will ask again: %s", brief(error))
            continue
        if service_request_id is None:
            continue
        with sessions() as session, session.begin():
            row = session.get(OutboxRecord, outbox_id)
            holder = holder_of_id(session, row, service_request_id) if row else None
            if row is not None and holder is not None:  # another report's id: a person looks
                park_with_duplicate_id(row, service_request_id, holder, clock())
            else:
                session.execute(
                    update(OutboxRecord)
                    .where(OutboxRecord.id == outbox_id, OutboxRecord.service_request_id.is_(None))
                    .values(service_request_id=service_request_id, updated_at=clock())
                )
        if holder is not None:
            log.warning(
                "the city gave a token's report an id another report holds; parked for a person",
                extra={
                    "outbox_id": outbox_id,
                    "holder_outbox_id": holder,
                    "city_id": service_request_id,
                },
            )
            continue
        found += 1
    return found


def _claim_checks(
    sessions: sessionmaker[Session], now: datetime, backoff: Backoff, max_checks: int, limit: int
) -> list[tuple[int, str]]:
    query = (
        select(OutboxRecord.id, OutboxRecord.token, OutboxRecord.token_checks)
        .where(OutboxRecord.status == FILED)
        .where(OutboxRecord.token.is_not(None), OutboxRecord.service_request_id.is_(None))
        .where(OutboxRecord.token_checks < max_checks)
        .where(OutboxRecord.next_attempt_at <= now)
        .order_by(OutboxRecord.next_attempt_at)
        .limit(limit)
    )

    def choose(session: Session, row: Any) -> Take[tuple[int, str]]:
        outbox_id, token, checks = row
        next_check = now + backoff.delay(checks + 1)
        return Take(
            OutboxRecord,
            outbox_id,
            checks,
            {"next_attempt_at": next_check},
            result=(outbox_id, str(token)),
            counter="token_checks",
        )

    return claim_rows(sessions, query, choose)
