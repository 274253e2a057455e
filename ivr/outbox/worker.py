"""Delivering the outbox to the city.

A worker claims due rows, files each report through the Open311 client, and records the
answer. A claimed row is marked ``sending`` with a lease: if the worker dies mid-delivery the
lease runs out and another worker claims the row again. On PostgreSQL rows are claimed with
``SELECT … FOR UPDATE SKIP LOCKED`` so several workers on several machines share the work; on
SQLite one worker runs (SQLite serialises writers anyway).

Never filed twice (docs/outbox.md): every POST carries the row's key (``Idempotency-Key``
header and the description's last line, see :mod:`ivr.outbox.lookup`), and a row with an
attempt whose outcome is unknown (:mod:`ivr.outbox.failures`) is first looked up at the city;
found, it is recorded as filed without a new POST.

Timeouts, connection errors, 5xx and HTML pages are retried with exponential back-off; a 4xx
parks the report for a person (the city refused it: retrying cannot help). A batch service's
token is exchanged for an id at once, and later by :mod:`ivr.outbox.tokens`.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from ivr.open311.client import brief
from ivr.open311.errors import Open311Error
from ivr.open311.models import NewRequest, SubmitResult
from ivr.outbox import attempts
from ivr.outbox.failures import Failure, classify
from ivr.outbox.lookup import RequestFinder, find_at_city
from ivr.outbox.queue import FILED, PARKED, PENDING, SENDING, to_new_request
from ivr.settings import Settings
from ivr.store.call_tables import OutboxRecord, ReportRecord

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


class CityClient(RequestFinder, Protocol):
    """What the outbox needs of :class:`~ivr.open311.client.Open311Client`."""

    def submit(self, request: NewRequest, *, idempotency_key: str = "") -> SubmitResult: ...

    def token_id(self, token: str) -> str | None: ...


@dataclass(frozen=True)
class RetryPolicy:
    base_seconds: float = 5.0
    cap_seconds: float = 900.0
    lease_seconds: float = 120.0
    token_checks: int = 30

    @classmethod
    def from_settings(cls, settings: Settings) -> RetryPolicy:
        return cls(
            base_seconds=settings.outbox_retry_base,
            cap_seconds=settings.outbox_retry_cap,
            lease_seconds=settings.outbox_lease,
            token_checks=settings.outbox_token_checks,
        )

    def delay(self, attempts: int) -> timedelta:
        """Exponential back-off with jitter, so a recovering city is not hit all at once."""
        seconds = min(self.cap_seconds, self.base_seconds * 2 ** max(0, attempts - 1))
        return timedelta(seconds=seconds * random.uniform(0.8, 1.2))


@dataclass(frozen=True)
class RoundCounts:
    filed: int = 0
    retrying: int = 0
    parked: int = 0
    ids_found: int = 0  # batch tokens exchanged for ids


def utc_now() -> datetime:
    return datetime.now(UTC)


def worker_name() -> str:
    """``host:pid``: which process made an attempt (kept in the attempt history)."""
    return f"{socket.gethostname()}:{os.getpid()}"


def claim_due(
    sessions: sessionmaker[Session],
    *,
    now: datetime,
    limit: int,
    policy: RetryPolicy,
    worker: str = "",
) -> list[int]:
    """Claim up to ``limit`` due rows (pending, or sending with an expired lease).

    Each claim is a conditional update on the status and attempt count the row had when it was
    read, so two workers that read the same row cannot both claim it, even on SQLite where there
    is no ``SKIP LOCKED``. A row taken back from an expired lease counts an unknown outcome.
    """
    worker = worker or worker_name()
    with sessions() as session, session.begin():
        query = (
            select(OutboxRecord.id, OutboxRecord.attempts, OutboxRecord.status)
            .where(OutboxRecord.status.in_((PENDING, SENDING)))
            .where(OutboxRecord.next_attempt_at <= now)
            .order_by(OutboxRecord.next_attempt_at, OutboxRecord.id)
            .limit(limit)
        )
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        claimed = []
        for outbox_id, tries, status in session.execute(query).all():
            values: dict[str, object] = {
                "status": SENDING,
                "attempts": tries + 1,
                "next_attempt_at": now + timedelta(seconds=policy.lease_seconds),
                "updated_at": now,
            }
            if status == SENDING:
                values["unknown_attempts"] = OutboxRecord.unknown_attempts + 1
                values["last_error_kind"] = "worker_lost"
                values["last_error"] = "outcome unknown: the worker delivering it stopped"
            result = session.execute(
                update(OutboxRecord)
                .where(OutboxRecord.id == outbox_id)
                .where(OutboxRecord.attempts == tries, OutboxRecord.status == status)
                .values(**values)
            )
            if result.rowcount == 1:  # type: ignore[attr-defined]
                if status == SENDING:
                    attempts.close_lost_attempts(session, outbox_id, now)
                attempts.open_attempt(session, outbox_id, tries + 1, worker, now)
                claimed.append(outbox_id)
        return claimed


def deliver_one(
    sessions: sessionmaker[Session],
    client: CityClient,
    outbox_id: int,
    *,
    clock: Clock = utc_now,
    policy: RetryPolicy = RetryPolicy(),
) -> str:
    """File one claimed row; returns its new status."""
    with sessions() as session:
        row = session.get(OutboxRecord, outbox_id)
        report = session.get(ReportRecord, row.report_id) if row else None
        if row is None or report is None:
            return PARKED
        key, number, unknown = row.key, row.attempts, row.unknown_attempts
        request = to_new_request(report, key)
        created_at = report.created_at
    if unknown:
        try:
            found = find_at_city(client, request.service_code, key, created_at, clock())
        except Exception as error:
            failure = classify(error, posting=False)
            if failure.retryable:
                lookup = Failure("lookup_" + failure.kind, True, False, failure.message)
                return _record_failure(sessions, outbox_id, number, lookup, clock, policy)
            # The city cannot be searched: the key header is the one guard left.
            log.warning("the city cannot be searched for the report; sending it with its key")
            found = None
        if found is not None:
            result = SubmitResult(service_request_id=found.service_request_id)
            return _record_filed(
                sessions, client, outbox_id, number, result, attempts.FOUND, clock, policy
            )
    try:
        result = client.submit(request, idempotency_key=key)
    except Exception as error:
        if not isinstance(error, Open311Error):  # a defect must not lose the report
            log.exception("outbox delivery failed unexpectedly", extra={"outbox_id": outbox_id})
        failure = classify(error, posting=True)
        return _record_failure(sessions, outbox_id, number, failure, clock, policy)
    return _record_filed(
        sessions, client, outbox_id, number, result, attempts.FILED_NOW, clock, policy
    )


def _record_filed(
    sessions: sessionmaker[Session],
    client: CityClient,
    outbox_id: int,
    number: int,
    result: SubmitResult,
    outcome: str,
    clock: Clock,
    policy: RetryPolicy,
) -> str:
    """The city has the report. A success is recorded even if the lease ran out meanwhile:
    it is the truth, whoever holds the row now."""
    service_request_id, checks = result.service_request_id, 0
    if result.token and not service_request_id:
        checks = 1
        try:
            service_request_id = client.token_id(result.token)
        except Open311Error as error:
            log.info("token not exchanged yet: %s", brief(error))
    now = clock()
    with sessions() as session, session.begin():
        row = session.get(OutboxRecord, outbox_id)
        assert row is not None
        if row.status != FILED:
            row.status = FILED
            row.service_request_id = service_request_id
            row.token = result.token
            row.service_notice = result.service_notice
            row.last_error = ""
            row.last_error_kind = ""
            row.token_checks = checks
            row.next_attempt_at = now + policy.delay(checks) if checks else now
            row.updated_at = now
        attempts.close_attempt(session, outbox_id, number, outcome, now)
    log.info(
        "report filed",
        extra={"outbox_id": outbox_id, "has_id": bool(service_request_id), "how": outcome},
    )
    return FILED


def _record_failure(
    sessions: sessionmaker[Session],
    outbox_id: int,
    number: int,
    failure: Failure,
    clock: Clock,
    policy: RetryPolicy,
) -> str:
    """The attempt failed. The row changes only while this attempt still holds it."""
    now = clock()
    status = PENDING if failure.retryable else PARKED
    outcome = attempts.UNKNOWN if failure.maybe_filed else attempts.RETRY
    if not failure.retryable:
        outcome = attempts.PARKED_NOW
    with sessions() as session, session.begin():
        session.execute(
            update(OutboxRecord)
            .where(OutboxRecord.id == outbox_id)
            .where(OutboxRecord.status == SENDING, OutboxRecord.attempts == number)
            .values(
                status=status,
                last_error=failure.message[:2000],
                last_error_kind=failure.kind,
                unknown_attempts=OutboxRecord.unknown_attempts + int(failure.maybe_filed),
                next_attempt_at=now + policy.delay(number),
                updated_at=now,
            )
        )
        attempts.close_attempt(
            session, outbox_id, number, outcome, now, error_kind=failure.kind, error=failure.message
        )
    log.warning(
        "report not filed",
        extra={"outbox_id": outbox_id, "kind": failure.kind, "attempts": number},
    )
    return status


def deliver_due(
    sessions: sessionmaker[Session],
    client: CityClient,
    *,
    clock: Clock = utc_now,
    policy: RetryPolicy = RetryPolicy(),
    limit: int = 20,
    worker: str = "",
) -> RoundCounts:
    """One round: deliver up to ``limit`` due rows, then exchange due tokens for ids.

    Rows are claimed one at a time, so that a lease only has to cover one delivery (a lookup,
    a POST and a token exchange: three timeouts) and other workers take the rest meanwhile.
    """
    from ivr.outbox.tokens import exchange_tokens

    counts = {FILED: 0, PENDING: 0, PARKED: 0}
    for _ in range(limit):
        claimed = claim_due(sessions, now=clock(), limit=1, policy=policy, worker=worker)
        if not claimed:
            break
        counts[deliver_one(sessions, client, claimed[0], clock=clock, policy=policy)] += 1
    ids_found = exchange_tokens(sessions, client, clock=clock, policy=policy, limit=limit)
    return RoundCounts(
        filed=counts[FILED], retrying=counts[PENDING], parked=counts[PARKED], ids_found=ids_found
    )


class OutboxWorker:
    """A thread that delivers the outbox; ``wake()`` makes it look at once (a call just ended)."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        client: CityClient,
        *,
        interval: float = 2.0,
        clock: Clock = utc_now,
        policy: RetryPolicy = RetryPolicy(),
        after_round: Callable[[], int] | None = None,
    ) -> None:
        self._after_round = after_round  # e.g. the text messages whose id is now known
        self._sessions = sessions
        self._client = client
        self._interval = interval
        self._clock = clock
        self._policy = policy
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="outbox-worker", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                counts = deliver_due(
                    self._sessions, self._client, clock=self._clock, policy=self._policy
                )
            except Exception:  # the store is briefly unreachable: try again next round
                log.exception("outbox round failed")
                counts = RoundCounts()
            if self._after_round is not None and _run_after(self._after_round):
                continue
            if counts == RoundCounts():
                self._wake.wait(self._interval)
                self._wake.clear()


def _run_after(step: Callable[[], int]) -> int:
    """A step that follows each delivery round; how much it did (0 if it failed)."""
    try:
        return step()
    except Exception:
        log.exception("a step after the outbox round failed")
        return 0
