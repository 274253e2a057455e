"""A recording Twilio says is stored: its transcription job, if waiting to retry, is due now.

The ``transcribe`` job is queued by the step that receives the ``<Record>``'s action, the
earliest moment the gateway knows of the recording; usually the recording can be fetched by
then. When it cannot (404: not stored yet), the job waits out a short back-off. Twilio's
recording-status callback (``completed``) ends that wait: the job is made due at once and the
runner is woken, so a caller never waits longer than the recording takes to be stored.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from ivr.jobs.queue import PENDING
from ivr.store.job_tables import JobRecord

TRANSCRIBE = "transcribe"
# Built once (a status callback comes with every recording; see ivr.webhooks.call_rows).
_WAITING = (
    select(JobRecord.id, JobRecord.data)
    .where(JobRecord.call_sid == bindparam("sid"))
    .where(JobRecord.name == TRANSCRIBE)
    .where(JobRecord.status == PENDING)
    .where(JobRecord.next_attempt_at > bindparam("now", type_=JobRecord.next_attempt_at.type))
)
_DUE_NOW = (
    update(JobRecord)
    .where(JobRecord.id == bindparam("job_id"), JobRecord.status == PENDING)
    .values(next_attempt_at=bindparam("now", type_=JobRecord.next_attempt_at.type))
)


def recording_ready(session: Session, call_sid: str, url: str, now: datetime) -> int:
    """Make the call's pending transcription of ``url`` due now; how many jobs (0 or 1)."""
    connection = session.connection()
    waiting = [
        job_id
        for job_id, data in connection.execute(_WAITING, {"sid": call_sid, "now": now})
        if str((data or {}).get("recording_url", "")) == url
    ]
    for job_id in waiting:
        connection.execute(_DUE_NOW, {"job_id": job_id, "now": now})
    return len(waiting)
