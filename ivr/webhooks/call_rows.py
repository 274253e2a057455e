"""A call's row, as a step reads and writes it: the statements of :class:`~ivr.webhooks.calls.
CallDesk`'s transactions, apart from the rounds and the engine that decide what to write.

- :func:`read_step_row` reads the four columns a step needs (no lock, or the row's lock);
- :func:`write_state` writes a step's new state if the row is still the version read (a new
  call's row is inserted);
- :func:`file_report` adds the report of a ``submit`` job to the outbox, once per call;
- :func:`end_call` sets the status of a call that ends, and erases its caller's number.

Each runs in the caller's transaction and commits nothing. The row is read and written with
Core statements, not loaded and flushed as a ``CallRecord``; the two of every step are built
once, at import: a statement built per call costs more of a webhook's time than the database
does (its construction and its cache key, which SQLAlchemy keeps on a statement object). They
run on the driver's cursor (:mod:`ivr.store.driver`: compiled once per dialect, the columns'
own conversions), where SQLAlchemy's execution path took more than the database did.

On PostgreSQL a step's write can say that its transaction need not wait for the disk at its
commit (:func:`write_state`'s ``waits=False``): the ``UPDATE`` or ``INSERT`` returns
``set_config('synchronous_commit', 'off', true)``, what ``SET LOCAL`` does, without a round
trip of its own. Run alone in autocommit, as :class:`~ivr.webhooks.calls.CallDesk` writes a
step that changes nothing but the call's state, the setting holds for that statement's own
transaction, whose commit comes at its end.
"""

from __future__ import annotations

import functools
import logging
from datetime import datetime
from typing import Any, NamedTuple, cast

from sqlalchemy import Connection, Table, bindparam, func, select, update
from sqlalchemy.orm import Session

from flows.model import Flow
from ivr.dialog.actions import Job
from ivr.dialog.state import CallState
from ivr.followup.texts import record_follow_up
from ivr.outbox.queue import DELIVERY_COLUMNS, OUTBOX, REPORTS, Delivery, delivery_of, enqueue
from ivr.store import driver
from ivr.store.call_tables import (
    ABANDONED,
    COMPLETED,
    ENDED,
    IN_PROGRESS,
    CallRecord,
    ReportRecord,
)
from ivr.store.db import SQLITE_BUSY_SECONDS
from ivr.store.driver import driver_statement, insert_of
from ivr.webhooks.filing import report_from_job

log = logging.getLogger(__name__)

# Why a call ended when its status callback never came and the stale-call sweep ended it
# (ivr/housekeeping/stale_calls.py); like a hang-up, such a call without a report is abandoned.
SWEPT = "no word from Twilio: ended by the stale-call sweep"
HUNG_UP = frozenset({"caller hung up", SWEPT})

CALLS = cast(Table, CallRecord.__table__)
STEP_COLUMNS = (CALLS.c.state, CALLS.c.caller_number, CALLS.c.ended_at, CALLS.c.version)
READ_STEP = select(*STEP_COLUMNS).where(CALLS.c.call_sid == bindparam("sid"))
WRITE_STEP = (
    update(CALLS)
    .where(CALLS.c.call_sid == bindparam("sid"), CALLS.c.version == bindparam("read_version"))
    .values(
        state=bindparam("new_state", type_=CALLS.c.state.type),
        step=bindparam("new_step", type_=CALLS.c.step.type),
        language=bindparam("new_language", type_=CALLS.c.language.type),
        updated_at=bindparam("now", type_=CALLS.c.updated_at.type),
        version=CALLS.c.version + 1,
    )
)
# PostgreSQL: the commit of the transaction that runs it does not wait for the disk (above).
NOT_WAITING = func.set_config("synchronous_commit", "off", True)
WRITE_STEP_NOT_WAITING = WRITE_STEP.returning(NOT_WAITING)


STARTED_COLUMNS = (
    *("call_sid", "flow", "status", "caller_number", "started_at"),
    *("state", "step", "language", "updated_at", "version"),
)
INSERT_CALL = insert_of(CALLS, STARTED_COLUMNS)
INSERT_CALL_NOT_WAITING = INSERT_CALL.returning(NOT_WAITING)
REPORT_OF_CALL = select(ReportRecord.id).where(ReportRecord.call_sid == bindparam("sid"))
# A call at its end: its state (the closing words) and its report's delivery, if it filed one.
READ_ENDING = (
    select(CALLS.c.state, *DELIVERY_COLUMNS)
    .select_from(
        CALLS.outerjoin(REPORTS, REPORTS.c.call_sid == CALLS.c.call_sid).outerjoin(
            OUTBOX, OUTBOX.c.report_id == REPORTS.c.id
        )
    )
    .where(CALLS.c.call_sid == bindparam("sid"))
)
END_CALL = (
    update(CALLS)
    .where(CALLS.c.call_sid == bindparam("sid"))
    .values(
        status=bindparam("end_status", type_=CALLS.c.status.type),
        ended_at=bindparam("ended_at", type_=CALLS.c.ended_at.type),
        caller_number=None,  # personal data, no longer needed once the call is over
    )
)


# The calls among some that still wait on a job: their pending slots only, not their whole
# state (a late step's state is kilobytes of JSON, the pending slots a few bytes).
PENDING_OF_CALLS = select(CALLS.c.call_sid, CALLS.c.state["pending"]).where(
    CALLS.c.call_sid.in_(bindparam("sids", expanding=True))
)


class StepRow(NamedTuple):
    """What a step reads of the call's row; ``version`` None: the call has no row yet."""

    state: dict[str, Any]
    caller_number: str | None
    ended_at: datetime | None
    version: int | None = None


def read_step_row(session: Session, call_sid: str) -> StepRow | None:
    """What a step reads of the call's row, the row locked until the transaction ends
    (:func:`locked_columns`)."""
    found = locked_columns(session, call_sid, *STEP_COLUMNS)
    return None if found is None else StepRow(*found)


def peek_step_row(connection: Connection, call_sid: str) -> StepRow | None:
    """What a step reads of the call's row, with no lock."""
    found = driver_statement(READ_STEP, connection.dialect).first(connection, {"sid": call_sid})
    return None if found is None else StepRow(*found)


def awaiting_calls(connection: Connection, call_sids: frozenset[str]) -> set[str]:
    """Of ``call_sids``, the calls whose state has pending slots (a job's result awaited).
    Read only, no lock; for the hold watcher (``ivr.webhooks.holding``), not a webhook."""
    rows = connection.execute(PENDING_OF_CALLS, {"sids": sorted(call_sids)})
    return {sid for sid, pending in rows if pending}


def locked_columns(
    session: Session,
    call_sid: str,
    *columns: Any,
    where: tuple[Any, ...] = (),
    skip_locked: bool = False,
) -> Any:
    """``columns`` of the call's row (None when there is none, or it does not meet ``where``),
    locked until the transaction ends: ``BEGIN IMMEDIATE`` on SQLite (pysqlite begins
    transactions lazily: the write lock is taken before reading), ``FOR UPDATE`` elsewhere
    (``skip_locked``: a row another transaction has locked reads as none, not waited for)."""
    sqlite = session.get_bind().dialect.name == "sqlite"
    if where:
        query = select(*columns).where(CALLS.c.call_sid == bindparam("sid"), *where)
        if not sqlite:
            query = query.with_for_update(skip_locked=skip_locked)
    else:
        query = _locked_query(columns, not sqlite, skip_locked)
    if sqlite:
        driver.begin_immediate(session.connection(), SQLITE_BUSY_SECONDS)
    return session.connection().execute(query, {"sid": call_sid}).first()


@functools.lru_cache(maxsize=32)
def _locked_query(columns: tuple[Any, ...], for_update: bool, skip_locked: bool) -> Any:
    """The row's ``columns`` by call SID, built once per set of columns (see the docstring)."""
    query = select(*columns).where(CALLS.c.call_sid == bindparam("sid"))
    return query.with_for_update(skip_locked=skip_locked) if for_update else query


def write_state(
    connection: Connection,
    call_sid: str,
    row: StepRow,
    state: CallState,
    now: datetime,
    flow: Flow,
    *,
    waits: bool = True,
) -> bool:
    """Write the call's new state if its row is still the version ``row`` read (a new call's
    row is inserted); False, with nothing written, when another webhook of the call wrote
    first. A new call that another webhook inserted first raises IntegrityError. ``waits``
    False: on PostgreSQL, the transaction's commit will not wait for the disk (the module's
    docstring); SQLite's never do (ivr/store/db.py)."""
    not_waiting = not waits and connection.dialect.name == "postgresql"
    if row.version is None:
        started: dict[str, Any] = {"call_sid": call_sid, "flow": flow.name}
        started.update(status=IN_PROGRESS, caller_number=row.caller_number, started_at=now)
        started.update(state=state.to_dict(), step=state.step, language=state.language)
        started.update(updated_at=now, version=1)
        insert = INSERT_CALL_NOT_WAITING if not_waiting else INSERT_CALL
        return bool(driver_statement(insert, connection.dialect).rowcount(connection, started))
    write = WRITE_STEP_NOT_WAITING if not_waiting else WRITE_STEP
    return bool(
        driver_statement(write, connection.dialect).rowcount(
            connection,
            {
                "sid": call_sid,
                "read_version": row.version,
                "new_state": state.to_dict(),
                "new_step": state.step,
                "new_language": state.language,
                "now": now,
            },
        )
    )


def file_report(
    connection: Connection,
    job: Job,
    now: datetime,
    caller: str | None,
    *,
    city: str,
    region: str,
) -> bool:
    """Add the report of a step's ``submit`` job to the outbox (with the caller's follow-up),
    unless the call has one already; whether it was added."""
    if job.name != "submit":
        log.warning("a job to commit with the step is not known", extra={"job": job.name})
        return False
    report = report_from_job(job.data, city=city, region=region)
    if _has_report(connection, report.call_sid):
        return False
    queued = enqueue(connection, report, now=now)
    record_follow_up(connection, queued.report_id, job.data, caller_number=caller, now=now)
    return True


def end_call(connection: Connection, call_sid: str, state: CallState, ended_at: datetime) -> str:
    """A call that ends now (after its state was written, in the same transaction): its
    status, ``ended_at``, and its caller's number erased. Its status as stored, for the
    caller to count once it is committed (``count_call_end``)."""
    if _has_report(connection, call_sid):  # a report added in this transaction counts
        status = COMPLETED
    elif state.end_reason in HUNG_UP:
        status = ABANDONED
    else:
        status = ENDED
    ended = {"sid": call_sid, "end_status": status, "ended_at": ended_at}
    driver_statement(END_CALL, connection.dialect).rowcount(connection, ended)
    return status


def read_ending(
    connection: Connection, call_sid: str
) -> tuple[dict[str, Any], Delivery | None] | None:
    """The call's state and its report's delivery (None: no report), in one statement on the
    driver's cursor (a caller waiting for their reference number asks every second); None for
    an unknown call."""
    found = driver_statement(READ_ENDING, connection.dialect).first(connection, {"sid": call_sid})
    return None if found is None else (found[0], delivery_of(found[1:]))


def _has_report(connection: Connection, call_sid: str | None) -> bool:
    found = driver_statement(REPORT_OF_CALL, connection.dialect).first(
        connection, {"sid": call_sid}
    )
    return found is not None
