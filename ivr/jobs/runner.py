"""Running jobs: claim a due job, run its handler, report the result to the call.

A handler is a plain callable ``JobRequest -> result mapping``, looked up by the job's name.
It raises :class:`RetryLater` for what time can fix (a recording Twilio has not stored yet, a
city endpoint that is down); the job is then tried again with a short back-off, until its
attempts are used up. When a job succeeds, or finally fails, the result is reported to its call
as ``Event.job_result`` through ``report``, so a caller waiting on it ("one moment…") never
waits forever: a failed job reports ``{"failed": True}`` and the flow takes its fallback
(the keypad, a person).

Claims work as in the outbox: a conditional update on the attempt count, with ``FOR UPDATE SKIP
LOCKED`` on PostgreSQL so several workers share the jobs; a claimed job holds a lease, and a
worker that dies holding it leaves it to be claimed again when the lease runs out.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from ivr.dialog.events import Event
from ivr.jobs.queue import DONE, FAILED, PENDING, RUNNING, JobRequest
from ivr.store.job_tables import JobRecord

log = logging.getLogger(__name__)

Handler = Callable[[JobRequest], Mapping[str, Any]]
Report = Callable[[str, Event], object]
Clock = Callable[[], datetime]


class RetryLater(Exception):
    """The job could not be done yet; trying again later may help. The message is logged and
    kept as the job's last error, so it must hold no personal data."""


@dataclass(frozen=True)
class JobPolicy:
    """A caller may be waiting: retries are quick and few. ``lease_seconds`` must exceed the
    longest run of a handler (a recogniser on a minute of audio)."""

    max_attempts: int = 6
    base_seconds: float = 0.5
    cap_seconds: float = 4.0
    lease_seconds: float = 90.0

    def delay(self, attempts: int) -> timedelta:
        return timedelta(seconds=min(self.cap_seconds, self.base_seconds * 2 ** (attempts - 1)))


def utc_now() -> datetime:
    return datetime.now(UTC)


def claim_job(
    sessions: sessionmaker[Session], *, now: datetime, policy: JobPolicy
) -> JobRequest | None:
    """Claim the oldest due job (pending, or running with an expired lease), or None."""
    with sessions() as session, session.begin():
        query = (
            select(JobRecord)
            .where(JobRecord.status.in_((PENDING, RUNNING)))
            .where(JobRecord.next_attempt_at <= now)
            .order_by(JobRecord.next_attempt_at, JobRecord.id)
            .limit(4)
        )
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        for row in session.scalars(query).all():
            attempts = row.attempts  # read before the update, which refreshes ``row``
            claimed = session.execute(
                update(JobRecord)
                .where(JobRecord.id == row.id, JobRecord.attempts == attempts)
                .values(
                    status=RUNNING,
                    attempts=attempts + 1,
                    next_attempt_at=now + timedelta(seconds=policy.lease_seconds),
                    updated_at=now,
                )
            )
            if claimed.rowcount == 1:  # type: ignore[attr-defined]
                return JobRequest(
                    id=row.id,
                    key=row.key,
                    name=row.name,
                    call_sid=row.call_sid,
                    data=dict(row.data),
                    attempts=attempts + 1,
                )
    return None


def run_job(
    sessions: sessionmaker[Session],
    handlers: Mapping[str, Handler],
    job: JobRequest,
    report: Report,
    *,
    clock: Clock = utc_now,
    policy: JobPolicy = JobPolicy(),
) -> str:
    """Run one claimed job; returns its new status (``pending`` when it will be retried)."""
    handler = handlers.get(job.name)
    result: Mapping[str, Any]
    try:
        if handler is None:
            raise LookupError(f"no handler for jobs named {job.name!r}")
        result = handler(job)
        status, error = DONE, ""
    except RetryLater as reason:
        if job.attempts < policy.max_attempts:
            _retry(sessions, job, str(reason), clock(), policy)
            return PENDING
        status, error = FAILED, str(reason)
        result = {"failed": True, "reason": "gave up"}
    except Exception as failure:  # a defect or a bad input: the call must not wait forever
        log.exception("job failed", extra={"job": job.name, "job_id": job.id})
        status, error = FAILED, f"{type(failure).__name__}"
        result = {"failed": True, "reason": "error"}
    _finish(sessions, job, status, error, result, clock())
    if job.call_sid:
        report(job.call_sid, Event.job_result(job.key, result, at=clock()))
    log.info("job finished", extra={"job": job.name, "job_id": job.id, "status": status})
    return status


def _retry(
    sessions: sessionmaker[Session], job: JobRequest, error: str, now: datetime, policy: JobPolicy
) -> None:
    with sessions() as session, session.begin():
        row = session.get(JobRecord, job.id)
        assert row is not None
        row.status = PENDING
        row.last_error = error[:2000]
        row.next_attempt_at = now + policy.delay(job.attempts)
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
    policy: JobPolicy = JobPolicy(),
    limit: int = 20,
) -> int:
    """Run due jobs one after another until none is due (or ``limit``); how many ran."""
    ran = 0
    while ran < limit:
        job = claim_job(sessions, now=clock(), policy=policy)
        if job is None:
            break
        run_job(sessions, handlers, job, report, clock=clock, policy=policy)
        ran += 1
    return ran


class JobRunner:
    """Threads that run jobs; ``wake()`` makes them look at once (a step just queued one)."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        handlers: Mapping[str, Handler],
        report: Report,
        *,
        threads: int = 2,
        interval: float = 0.5,
        clock: Clock = utc_now,
        policy: JobPolicy = JobPolicy(),
    ) -> None:
        self._sessions = sessions
        self._handlers = handlers
        self._report = report
        self._interval = interval
        self._clock = clock
        self._policy = policy
        self._wake = threading.Condition()
        self._woken = False
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._run, name=f"job-runner-{n}", daemon=True)
            for n in range(max(1, threads))
        ]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def wake(self) -> None:
        with self._wake:
            self._woken = True
            self._wake.notify_all()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self.wake()
        for thread in self._threads:
            thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                ran = run_due_jobs(
                    self._sessions,
                    self._handlers,
                    self._report,
                    clock=self._clock,
                    policy=self._policy,
                    limit=1,
                )
            except Exception:  # the store is briefly unreachable: try again next round
                log.exception("job round failed")
                ran = 0
            if not ran:
                with self._wake:
                    if not self._woken:
                        self._wake.wait(self._interval)
                    self._woken = False
