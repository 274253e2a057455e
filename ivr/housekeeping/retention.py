"""Retention: callers' personal data older than ``IVR_RETENTION_DAYS`` erased, in batches.

What a call leaves behind, and what becomes of it once it is older than the limit:

- the call (``calls``): the caller's number (normally gone when the call ended), what the
  caller said, keyed and was located at (slots, attributes, the place, the last words the
  caller heard, which may read back an address), and the recordings' URLs are erased; the
  call's timeline (states, events, outcomes: never the caller's words), its service, its end
  and its link with staff stay, and ``personal_data_erased_at`` says when. A recording kept by
  Twilio is deleted there too when the gateway has a Twilio account (``RecordingEraser``);
- the call's jobs (``jobs``: a recording's URL, its transcripts) are deleted once settled;
- text messages (``texts``): the number is erased; one still unsent is ended as failed;
- handoffs (``handoffs``: what staff filled in for the caller) are deleted: each was usable
  for minutes only;
- the embedded endpoint's requests (``open311_requests``): the submitter's contact fields
  (email, phone, names, device and account ids) are blanked. The request stays, with every
  public field (service, description, place, status, dates): it is the city's record;
- reports (``reports``) are kept whole: each is what was filed, as the city holds it.

Each kind is erased ``BATCH`` rows at a time in a transaction of its own; on PostgreSQL the rows
are taken ``FOR UPDATE SKIP LOCKED``, so several workers erase different rows. A pass logs how
many rows of each kind it erased, never what they held.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import astuple, dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import Select, String, cast, delete, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from ivr.followup.texts import FAILED, SENDING, WAITING
from ivr.jobs.queue import DONE
from ivr.jobs.queue import FAILED as JOB_FAILED
from ivr.store.call_tables import CallRecord
from ivr.store.handoff_tables import HandoffRecord
from ivr.store.job_tables import JobRecord
from ivr.store.request_tables import ServiceRequestRecord
from ivr.store.text_tables import TextRecord

log = logging.getLogger(__name__)

BATCH = 200
ERASED_TEXT = "the number was erased under the retention limit before the text could be sent"
CONTACT_FIELDS = ("email", "phone", "first_name", "last_name", "device_id", "account_id")


class RecordingEraser(Protocol):
    """Deletes a recording where it is kept (Twilio), by its URL; False when it could not, or
    has no means to (it is tried once: the URL is erased from the store all the same, and
    the pass's log line counts it)."""

    def __call__(self, url: str) -> bool: ...


@dataclass(frozen=True)
class Erased:
    """How many rows of each kind one pass erased."""

    calls: int = 0
    recordings: int = 0  # recordings' URLs forgotten
    recordings_kept: int = 0  # of those, recordings that could not be deleted at Twilio
    jobs: int = 0
    texts: int = 0
    handoffs: int = 0
    requests: int = 0

    @property
    def total(self) -> int:
        return self.calls + self.jobs + self.texts + self.handoffs + self.requests


def erase_expired(
    sessions: sessionmaker[Session],
    *,
    days: int,
    clock: Callable[[], datetime],
    recordings: RecordingEraser,
    most: int = BATCH,
) -> Erased:
    """Erase one batch of each kind of personal data older than ``days`` days."""
    limit = clock() - timedelta(days=days)
    calls, forgotten, kept = _erase_calls(sessions, limit, clock, recordings, most)
    erased = Erased(
        calls=calls,
        recordings=forgotten,
        recordings_kept=kept,
        jobs=_delete_jobs(sessions, limit, most),
        texts=_erase_text_numbers(sessions, limit, clock, most),
        handoffs=_delete_handoffs(sessions, limit, most),
        requests=_blank_contacts(sessions, limit, most),
    )
    if erased.total:
        counts = dict(zip(Erased.__dataclass_fields__, astuple(erased), strict=True))
        log.info("personal data past the retention limit erased", extra=counts)
    if kept:
        log.warning(
            "recordings past the retention limit are still kept by Twilio: delete them there",
            extra={"recordings_kept": kept},
        )
    return erased


def erased_state(state: dict[str, Any]) -> dict[str, Any]:
    """A call's state without what the caller said, keyed or was located at."""
    return {
        **state,
        "slots": {},
        "attributes": {},
        "location": None,
        "pending": {},
        "last_actions": [],
    }


def _erase_calls(
    sessions: sessionmaker[Session],
    limit: datetime,
    clock: Callable[[], datetime],
    recordings: RecordingEraser,
    most: int,
) -> tuple[int, int, int]:
    """Erase calls that started before ``limit`` and have ended; (calls, recordings' URLs
    forgotten, recordings that could not be deleted at Twilio)."""
    due = (
        select(CallRecord)
        .where(CallRecord.personal_data_erased_at.is_(None))
        .where(CallRecord.started_at < limit)
        .where(CallRecord.ended_at.is_not(None))
        .order_by(CallRecord.started_at)
        .limit(most)
    )
    # The recordings are deleted where they are kept before the store forgets their URLs,
    # outside any transaction: a request to Twilio may take seconds.
    with sessions() as session:
        urls = [url for row in session.scalars(due) for url in _recording_urls(row.recordings)]
    kept = sum(1 for url in urls if not recordings(url))
    now = clock()
    with sessions() as session, session.begin():
        rows = session.scalars(_locking(session, due)).all()
        for row in rows:
            row.caller_number = None
            row.recordings = None
            row.state = erased_state(dict(row.state or {}))
            row.personal_data_erased_at = now
    return len(rows), len(urls), kept


def _recording_urls(entries: Iterable[Any] | None) -> list[str]:
    urls = (str(entry.get("url") or "") for entry in entries or () if isinstance(entry, dict))
    return list(dict.fromkeys(url for url in urls if url))


def _delete_jobs(sessions: sessionmaker[Session], limit: datetime, most: int) -> int:
    """Delete settled jobs created before ``limit`` (their data and results: URLs, transcripts)."""
    due = (
        select(JobRecord.id)
        .where(JobRecord.status.in_((DONE, JOB_FAILED)))
        .where(JobRecord.created_at < limit)
        .order_by(JobRecord.id)
        .limit(most)
    )
    with sessions() as session, session.begin():
        ids = _ids(session, due)
        if ids:
            session.execute(delete(JobRecord).where(JobRecord.id.in_(ids)))
    return len(ids)


def _erase_text_numbers(
    sessions: sessionmaker[Session], limit: datetime, clock: Callable[[], datetime], most: int
) -> int:
    """Erase the number of text messages created before ``limit``; end those still unsent."""
    due = (
        select(TextRecord.id)
        .where(TextRecord.phone_number.is_not(None))
        .where(TextRecord.created_at < limit)
        .order_by(TextRecord.id)
        .limit(most)
    )
    now = clock()
    with sessions() as session, session.begin():
        ids = _ids(session, due)
        if ids:
            session.execute(
                update(TextRecord)
                .where(TextRecord.id.in_(ids), TextRecord.status.in_((WAITING, SENDING)))
                .values(status=FAILED, last_error=ERASED_TEXT, updated_at=now)
            )
            session.execute(
                update(TextRecord)
                .where(TextRecord.id.in_(ids))
                .values(phone_number=None, updated_at=now)
            )
    return len(ids)


def _delete_handoffs(sessions: sessionmaker[Session], limit: datetime, most: int) -> int:
    """Delete handoffs created before ``limit`` (what staff filled in for the caller)."""
    due = (
        select(HandoffRecord.id)
        .where(HandoffRecord.created_at < limit)
        .order_by(HandoffRecord.id)
        .limit(most)
    )
    with sessions() as session, session.begin():
        ids = _ids(session, due)
        if ids:
            session.execute(delete(HandoffRecord).where(HandoffRecord.id.in_(ids)))
    return len(ids)


def _blank_contacts(sessions: sessionmaker[Session], limit: datetime, most: int) -> int:
    """Blank the contact fields of the embedded endpoint's requests filed before ``limit``, and
    the attributes a peer sent that the service does not ask for (never published, and free
    to hold anything: a property reference, a name)."""
    fields = [getattr(ServiceRequestRecord, name) for name in CONTACT_FIELDS]
    extras = cast(ServiceRequestRecord.extra_attributes, String)
    due = (
        select(ServiceRequestRecord.id)
        .where(ServiceRequestRecord.requested_datetime < limit)
        .where(or_(*(field != "" for field in fields), extras != "{}"))
        .order_by(ServiceRequestRecord.id)
        .limit(most)
    )
    with sessions() as session, session.begin():
        ids = _ids(session, due)
        if ids:
            blank: dict[str, Any] = dict.fromkeys(CONTACT_FIELDS, "")
            blank["extra_attributes"] = {}
            session.execute(
                update(ServiceRequestRecord).where(ServiceRequestRecord.id.in_(ids)).values(**blank)
            )
    return len(ids)


def _ids(session: Session, due: Select[Any]) -> Sequence[int]:
    return session.scalars(_locking(session, due)).all()


def _locking(session: Session, due: Select[Any]) -> Select[Any]:
    """``due`` taken row by row on PostgreSQL: rows another worker holds are left to it."""
    if session.get_bind().dialect.name == "postgresql":
        return due.with_for_update(skip_locked=True)
    return due
