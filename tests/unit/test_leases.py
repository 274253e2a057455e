"""Leased work written once: the back-off, the claim on SQLite, and the loop."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Integer, create_engine, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from ivr.leases import Backoff, LeasePolicy, Round, Take, WorkLoop, WorkLoops, claim_rows

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


@given(
    base=st.floats(min_value=0.01, max_value=1000),
    spread=st.floats(min_value=1, max_value=1000),
    jitter=st.floats(min_value=0, max_value=0.99),
    attempt=st.integers(min_value=-5, max_value=10_000),
)
def test_no_delay_exceeds_the_cap_whatever_the_jitter(
    base: float, spread: float, jitter: float, attempt: int
) -> None:
    backoff = Backoff(base, base * spread, jitter=jitter)
    delay = backoff.delay(attempt).total_seconds()
    assert 0 < delay <= backoff.cap_seconds + 1e-6  # timedelta keeps microseconds


def test_the_outbox_back_off_doubles_within_its_jitter_and_stops_at_the_cap() -> None:
    backoff = Backoff(5, 900, jitter=0.2)
    for attempt, plain in ((1, 5), (2, 10), (4, 40), (8, 640)):
        assert 0.8 * plain <= backoff.delay(attempt).total_seconds() <= 1.2 * plain
    waits = {backoff.delay(12).total_seconds() for _ in range(200)}
    assert max(waits) <= 900 and min(waits) >= 720  # still spread at the cap, never above it


def test_without_jitter_the_delay_is_exact() -> None:
    assert [Backoff(0.5, 4).delay(n).total_seconds() for n in range(1, 6)] == [0.5, 1, 2, 4, 4]


def test_a_policy_gives_up_after_its_attempts_or_never() -> None:
    assert LeasePolicy(Backoff(1, 2), 30, max_attempts=3).gives_up_after(3)
    assert not LeasePolicy(Backoff(1, 2), 30, max_attempts=3).gives_up_after(2)
    assert not LeasePolicy(Backoff(1, 2), 30).gives_up_after(10_000)
    assert LeasePolicy(Backoff(1, 2), 30).lease_until(NOW) == NOW + timedelta(seconds=30)


class Base(DeclarativeBase):
    pass


class Item(Base):
    __tablename__ = "items"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    taken_by: Mapped[int] = mapped_column(Integer, default=0)


@pytest.fixture
def items(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    engine = create_engine(f"sqlite:///{tmp_path / 'items.db'}")
    Base.metadata.create_all(engine)
    sessions = sessionmaker(engine)
    with sessions() as session, session.begin():
        session.add_all(Item(id=n, attempts=0, taken_by=0) for n in range(1, 41))
    yield sessions
    engine.dispose()


def _claim_all(sessions: sessionmaker[Session], claimer: int) -> list[int]:
    def choose(session: Session, row: Any) -> Take[int]:
        item_id, attempts = row
        return Take(Item, item_id, attempts, {"taken_by": claimer}, result=item_id)

    query = select(Item.id, Item.attempts).where(Item.attempts == 0).order_by(Item.id)
    return claim_rows(sessions, query, choose)


def test_concurrent_claimers_on_sqlite_never_take_the_same_row(
    items: sessionmaker[Session],
) -> None:
    taken: dict[int, list[int]] = {}
    start = threading.Barrier(4)

    def claimer(number: int) -> None:
        start.wait()
        taken[number] = [n for _ in range(10) for n in _claim_all(items, number)]

    threads = [threading.Thread(target=claimer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    every = [item for ids in taken.values() for item in ids]
    assert sorted(every) == list(range(1, 41))  # each row taken exactly once
    with items() as session:
        rows = session.execute(select(Item.id, Item.attempts, Item.taken_by)).all()
    assert all(attempts == 1 for _, attempts, _ in rows)
    assert all(item_id in taken[by] for item_id, _, by in rows)


def test_a_row_whose_counter_moved_since_it_was_read_is_left(
    items: sessionmaker[Session],
) -> None:
    def stale(session: Session, row: Any) -> Take[int]:
        item_id, attempts = row
        return Take(Item, item_id, attempts - 1, {}, result=item_id)  # as another claimer saw it

    query = select(Item.id, Item.attempts).order_by(Item.id).limit(3)
    assert claim_rows(items, query, stale) == []
    fresh = claim_rows(
        items, query, lambda s, row: Take(Item, row[0], row[1], {}, result=row[0]), most=2
    )
    assert fresh == [1, 2]


def test_a_round_that_raises_is_logged_and_the_loop_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    runs: list[str] = []

    def broken() -> int:
        runs.append("broken")
        raise RuntimeError("the store is down")

    def counting() -> int:
        runs.append("counting")
        return 2

    loop = WorkLoop("test", [broken, counting])
    assert loop.run_once() == 2
    assert runs == ["broken", "counting"]
    assert "a round of leased work failed" in caplog.text


def test_wake_runs_an_idle_loop_at_once_and_stop_ends_every_thread() -> None:
    ran = threading.Semaphore(0)
    work = {"due": 0}

    def one_round() -> int:
        ran.release()
        done, work["due"] = work["due"], 0
        return done

    loop = WorkLoop("test", [one_round], threads=2, interval=60)
    loop.wake()  # harmless before start
    loop.start()
    assert ran.acquire(timeout=5) and ran.acquire(timeout=5)  # both threads looked, went idle
    time.sleep(0.1)
    started = time.monotonic()
    work["due"] = 1
    loop.wake()
    assert ran.acquire(timeout=5)
    assert time.monotonic() - started < 5  # not the 60 s interval
    threads = list(loop._threads)
    loop.stop(timeout=5)
    assert not any(thread.is_alive() for thread in threads)
    loop.stop()  # harmless twice


def test_a_wake_wakes_one_idle_thread_not_every_one() -> None:
    ran = threading.Semaphore(0)
    looks: list[str] = []

    def one_round() -> int:
        looks.append(threading.current_thread().name)
        ran.release()
        return 0

    loop = WorkLoop("one", [one_round], threads=2, interval=60)
    loop.start()
    try:
        assert ran.acquire(timeout=5) and ran.acquire(timeout=5)  # both went idle
        time.sleep(0.1)
        looks.clear()
        loop.wake()
        assert ran.acquire(timeout=5)
        time.sleep(0.3)
        assert len(looks) == 1  # the other thread slept on: one job does not need two
        loop.wake()
        loop.wake()
        assert ran.acquire(timeout=5) and ran.acquire(timeout=5)
    finally:
        loop.stop(timeout=5)


def test_run_forever_returns_when_told_to_stop() -> None:
    calls = threading.Semaphore(0)

    def one_round() -> int:
        calls.release()
        return 0

    loops = WorkLoops(WorkLoop("a", [one_round]), WorkLoop("b", [one_round], threads=2))
    stop = threading.Event()
    runner = threading.Thread(target=loops.run_forever, args=(stop,), kwargs={"interval": 0.05})
    runner.start()
    for _ in range(6):
        assert calls.acquire(timeout=5)
    stop.set()
    runner.join(10)
    assert not runner.is_alive()
    assert loops.run_once() == 0


def test_a_named_wake_wakes_only_that_loop() -> None:
    ran: dict[str, int] = {"outbox": 0, "jobs": 0}

    def counted(name: str) -> Round:
        def one_round() -> int:
            ran[name] += 1
            return 0

        return one_round

    loops = WorkLoops(
        WorkLoop("outbox", [counted("outbox")], interval=60),
        WorkLoop("jobs", [counted("jobs")], interval=60),
    )
    loops.start()
    try:
        deadline = time.monotonic() + 5
        while min(ran.values()) < 1 and time.monotonic() < deadline:
            time.sleep(0.01)  # each loop's first pass, then both idle for a minute
        before = dict(ran)
        loops.wake("jobs")
        deadline = time.monotonic() + 5
        while ran["jobs"] == before["jobs"] and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.1)
        assert ran["jobs"] == before["jobs"] + 1
        assert ran["outbox"] == before["outbox"]
    finally:
        loops.stop()
