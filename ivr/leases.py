"""Leased work, written once: claiming a row with a lease, backing off, and the loop that runs it.

The outbox, batch-token checks, text messages and jobs are each a table of rows that are due
at ``next_attempt_at``. Each kind keeps only its own part (which rows are due, what one row
does, how its outcome is recorded); this module holds what they share:

- :func:`claim_rows` takes due rows in one transaction. Each row is taken with a conditional
  update on its claim counter (the attempt count) as read, so two claimers that read the same
  row cannot both take it: on SQLite, where there is no row lock, the second update changes
  nothing. On PostgreSQL the rows are read with ``SELECT … FOR UPDATE SKIP LOCKED``, so
  claimers on several machines take different rows instead of waiting on each other.
- :class:`Backoff` is how long to wait before the next attempt; :class:`LeasePolicy` adds how
  long a claim holds and how many attempts a kind makes.
- :class:`WorkLoop` runs a list of rounds (callables that do some due work and say how much)
  in threads of its own, idling when a round finds nothing until woken or the interval ends;
  :class:`WorkLoops` is the group a process runs (``Runtime.work``).
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, update
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

T = TypeVar("T")
Round = Callable[[], int]  # does the due work of one kind; how much it did (0: nothing due)

_MOST_DOUBLINGS = 64  # 2**64 times any base is past every cap; keeps the float finite


@dataclass(frozen=True)
class Backoff:
    """Exponential back-off: ``base_seconds`` doubled per attempt, spread by ``jitter`` (a
    fraction: 0.2 draws within ±20 %, so a recovering city is not hit by every row at once),
    and never more than ``cap_seconds``: the cap is applied after the jitter."""

    base_seconds: float
    cap_seconds: float
    jitter: float = 0.0

    def __post_init__(self) -> None:
        if not 0 < self.base_seconds <= self.cap_seconds:
            raise ValueError("a back-off needs 0 < base_seconds <= cap_seconds")
        if not 0 <= self.jitter < 1:
            raise ValueError("a back-off's jitter is a fraction from 0 up to 1")

    def delay(self, attempt: int) -> timedelta:
        """The wait after attempt number ``attempt`` (1 for the first)."""
        doublings = min(max(0, attempt - 1), _MOST_DOUBLINGS)
        seconds = min(self.cap_seconds, self.base_seconds * 2.0**doublings)
        if self.jitter:
            seconds *= random.uniform(1 - self.jitter, 1 + self.jitter)
        return timedelta(seconds=min(self.cap_seconds, seconds))


@dataclass(frozen=True)
class LeasePolicy:
    """How one kind of leased work is retried: its back-off, how long a claim holds (longer
    than the longest run of one item, or a second worker takes it meanwhile), and how many
    attempts it makes (``None``: until a person steps in)."""

    backoff: Backoff
    lease_seconds: float
    max_attempts: int | None = None

    def lease_until(self, now: datetime) -> datetime:
        return now + timedelta(seconds=self.lease_seconds)

    def gives_up_after(self, attempt: int) -> bool:
        return self.max_attempts is not None and attempt >= self.max_attempts


@dataclass(frozen=True)
class Take(Generic[T]):
    """Taking one candidate row: the row, its claim counter as read, the values to set when
    it is taken (the counter goes up by one besides), and what the claimer gets for it."""

    table: Any  # the mapped class; it has an ``id`` column and the counter column
    row_id: int
    count: int
    values: Mapping[str, object] = field(repr=False)
    result: T
    counter: str = "attempts"
    guard: tuple[Any, ...] = ()  # more conditions the row must still meet (its status as read)
    then: Callable[[Session], object] | None = None  # runs in the claim's transaction


def claim_rows(
    sessions: sessionmaker[Session],
    candidates: Select,  # rows of any shape: the kind reads them in ``choose``
    choose: Callable[[Session, Any], Take[T] | None],
    *,
    most: int | None = None,
    lock_of: Any = None,
) -> list[T]:
    """Take the rows of ``candidates`` (due rows, oldest first, limited) in one transaction.

    ``choose`` says for each candidate row how to take it, or ``None`` to leave it (it may
    settle the row itself meanwhile, in the same session). Returns the results of the rows
    taken, at ``most`` of them. ``lock_of``: the table to lock on PostgreSQL when the query
    joins several.
    """
    with sessions() as session, session.begin():
        query = candidates
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True, of=lock_of)
        taken: list[T] = []
        for row in session.execute(query).all():
            if most is not None and len(taken) >= most:
                break
            take = choose(session, row)
            if take is not None and _take(session, take):
                taken.append(take.result)
        return taken


def _take(session: Session, take: Take[Any]) -> bool:
    table, counter = take.table, getattr(take.table, take.counter)
    result = session.execute(
        update(table)
        .where(table.id == take.row_id, counter == take.count, *take.guard)
        .values({take.counter: take.count + 1, **take.values})
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False  # another claimer took it first
    if take.then is not None:
        take.then(session)
    return True


def one_at_a_time(
    claim_one: Callable[[], list[T]], handle: Callable[[T], object], *, limit: int
) -> list[object]:
    """Claim and handle due items one after another, up to ``limit``; the outcomes. One at a
    time, so a lease only has to cover one item and other workers take the rest meanwhile."""
    outcomes: list[object] = []
    while len(outcomes) < limit:
        claimed = claim_one()
        if not claimed:
            break
        outcomes.extend(handle(item) for item in claimed)
    return outcomes


class WorkLoop:
    """Runs ``rounds`` one after another, again and again, in ``threads`` threads.

    When a pass finds nothing to do, a thread idles for ``interval`` seconds or until
    :meth:`wake` (a webhook just queued work). A round that raises is logged and counts as no
    work; the loop goes on (the store may be briefly unreachable)."""

    def __init__(
        self, name: str, rounds: Sequence[Round], *, threads: int = 1, interval: float = 2.0
    ) -> None:
        self.name = name
        self.rounds = tuple(rounds)
        self.interval = interval
        self._count = max(1, threads)
        self._threads: list[threading.Thread] = []
        self._stop = threading.Event()
        self._wake = threading.Condition()
        self._woken = False

    def run_once(self) -> int:
        """Run every round once in this thread; how much work they did."""
        done = 0
        for one_round in self.rounds:
            try:
                done += one_round()
            except Exception:
                log.exception("a round of leased work failed", extra={"loop": self.name})
        return done

    def start(self, interval: float | None = None) -> None:
        """Start the threads (once); ``interval`` replaces the idle interval."""
        if interval is not None:
            self.interval = interval
        if self._threads:
            return
        self._stop.clear()
        self._threads = [
            threading.Thread(target=self._run, name=f"{self.name}-{n}", daemon=True)
            for n in range(self._count)
        ]
        for thread in self._threads:
            thread.start()

    def wake(self) -> None:
        """An idle thread looks for work at once (one: a wake is for one piece of work, and a
        second thread woken for it would only find it taken, holding the GIL meanwhile beside
        the webhook that woke it); harmless when the loop is not running."""
        with self._wake:
            self._woken = True
            self._wake.notify()

    def stop(self, timeout: float = 10.0) -> None:
        """Let each thread finish the round it is in, and wait for it (up to ``timeout``)."""
        self._stop.set()
        with self._wake:
            self._wake.notify_all()
        for thread in self._threads:
            thread.join(timeout)
        self._threads = []

    def _run(self) -> None:
        while not self._stop.is_set():
            if self.run_once():
                continue
            with self._wake:
                if not self._woken and not self._stop.is_set():
                    self._wake.wait(self.interval)
                self._woken = False


class WorkLoops:
    """The leased-work loops of one process, started, woken and stopped together."""

    def __init__(self, *loops: WorkLoop) -> None:
        self.loops = loops

    def run_once(self) -> int:
        return sum(loop.run_once() for loop in self.loops)

    def start(self, interval: float | None = None) -> None:
        for loop in self.loops:
            loop.start(interval)

    def wake(self, name: str | None = None) -> None:
        """Wake the loop called ``name`` (every loop when None): a webhook that queued a job
        wakes the jobs, one that filed a report the outbox, and no other loop polls for it."""
        for loop in self.loops:
            if name is None or loop.name == name:
                loop.wake()

    def stop(self, timeout: float = 10.0) -> None:
        for loop in self.loops:
            loop.stop(timeout)

    def run_forever(self, stop: threading.Event, *, interval: float | None = None) -> None:
        """Run in the background until ``stop`` is set, then stop cleanly (``ivr worker``)."""
        self.start(interval)
        try:
            stop.wait()
        finally:
            self.stop()
