"""A call's state in the database, stepped without holding a lock while the engine works, and
written with its report in one short transaction.

Every webhook goes through :meth:`CallDesk.advance`, in rounds. A round reads the call's row
(its ``CallState``, caller's number, end and ``version``) with no lock, runs the dialog engine
on it (looking an address up if the step asks: a remote geocoder may take seconds, the
gazetteer may reload its index), then opens the write transaction (``BEGIN IMMEDIATE`` on
SQLite, which has one writer at a time) and writes the new state with ``UPDATE … WHERE version
= <as read>``, adding the report of a ``submit`` job to the outbox and the step's jobs before
the single commit. When another webhook of the call wrote in between (a job's result, a
status callback, staff taking the call), the update changes nothing, the transaction rolls
back with nothing written, and the next round steps again on the state as it now stands (its
address lookups answered from the first round's, :mod:`ivr.addresses.remembered`). After
``STEP_ROUNDS`` such rounds, which would take a call changing under every step, the desk
steps under the row lock (``FOR UPDATE``, or SQLite's write lock) from the read to the commit.

So the write lock is held for the writes alone, not for the engine, the state's decoding or a
lookup: on SQLite, where every writer of every process queues for it, that is most of what a
webhook's latency under load is made of (docs/serving.md). A new call's row is inserted by its
first step; two first webhooks of one call racing, the second's insert fails and it steps on
the row the first wrote. No process memory holds call state, so any worker can answer any
webhook. The statements that read and write the row, file the report and end the call are
:mod:`ivr.webhooks.call_rows`, with the jobs a step queues (:func:`ivr.jobs.queue.add_jobs`) and
the report it files (:func:`ivr.outbox.queue.enqueue`, :func:`ivr.followup.texts.
record_follow_up`). Every one runs on the driver's cursor (:mod:`ivr.store.driver`): a step is
written on the connection it was read on, in a transaction of its driver's, with no ORM session
(:meth:`CallDesk._write`); only the locked rounds, ``amend`` and ``end_silent`` begin theirs
through a session. What the desk answers is :mod:`ivr.webhooks.desk_answers`.

On PostgreSQL the unlocked round runs in autocommit: the read opens no transaction, and a step
that changes nothing but the call's state writes it in one statement, its own transaction
(two round trips a step, the read and the write, where a transaction took four: psycopg's
``BEGIN``, the read, the write, the ``COMMIT``). A step with more to write (its jobs, its
report, the call's end, a new call's row) writes all of it in one transaction.

Durability (ivr/store/db.py): a step that files a report is on the disk before the caller is
told so (``flush_commits`` after the commit, for SQLite's ``synchronous=NORMAL``). A step that
files nothing commits without waiting for the disk on PostgreSQL too (its write says so,
:func:`~ivr.webhooks.call_rows.write_state`): a power cut of the database's machine loses at
most the last steps of the calls in progress, never a report they were told was taken.

A Twilio retry of a step already answered is replayed by the engine (same actions, no jobs,
nothing written); the desk also never enqueues a second report for a call (``reports.call_sid``
is unique, and it looks before adding).
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from flows.model import Flow
from ivr.addresses.remembered import RememberedLookups
from ivr.dialog.context import DialogContext
from ivr.dialog.engine import start_call, step
from ivr.dialog.events import Event, EventKind
from ivr.dialog.follow_up import TEXTABLE_SLOT
from ivr.dialog.state import CallState
from ivr.followup.caller_numbers import textable_number
from ivr.jobs.queue import add_jobs
from ivr.metrics.instruments import count_call_end
from ivr.recordings.ready import recording_ready
from ivr.store import driver
from ivr.store.call_tables import CallRecord
from ivr.store.db import SQLITE_BUSY_SECONDS, flush_commits, statements_on_their_own
from ivr.webhooks.call_rows import (
    CALLS,
    STEP_COLUMNS,
    SWEPT,
    StepRow,
    awaiting_calls,
    end_call,
    file_report,
    locked_columns,
    peek_step_row,
    read_ending,
    read_step_row,
    write_state,
)
from ivr.webhooks.desk_answers import (
    Answer,
    Ending,
    Planned,
    ends_now,
    files_report,
    submitted_service,
)

log = logging.getLogger(__name__)

# Steps retried after looking an address up outside the lock, before a lookup is allowed under
# it: each retry means another webhook changed the call's state meanwhile, which is rare.
STEP_ROUNDS, LOCKED_ROUNDS = 3, 2
Clock = Callable[[], datetime]


class CallDesk:
    """Steps calls through ``flow`` with ``context``, keeping their state in ``sessions``."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        flow: Flow,
        context: DialogContext,
        *,
        city: str = "",
        region: str = "",
        clock: Clock | None = None,
    ) -> None:
        self._sessions = sessions
        self._flow = flow
        self._context = context
        self._city = city
        self._region = region
        self._clock = clock or (lambda: datetime.now(UTC))
        # SQLite has one writer at a time, and a thread that finds the lock taken sleeps in
        # SQLite's busy handler (up to 100 ms a try); queueing this process's writes on a
        # lock of our own instead keeps webhook tail latency low. It is held for the writes
        # of a step, not while the engine steps.
        self._engine: Engine = sessions.kw["bind"]
        self._sqlite = self._engine.dialect.name == "sqlite"
        self._postgres = self._engine.dialect.name == "postgresql"
        self._writer: AbstractContextManager[object] = (
            threading.Lock() if self._sqlite else nullcontext()
        )

    @property
    def flow(self) -> Flow:
        return self._flow

    def advance(self, call_sid: str, event: Event, *, caller: str | None = None) -> Answer:
        """Apply ``event`` to the call, committing the new state (and any report) at once."""
        context = self._context
        if context.resolver is not None:  # the rounds of this step share their lookups
            context = dataclasses.replace(context, resolver=RememberedLookups(context.resolver))
        for attempt in range(STEP_ROUNDS + LOCKED_ROUNDS):
            locked = attempt >= STEP_ROUNDS
            if attempt == STEP_ROUNDS:
                log.warning("a call's state kept changing under its step: stepped under its lock")
            answer = self._step(call_sid, event, caller, context, locked=locked)
            if answer is not None:
                return answer
        raise RuntimeError("a call's step could not be written")  # beyond LOCKED_ROUNDS

    def _step(
        self,
        call_sid: str,
        event: Event,
        caller: str | None,
        context: DialogContext,
        *,
        locked: bool,
    ) -> Answer | None:
        """One round of a step (see the module's docstring): the call's row is read (``locked``:
        under its lock, held to the end), the engine steps, and the new state is written if
        the row is still as read. None, with nothing written, when another webhook of the
        call wrote first."""
        now = self._clock()
        if locked:
            with self._sessions() as session, self._writer:
                row = read_step_row(session, call_sid)
                planned = self._plan(call_sid, event, caller, context, row)
                connection = session.connection()
                answer = self._commit(session, connection, call_sid, planned, now, began=True)
        else:
            with self._engine.connect() as connection:
                # Read with no lock: on SQLite a plain SELECT opens no transaction, nor on
                # PostgreSQL in autocommit (the module's docstring). The write reuses it.
                row = self._read(connection, call_sid)
                planned = self._plan(call_sid, event, caller, context, row)
                if isinstance(planned, Answer):
                    return planned  # nothing to write
                with self._writer:
                    answer = self._write(connection, call_sid, planned, now)
        if answer is not None and answer.filed:
            flush_commits(self._engine)  # on the disk before the caller hears it is taken
            log.info("report enqueued", extra={"service_code": answer.service_code})
        return answer

    def _read(self, connection: Connection, call_sid: str) -> StepRow | None:
        """The call's row, read with no lock, on PostgreSQL in autocommit (the module's
        docstring). A connection the server dropped while it sat in the pool (a restart, less
        than ``PING_AFTER_IDLE_SECONDS`` after its last use: ivr/store/db.py) fails this first
        statement with nothing done; the read is made once more, on a new connection."""
        try:
            return self._peek(connection, call_sid)
        except DBAPIError as error:
            if not error.connection_invalidated:
                raise
        log.warning("a pooled connection to the store was lost: the step reads on a new one")
        return self._peek(connection, call_sid)

    def _peek(self, connection: Connection, call_sid: str) -> StepRow | None:
        statements_on_their_own(connection)
        return peek_step_row(connection, call_sid)

    def _plan(
        self,
        call_sid: str,
        event: Event,
        caller: str | None,
        context: DialogContext,
        row: StepRow | None,
    ) -> Planned | Answer:
        """The engine's step of the call as read; an Answer when there is nothing to write (no
        such call, or a retry of a step already answered)."""
        if row is None:
            # A call starts here, or on the handoff number by a code (resumed at once).
            if event.kind not in (EventKind.START, EventKind.RESUME):
                return Answer((), self._flow.languages[0], known=False)
            row = StepRow(self._first_state(call_sid, caller).to_dict(), caller or None, None)
        state = CallState.from_dict(row.state)
        outcome = step(self._flow, state, event, context)
        if outcome.replayed:
            return Answer(outcome.actions, state.language, awaiting=state.awaited_jobs)
        return Planned(row, outcome)

    def _write(
        self, connection: Connection, call_sid: str, planned: Planned, now: datetime
    ) -> Answer | None:
        """Write a step planned on a row read with no lock, on the connection it was read on,
        in a transaction of its driver's: no ORM session, whose bookkeeping cost a step more
        than its statements. On PostgreSQL the connection is in autocommit (the module's
        docstring): a step with more to write than its state goes back to transactions."""
        row, outcome = planned
        if self._postgres and (row.version is None or outcome.jobs or ends_now(row, outcome)):
            connection.execution_options(isolation_level=connection.default_isolation_level)
        return self._commit(connection, connection, call_sid, planned, now, began=False)

    def _commit(
        self,
        writer: Session | Connection,
        connection: Connection,
        call_sid: str,
        planned: Planned | Answer,
        now: datetime,
        *,
        began: bool,
    ) -> Answer | None:
        """Write a planned step in one transaction on ``connection``: its state, its jobs, the
        report it files and the call's end. Committed or rolled back through ``writer``: the
        connection, or the session of a locked read (``began``: the read began the
        transaction). Only a step that files waits for the disk at its commit. None, with
        nothing written, when another webhook of the call wrote first."""
        if isinstance(planned, Answer):
            driver.finish(writer, keep=False)  # nothing to write: the read's lock given back
            return planned
        row, outcome = planned
        ended: str | None = None
        try:
            if not began and self._sqlite:
                driver.begin_immediate(connection, SQLITE_BUSY_SECONDS)
            state_written = write_state(
                connection,
                call_sid,
                row,
                outcome.state,
                now,
                self._flow,
                waits=files_report(outcome),
            )
            if not state_written:
                driver.finish(writer, keep=False)
                return None
            later = [job for job in outcome.jobs if not job.with_step]
            added = set(add_jobs(connection, later, call_sid=call_sid, now=now))
            filed = any(
                file_report(
                    connection, job, now, row.caller_number, city=self._city, region=self._region
                )
                for job in outcome.jobs
                if job.with_step
            )
            if ends_now(row, outcome):
                ended = end_call(connection, call_sid, outcome.state, now)
            driver.finish(writer, keep=True)
        except IntegrityError:
            # Another webhook started the same call first, or queued the same job.
            driver.finish(writer, keep=False)
            return None
        except BaseException:
            driver.finish(writer, keep=False)
            raise
        if ended is not None:
            count_call_end(ended, outcome.state, self._flow)
        service = submitted_service(outcome.jobs) if filed else ""
        queued = tuple(job.name for job in later if job.key in added)
        state = outcome.state
        return Answer(
            outcome.actions,
            state.language,
            filed,
            queued=queued,
            service_code=service,
            awaiting=state.awaited_jobs,
        )

    def state(self, call_sid: str) -> CallState | None:
        """The call's state as it stands (read only, no lock); None for an unknown call."""
        with self._sessions() as session:
            row = session.get(CallRecord, call_sid)
            return CallState.from_dict(row.state) if row is not None else None

    def amend(self, call_sid: str, change: Callable[[CallState], CallState]) -> bool:
        """Change the call's state outside a step (staff took the call), under the row lock.
        False, with nothing written, when there is no such call or the change leaves it as it
        was."""
        with self._writer, self._sessions() as session, session.begin():
            row = read_step_row(session, call_sid)
            if row is None:
                return False
            state = CallState.from_dict(row.state)
            changed = change(state)
            if changed == state:
                return False
            # A new version, as a step's write makes: a step planned on the state before is redone.
            write_state(session.connection(), call_sid, row, changed, self._clock(), self._flow)
        return True

    def report_job(self, call_sid: str, event: Event) -> None:
        """A job's result, applied to its call (the caller hears it at their next step)."""
        self.advance(call_sid, event)

    def ending(self, call_sid: str) -> Ending | None:
        """The call's closing words and where its report stands (read only, no lock)."""
        with self._reading() as connection:
            found = read_ending(connection, call_sid)
        if found is None:
            return None
        state = CallState.from_dict(found[0])
        return Ending(state.last_actions, state.language, found[1])

    def record_recording(self, call_sid: str, status: str, url: str, duration: str) -> bool:
        """Keep a recording's status callback on the call (its URL, for staff); a completed
        recording's transcription, if waiting to retry, is made due at once."""
        with self._writer, self._sessions() as session, session.begin():
            kept = locked_columns(session, call_sid, CALLS.c.recordings)
            if kept is None:
                return False
            recordings = list(kept.recordings or [])
            recordings.append({"status": status, "url": url, "duration": duration})
            changes = {"recordings": recordings[-20:], "updated_at": self._clock()}
            session.execute(update(CALLS).where(CALLS.c.call_sid == call_sid).values(changes))
            if status == "completed" and url:
                recording_ready(session, call_sid, url, self._clock())
        return True

    def end_silent(self, call_sid: str, *, silent_since: datetime) -> bool:
        """End a call that has had no webhook since ``silent_since`` (its status callback was
        lost) exactly as the status callback would: the engine hears the hang-up and the call
        is saved ended (:data:`SWEPT`), its number erased, a report it filed left to the
        outbox, what it had collected kept as at a hang-up. False, with nothing changed, when
        the call has ended, has heard from Twilio since, or is being stepped right now (its
        row is locked: on PostgreSQL the row is skipped, not waited for)."""
        now = self._clock()
        with self._writer, self._sessions() as session, session.begin():
            silent = (CALLS.c.ended_at.is_(None), CALLS.c.updated_at <= silent_since)
            row = locked_columns(
                session, call_sid, *STEP_COLUMNS, CALLS.c.updated_at, where=silent, skip_locked=True
            )
            if row is None:
                return False
            read = StepRow(row.state, row.caller_number, row.ended_at, row.version)
            outcome = step(
                self._flow, CallState.from_dict(read.state), Event.hangup(at=now), self._context
            )
            ended = dataclasses.replace(outcome.state, end_reason=SWEPT)
            connection = session.connection()
            write_state(connection, call_sid, read, ended, now, self._flow)
            # The call's length as staff see it: up to its last word.
            status = end_call(connection, call_sid, ended, row.updated_at)
        count_call_end(status, ended, self._flow)
        return True

    def still_awaiting(self, call_sids: frozenset[str]) -> set[str]:
        """Of ``call_sids``, the calls that still wait on a job's result: one query for every
        webhook holding in this process (``ivr.webhooks.holding``). Read only, no lock."""
        with self._reading() as connection:
            return awaiting_calls(connection, call_sids)

    @contextmanager
    def _reading(self) -> Iterator[Connection]:
        """A connection for a read alone: on PostgreSQL in autocommit, so that the read is one
        round trip (no ``BEGIN`` before it, no ``ROLLBACK`` when the pool takes it back)."""
        with self._engine.connect() as connection:
            statements_on_their_own(connection)
            yield connection

    def _first_state(self, call_sid: str, caller: str | None) -> CallState:
        state = start_call(self._flow, call_sid)
        if self._context.texts and textable_number(caller):
            state = dataclasses.replace(state, slots={TEXTABLE_SLOT: "yes"})
        return state
