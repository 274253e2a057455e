"""A recording Twilio says is stored: its transcription job, if waiting to retry, is due now.

The ``transcribe`` job is queued by the step that receives the ``<Record>``'s action, the
earliest moment the gateway knows of the recording; usually the recording can be fetched by
then. When it cannot (404: not stored yet), the job waits out a short back-off. Twilio's
recording-status callback (``completed``) ends that wait: the job is made due at once and the
runner is woken, so a caller never waits longer than the recording takes to be stored.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ivr.jobs.queue import PENDING
from ivr.store.job_tables import JobRecord

TRANSCRIBE = "transcribe"


def recording_ready(session: Session, call_sid: str, url: str, now: datetime) -> int:
    """Make the call's pending transcription of ``url`` due now; how many jobs (0 or 1)."""
    query = (
        select(JobRecord.id, JobRecord.data)
        .where(JobRecord.call_sid == call_sid)
        .where(JobRecord.name == TRANSCRIBE)
        .where(JobRecord.status == PENDING)
        .where(JobRecord.next_attempt_at > now)
    )
    waiting = [
        job_id
        for job_id, data in session.execute(query)
        if str((data or {}).get("recording_url", "")) == url
    ]
    if waiting:
        session.execute(
            update(JobRecord)
            .where(JobRecord.id.in_(waiting), JobRecord.status == PENDING)
            .values(next_attempt_at=now)
        )
    return len(waiting)
