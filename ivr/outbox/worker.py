"""Delivering the outbox to the city: what one report's delivery does.

A due row is claimed with a lease by :func:`ivr.outbox.claims.claim_due` (marked ``sending``;
if the worker dies mid-delivery the lease runs out and another worker claims it again), filed
through the Open311 client, and its answer recorded. The loop that calls :func:`deliver_due`
round after round is ``Runtime.work`` (:class:`ivr.leases.WorkLoop`).

Never filed twice (docs/outbox.md): every POST carries the row's key (``Idempotency-Key``
header and the description's last line, see :mod:`ivr.outbox.lookup`), and a row with an
attempt whose outcome is unknown (:mod:`ivr.outbox.failures`) is first looked up at the city;
found, it is recorded as filed without a new POST.

Timeouts, connection errors, 5xx and HTML pages are retried with exponential back-off; a 4xx
parks the report for a person (the city refused it: retrying cannot help). A batch service's
token is exchanged for an id at once, and later by :mod:`ivr.outbox.tokens`.

With ``read_expected`` (a city's own CRM: GeoReport v2's POST answer has no expected date), a
report filed with an id is asked about once, GET ``requests/{id}``, right after it is recorded
as filed (with ``expected_pending`` set), so that a caller still on the line hears the date the
city expects to take care of it (kept in ``outbox.expected_datetime``;
:mod:`ivr.followup.expectations`): their filing wait holds on while the question is open, and
never past its end, so a city slow to answer costs the caller the date, never the reference
number. The question has :data:`EXPECTED_DATE_TIMEOUT` seconds, and its failure is only logged.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from ivr.clock import Clock, utc_now
from ivr.leases import LeasePolicy, one_at_a_time
from ivr.metrics.instruments import count_report_filed
from ivr.open311.error_words import brief, what_went_wrong
from ivr.open311.errors import Open311Error
from ivr.open311.models import NewRequest, ServiceDefinition, ServiceRequest, SubmitResult
from ivr.outbox import attempts
from ivr.outbox.claims import OUTBOX_POLICY, claim_due
from ivr.outbox.failures import Failure, classify
from ivr.outbox.lookup import RequestFinder, find_at_city
from ivr.outbox.queue import (
    DUPLICATE_ID,
    FILED,
    PARKED,
    PENDING,
    SENDING,
    holder_of_id,
    park_with_duplicate_id,
    to_new_request,
)
from ivr.store.call_tables import OutboxRecord, ReportRecord
from ivr.store.db import flush_commits

__all__ = ["CityClient", "deliver_due", "utc_now"]

log = logging.getLogger(__name__)


class CityClient(RequestFinder, Protocol):
    """What the outbox needs of :class:`~ivr.open311.client.Open311Client`."""

    def encoding_definition(self, request: NewRequest) -> ServiceDefinition | None: ...

    def submit(
        self,
        request: NewRequest,
        *,
        definition: ServiceDefinition | None = None,
        idempotency_key: str = "",
    ) -> SubmitResult: ...

    def token_id(self, token: str) -> str | None: ...

    def request(
        self, service_request_id: str, *, timeout: float | None = None
    ) -> ServiceRequest | None: ...


# Seconds the city has to answer the question about a filed request's expected date: it is
# asked while the caller waits for the reference number (IVR_FILING_WAIT), so it must be short.
EXPECTED_DATE_TIMEOUT = 2.0


@dataclass(frozen=True)
class RoundCounts:
    filed: int = 0
    retrying: int = 0
    parked: int = 0

    @property
    def done(self) -> int:
        return self.filed + self.retrying + self.parked


def deliver_one(
    sessions: sessionmaker[Session],
    client: CityClient,
    outbox_id: int,
    *,
    clock: Clock = utc_now,
    policy: LeasePolicy = OUTBOX_POLICY,
    read_expected: bool = False,
) -> str:
    """File one claimed row; returns its new status. ``read_expected``: ask the city for the
    request's expected date once it is filed (see the module)."""
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
                lookup = replace(failure, kind="lookup_" + failure.kind, maybe_filed=False)
                return _record_failure(sessions, outbox_id, number, lookup, clock, policy)
            # The city cannot be searched: the key header is the one guard left.
            log.warning("the city cannot be searched for the report; sending it with its key")
            found = None
        if found is not None:
            result = SubmitResult(service_request_id=found.service_request_id)
            return _record_filed(
                sessions, client, outbox_id, number, result, attempts.FOUND, clock, policy
            )
    # Which attributes are multivaluelists, so that the POST writes each in one form whatever
    # the number of values (docs/open311-client.md). Nothing is filed by this lookup.
    try:
        definition = client.encoding_definition(request)
    except Exception as error:
        failure = classify(error, posting=False)
        kind = "definition_" + failure.kind
        failure = replace(failure, kind=kind, maybe_filed=False)
        return _record_failure(sessions, outbox_id, number, failure, clock, policy)
    # The claimed attempt is on the disk before the POST: after a power cut, the row comes
    # back as an attempt of unknown outcome (looked up at the city first), not as never sent.
    flush_commits(sessions.kw["bind"])
    try:
        result = client.submit(request, definition=definition, idempotency_key=key)
    except Exception as error:
        if not isinstance(error, Open311Error):  # a defect must not lose the report
            log.exception("outbox delivery failed unexpectedly", extra={"outbox_id": outbox_id})
        failure = classify(error, posting=True)
        return _record_failure(sessions, outbox_id, number, failure, clock, policy)
    return _record_filed(
        sessions,
        client,
        outbox_id,
        number,
        result,
        attempts.FILED_NOW,
        clock,
        policy,
        read_expected=read_expected,
    )


def _record_filed(
    sessions: sessionmaker[Session],
    client: CityClient,
    outbox_id: int,
    number: int,
    result: SubmitResult,
    outcome: str,
    clock: Clock,
    policy: LeasePolicy,
    *,
    read_expected: bool = False,
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
    asking = bool(read_expected and service_request_id)
    now = clock()
    with sessions() as session, session.begin():
        row = session.get(OutboxRecord, outbox_id)
        assert row is not None
        holder = _id_holder(session, row, service_request_id)
        if holder is not None:  # the city gave two reports one id: a person must look
            _park_duplicate(session, row, number, str(service_request_id), holder, now)
        elif row.status != FILED:
            count_report_filed(session)
            row.status = FILED
            row.service_request_id = service_request_id
            row.token = result.token
            row.service_notice = result.service_notice
            row.expected_pending = asking
            row.last_error = ""
            row.last_error_kind = ""
            row.token_checks = checks
            row.next_attempt_at = now + policy.backoff.delay(checks) if checks else now
            row.updated_at = now
        if holder is None:
            attempts.close_attempt(session, outbox_id, number, outcome, now)
    if holder is not None:  # logged once parked: the ids are the city's and ours, no one's data
        log.warning(
            "the city answered a report with an id another report holds; parked for a person",
            extra={
                "outbox_id": outbox_id,
                "holder_outbox_id": holder,
                "city_id": service_request_id,
            },
        )
        return PARKED
    log.info(
        "report filed",
        extra={"outbox_id": outbox_id, "has_id": bool(service_request_id), "how": outcome},
    )
    if asking and service_request_id:
        _keep_expected_date(sessions, client, service_request_id, outbox_id)
    return FILED


def _keep_expected_date(
    sessions: sessionmaker[Session], client: CityClient, service_request_id: str, outbox_id: int
) -> None:
    """Ask the city for the filed request's expected date, keep it, and close the question."""
    expected = _expected_date(client, service_request_id, outbox_id)
    with sessions() as session, session.begin():
        row = session.get(OutboxRecord, outbox_id)
        if row is not None:
            row.expected_datetime = expected
            row.expected_pending = False


def _expected_date(client: CityClient, service_request_id: str, outbox_id: int) -> datetime | None:
    """The date the city expects to take care of the request it has just filed, as the city
    wrote it, from its GET ``requests/{id}``; None when it gives none or cannot say within
    :data:`EXPECTED_DATE_TIMEOUT` (the report is filed all the same: that is logged, without the
    city's words, which may echo the caller's)."""
    try:
        found = client.request(service_request_id, timeout=EXPECTED_DATE_TIMEOUT)
    except Open311Error as error:
        log.info(
            "expected date not read: %s: %s",
            what_went_wrong(error),
            brief(error),
            extra={"outbox_id": outbox_id, "city_status": error.status_code},
        )
        return None
    except Exception:  # a defect must not keep a filed report from being recorded as filed
        log.exception("expected date not read", extra={"outbox_id": outbox_id})
        return None
    return None if found is None else found.expected_datetime


def _id_holder(session: Session, row: OutboxRecord, service_request_id: str | None) -> int | None:
    """The other row that holds the id the city just gave ``row``, if any (not yet filed)."""
    if row.status == FILED or not service_request_id:
        return None
    return holder_of_id(session, row, service_request_id)


def _park_duplicate(
    session: Session, row: OutboxRecord, number: int, city_id: str, holder: int, now: datetime
) -> None:
    """Park ``row`` rather than give its caller (spoken, or by text) another report's id."""
    park_with_duplicate_id(row, city_id, holder, now)
    attempts.close_attempt(
        session,
        row.id,
        number,
        attempts.PARKED_NOW,
        now,
        error_kind=DUPLICATE_ID,
        error=row.last_error,
    )


def _wait(policy: LeasePolicy, number: int, failure: Failure) -> timedelta:
    """The back-off after attempt ``number``, or longer when the city's ``Retry-After`` asked
    for longer (never beyond the back-off's cap)."""
    wait = policy.backoff.delay(number)
    if failure.retry_after is None:
        return wait
    asked = timedelta(seconds=min(failure.retry_after, policy.backoff.cap_seconds))
    return max(wait, asked)


def _record_failure(
    sessions: sessionmaker[Session],
    outbox_id: int,
    number: int,
    failure: Failure,
    clock: Clock,
    policy: LeasePolicy,
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
                next_attempt_at=now + _wait(policy, number, failure),
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
    policy: LeasePolicy = OUTBOX_POLICY,
    limit: int = 20,
    worker: str = "",
    read_expected: bool = False,
) -> RoundCounts:
    """One round: deliver up to ``limit`` due rows, claimed one at a time (a lease then only
    has to cover one delivery: a lookup, a definition, a POST, a token exchange and, with
    ``read_expected``, the expected date: four timeouts and a short one)."""
    statuses = one_at_a_time(
        lambda: claim_due(sessions, now=clock(), limit=1, policy=policy, worker=worker),
        lambda outbox_id: deliver_one(
            sessions, client, outbox_id, clock=clock, policy=policy, read_expected=read_expected
        ),
        limit=limit,
    )
    return RoundCounts(
        filed=statuses.count(FILED),
        retrying=statuses.count(PENDING),
        parked=statuses.count(PARKED),
    )
