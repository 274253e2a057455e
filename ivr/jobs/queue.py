"""Adding a call's jobs to the store, and reading them back.

``add_jobs`` runs inside the transaction that saves the call step which asked for the jobs, so
a job exists exactly when its step does. A job whose key is already queued is not added again
(a Twilio retry of a step is replayed without jobs, but a second process may still race: the
key is unique, and the step that loses is redone). Its two statements run on the driver's
cursor (:mod:`ivr.store.driver`), as the step's own do: a step that queues a job then needs no
ORM session, whose unit of work cost it more than its statements (docs/serving.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, select
from sqlalchemy.orm import Session

from ivr.dialog.actions import Job
from ivr.store.driver import driver_statement, insert_of
from ivr.store.job_tables import JobRecord

PENDING, RUNNING, DONE, FAILED = "pending", "running", "done", "failed"
# Built once: a statement built per job costs more than the query (see ivr.webhooks.call_rows).
JOBS = cast(Table, JobRecord.__table__)
_QUEUED = select(JOBS.c.id).where(JOBS.c.key == bindparam("key"))
_NEW_JOB_COLUMNS = (
    *("key", "name", "call_sid", "data", "status", "priority", "attempts"),
    *("next_attempt_at", "last_error", "created_at", "updated_at"),
)
_INSERT_JOB = insert_of(JOBS, _NEW_JOB_COLUMNS)


@dataclass(frozen=True)
class JobRequest:
    """One job as a handler sees it. ``attempts`` counts this one (1 on the first run)."""

    id: int
    key: str
    name: str
    call_sid: str | None
    data: Mapping[str, Any] = field(repr=False)
    attempts: int = 1


def add_jobs(
    connection: Connection, jobs: Iterable[Job], *, call_sid: str | None, now: datetime
) -> list[str]:
    """Insert each job not queued before, in the transaction open on ``connection`` (the
    caller commits it); their keys."""
    queued = driver_statement(_QUEUED, connection.dialect)
    insert_job = driver_statement(_INSERT_JOB, connection.dialect)
    added = []
    for job in jobs:
        if queued.first(connection, {"key": job.key}) is not None:
            continue
        new_job = {
            "key": job.key,
            "name": job.name,
            "call_sid": call_sid,
            "data": dict(job.data),
            "status": PENDING,
            "priority": job.priority,
            "attempts": 0,
            "next_attempt_at": now,
            "last_error": "",
            "created_at": now,
            "updated_at": now,
        }
        insert_job.rowcount(connection, new_job)
        added.append(job.key)
    return added


def jobs_of_call(session: Session, call_sid: str) -> list[JobRecord]:
    """The call's jobs, oldest first (for staff and tests)."""
    query = select(JobRecord).where(JobRecord.call_sid == call_sid).order_by(JobRecord.id)
    return list(session.scalars(query))
