"""Running jobs: claim a due job, run its handler, report the result to the call.

A handler is a plain callable ``JobRequest -> result mapping``, looked up by the job's name.
It raises :class:`RetryLater` for what time can fix (a recording Twilio has not stored yet, a
city endpoint that is down); the job is then tried again with a short back-off, until its
attempts are used up. When a job succeeds, or finally fails, the result is reported to its call
as ``Event.job_result`` through ``report``, so a caller waiting on it ("one moment…") never
waits forever: a failed job reports ``{"failed": True}`` and the flow takes its fallback
(the keypad, a person). The result reaches the call before the job is marked done: at least
once, and a result the call no longer waits for changes nothing.

A job is claimed with a lease through :func:`ivr.leases.claim_rows` (as the outbox is): a
worker that dies holding it leaves it to be claimed again when the lease runs out. The loops
that call :func:`run_due_jobs` are built by ``Runtime.work`` (:class:`ivr.leases.WorkLoop`).
A loop may take only some kinds of job (:class:`JobKinds`): recognition runs in worker
processes of its own, and a web process takes only the quick jobs (the duplicate search, a
request's status), so a caller's question to the city never waits behind a decoder.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session, sessionmaker

from ivr.clock import Clock, utc_now
from ivr.dialog.events import Event
from ivr.jobs.queue import DONE, FAILED, PENDING, RUNNING, JobRequest
from ivr.leases import Backoff, LeasePolicy, Take, claim_rows, one_at_a_time
from ivr.logs import about_call
from ivr.store.call_tables import IN_PROGRESS, CallRecord
from ivr.store.db import statements_on_their_own
from ivr.store.job_tables import JobRecord

log = logging.getLogger(__name__)

Handler = Callable[[JobRequest], Mapping[str, Any]]
Report = Callable[[str, Event], object]

# A caller may be waiting: retries are quick and few. The lease must exceed the longest run of
# a handler (a recogniser on a minute of audio).
JOB_POLICY = LeasePolicy(Backoff(0.5, 4.0), lease_seconds=90.0, max_attempts=6)


@dataclass(frozen=True)
class JobKinds:
    """Which jobs a loop takes, by name: ``only`` these (None: every kind), none of ``besides``."""

    only: frozenset[str] | None = None
    besides: frozenset[str] = frozenset()

    def takes(self, name: str) -> bool:
        return (self.only is None or name in self.only) and name not in self.besides


EVERY_JOB = JobKinds()


class RetryLater(Exception):
    """The job could not be done yet; trying again later may help. The message is logged and
    kept as the job's last error, so it must hold no personal data."""


def claim_job(
    sessions: sessionmaker[Session],
    *,
    now: datetime,
    policy: LeasePolicy = JOB_POLICY,
    kinds: JobKinds = EVERY_JOB,
) -> JobRequest | None:
    """Claim a due job of ``kinds`` (pending, or running with an expired lease): of the
    highest priority, the one due first. Most looks find none (a loop looks again after each
    job, and every few tenths of a second when idle): those end at :func:`any_job_due`."""
    if not any_job_due(sessions, now=now, kinds=kinds):
        return None
    query = (
        select(JobRecord)
        .where(JobRecord.status.in_((PENDING, RUNNING)))
        .where(JobRecord.next_attempt_at <= now)
        .order_by(JobRecord.priority.desc(), JobRecord.next_attempt_at, JobRecord.id)
        .limit(4)  # a few, in case another worker takes the first meanwhile
    )
    if kinds.only is not None:
        query = query.where(JobRecord.name.in_(sorted(kinds.only)))
    if kinds.besides:
        query = query.where(JobRecord.name.not_in(sorted(kinds.besides)))

    def choose(session: Session, row: Any) -> Take[JobRequest]:
        (job,) = row
        request = JobRequest(
            id=job.id,
            key=job.key,
            name=job.name,
            call_sid=job.call_sid,
            data=dict(job.data),
            attempts=job.attempts + 1,
        )
        values = {"status": RUNNING, "next_attempt_at": policy.lease_until(now), "updated_at": now}
        return Take(JobRecord, job.id, job.attempts, values, result=request)

    claimed = claim_rows(sessions, query, choose, most=1)
    return claimed[0] if claimed else None


def any_job_due(
    sessions: sessionmaker[Session], *, now: datetime, kinds: JobKinds = EVERY_JOB
) -> bool:
    """Whether a job of ``kinds`` is due: one indexed read with no transaction (on PostgreSQL
    in autocommit, one round trip), instead of the claim's session, transaction and locking
    read (about 350 us of CPU on SQLite, three round trips on PostgreSQL) when none is."""
    with sessions.kw["bind"].connect() as connection:
        statements_on_their_own(connection)
        found = connection.execute(_due_query(kinds), {"now": now}).first()
    return found is not None


@functools.lru_cache(maxsize=8)
def _due_query(kinds: JobKinds) -> Select[Any]:
    query = (
        select(JobRecord.id)
        .where(JobRecord.status.in_((PENDING, RUNNING)))
        .where(JobRecord.next_attempt_at <= bindparam("now"))
        .limit(1)
    )
    if kinds.only is not None:
        query = query.where(JobRecord.name.in_(sorted(kinds.only)))
    if kinds.besides:
        query = query.where(JobRecord.name.not_in(sorted(kinds.besides)))
    return query


def run_job(
    sessions: sessionmaker[Session],
    handlers: Mapping[str, Handler],
    job: JobRequest,
    report: Report,
    *,
    clock: Clock = utc_now,
    policy: LeasePolicy = JOB_POLICY,
) -> str:
    """Run one claimed job; returns its new status (``pending`` when it will be retried). The
    lines logged meanwhile carry the job's call SID."""
    with about_call(job.call_sid):
        return _run_job(sessions, handlers, job, report, clock=clock, policy=policy)


def _run_job(
    sessions: sessionmaker[Session],
    handlers: Mapping[str, Handler],
    job: JobRequest,
    report: Report,
    *,
    clock: Clock,
    policy: LeasePolicy,
) -> str:
    handler = handlers.get(job.name)
    result: Mapping[str, Any]
    try:
        if handler is None:
            raise LookupError(f"no handler for jobs named {job.name!r}")
        result = handler(job)
        status, error = DONE, ""
    except RetryLater as reason:
        over = _call_over(sessions, job.call_sid)
        if not policy.gives_up_after(job.attempts) and not over:
            _retry(sessions, job, str(reason), clock(), policy)
            return PENDING
        # Given up: out of attempts, or its call has ended, so that no result can reach a
        # caller any more (a report already filed says its recording is kept for staff).
        status, error = FAILED, f"{reason} (the call has ended)" if over else str(reason)
        result = {"failed": True, "reason": "gave up"}
    except Exception as failure:  # a defect or a bad input: the call must not wait forever
        log.exception("job failed", extra={"job": job.name, "job_id": job.id})
        status, error = FAILED, f"{type(failure).__name__}"
        result = {"failed": True, "reason": "error"}
    # The call first: a caller may be held for this result, and marking the job done is
    # bookkeeping. A process that dies between the two leaves the job leased; it runs again
    # when the lease runs out, and its second result is ignored by a call no longer waiting
    # for it (ivr.dialog.engine), so the result reaches the call at least once.
    if job.call_sid:
        report(job.call_sid, Event.job_result(job.key, result, at=clock()))
    _finish(sessions, job, status, error, result, clock())
    log.info("job finished", extra={"job": job.name, "job_id": job.id, "status": status})
    return status


def _call_over(sessions: sessionmaker[Session], call_sid: str | None) -> bool:
    """Whether the job's call has ended (a job of no call, or of a call not stored, is not)."""
    if not call_sid:
        return False
    with sessions() as session:
        status = session.scalar(select(CallRecord.status).where(CallRecord.call_sid == call_sid))
    return status is not None and status != IN_PROGRESS


def _retry(
    sessions: sessionmaker[Session], job: JobRequest, error: str, now: datetime, policy: LeasePolicy
) -> None:
    with sessions() as session, session.begin():
        row = session.get(JobRecord, job.id)
        assert row is not None
        row.status = PENDING
        row.last_error = error[:2000]
        row.next_attempt_at = now + policy.backoff.delay(job.attempts)
        row.updated_at = now
    log.info("job will be retried", extra={"job": job.name, "job_id": job.id})


def _finish(
    sessions: sessionmaker[Session],
    job: JobRequest,
    status: str,
    error: str,
    result: Mapping[str, Any],
    now: datetime,
) -> None:
    with sessions() as session, session.begin():
        row = session.get(JobRecord, job.id)
        assert row is not None
        row.status = status
        row.last_error = error[:2000]
        row.result = dict(result)
        row.updated_at = now


def run_due_jobs(
    sessions: sessionmaker[Session],
    handlers: Mapping[str, Handler],
    report: Report,
    *,
    clock: Clock = utc_now,
    policy: LeasePolicy = JOB_POLICY,
    limit: int = 20,
    kinds: JobKinds = EVERY_JOB,
) -> int:
    """Run due jobs of ``kinds`` one after another until none is due (or ``limit``); how many
    ran."""

    def claim_one() -> list[JobRequest]:
        job = claim_job(sessions, now=clock(), policy=policy, kinds=kinds)
        return [job] if job is not None else []

    ran = one_at_a_time(
        claim_one,
        lambda job: run_job(sessions, handlers, job, report, clock=clock, policy=policy),
        limit=limit,
    )
    return len(ran)
