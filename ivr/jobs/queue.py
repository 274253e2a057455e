"""Adding a call's jobs to the store, and reading them back.

``add_jobs`` runs inside the transaction that saves the call step which asked for the jobs, so
a job exists exactly when its step does. A job whose key is already queued is not added again
(a Twilio retry of a step is replayed without jobs, but a second process may still race).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from ivr.dialog.actions import Job
from ivr.store.job_tables import JobRecord

PENDING, RUNNING, DONE, FAILED = "pending", "running", "done", "failed"
# Built once: a statement built per job costs more than the query (see ivr.webhooks.call_rows).
_QUEUED = select(JobRecord.id).where(JobRecord.key == bindparam("key"))


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
    session: Session, jobs: Iterable[Job], *, call_sid: str | None, now: datetime
) -> list[str]:
    """Add each job not queued before to ``session`` (the caller commits); their keys."""
    added = []
    for job in jobs:
        if session.connection().execute(_QUEUED, {"key": job.key}).first() is not None:
            continue
        session.add(
            JobRecord(
                key=job.key,
                name=job.name,
                call_sid=call_sid,
                data=dict(job.data),
                status=PENDING,
                priority=job.priority,
                attempts=0,
                next_attempt_at=now,
                last_error="",
                created_at=now,
                updated_at=now,
            )
        )
        added.append(job.key)
    if added:
        session.flush()
    return added


def jobs_of_call(session: Session, call_sid: str) -> list[JobRecord]:
    """The call's jobs, oldest first (for staff and tests)."""
    query = select(JobRecord).where(JobRecord.call_sid == call_sid).order_by(JobRecord.id)
    return list(session.scalars(query))
