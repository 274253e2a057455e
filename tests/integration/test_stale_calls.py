"""Ghost calls: a call whose status callback never came is ended by the housekeeping loop's
sweep, as the status callback would have ended it: its number erased, shown as ended to staff.
A call still talking to the gateway, and a caller waiting for or talking with staff, are left
alone. On both databases."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from ivr.dashboard.call_view import live_calls, mask_number
from ivr.dialog.events import Event
from ivr.dialog.staff import TO_STAFF, WITH_STAFF, StaffLink
from ivr.dialog.state import CallState
from ivr.housekeeping.stale_calls import end_stale_calls
from ivr.runtime import Runtime
from ivr.settings import Settings
from ivr.store.call_tables import CallRecord
from ivr.webhooks.call_rows import ABANDONED, IN_PROGRESS, SWEPT

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
CALLER = "+16175550123"


class Clock:
    """The gateway's clock, moved by the test."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def gateway(migrated_url: str, clock: Clock) -> Iterator[Runtime]:
    rt = Runtime(Settings(database_url=migrated_url, recognizer="twilio"), clock=clock)
    yield rt
    rt.engine.dispose()


def housekeeping(rt: Runtime) -> int:
    """One pass of the process's housekeeping loop, as ``ivr worker`` runs it."""
    (loop,) = [loop for loop in rt.work.loops if loop.name == "housekeeping"]
    return loop.run_once()


def call_in(rt: Runtime, sid: str) -> None:
    rt.desk.advance(sid, Event.start(at=rt.clock()), caller=CALLER)


def row(rt: Runtime, sid: str) -> CallRecord:
    with rt.sessions() as session:
        found = session.get(CallRecord, sid)
        assert found is not None
        return found


def with_staff(status: str):  # type: ignore[no-untyped-def]
    def change(state: CallState) -> CallState:
        return dataclasses.replace(state, staff=StaffLink(status=status, via="number"))

    return change


def test_a_ghost_call_is_ended_by_one_sweep_and_its_number_erased(
    gateway: Runtime, clock: Clock
) -> None:
    call_in(gateway, "CAghost")
    gateway.desk.amend(
        "CAghost", lambda s: dataclasses.replace(s, service_code="pothole", slots={"x": "said"})
    )
    clock.now += timedelta(minutes=5)
    call_in(gateway, "CAfresh")  # a caller on the line, heard 26 minutes before the sweep
    clock.now += timedelta(minutes=26)

    assert housekeeping(gateway) == 1

    ghost = row(gateway, "CAghost")
    assert (ghost.status, ghost.caller_number) == (ABANDONED, None)
    assert ghost.ended_at is not None
    state = CallState.from_dict(ghost.state)
    assert state.ended and state.end_reason == SWEPT
    # What the caller had given is kept as at any hang-up.
    assert state.service_code == "pothole" and state.slots == {"x": "said"}
    fresh = row(gateway, "CAfresh")
    assert (fresh.status, fresh.caller_number) == (IN_PROGRESS, CALLER)

    with gateway.sessions() as session:
        shown = {line.call_sid: line for line in live_calls(session, clock.now)}
    assert not shown["CAghost"].live and shown["CAghost"].caller == mask_number(None)
    assert shown["CAghost"].seconds == 0  # its length up to its last webhook, not the sweep
    assert shown["CAfresh"].live


def test_a_status_callback_after_the_sweep_changes_nothing(gateway: Runtime, clock: Clock) -> None:
    call_in(gateway, "CAlate")
    clock.now += timedelta(minutes=31)
    housekeeping(gateway)
    before = row(gateway, "CAlate")

    clock.now += timedelta(minutes=1)
    gateway.desk.advance("CAlate", Event.hangup(at=clock.now))

    after = row(gateway, "CAlate")
    assert (after.status, after.ended_at, after.state) == (
        before.status,
        before.ended_at,
        before.state,
    )
    assert housekeeping(gateway) == 0


def test_a_call_ended_by_its_status_callback_is_not_swept(gateway: Runtime, clock: Clock) -> None:
    call_in(gateway, "CAended")
    gateway.desk.advance("CAended", Event.hangup(at=clock.now))
    clock.now += timedelta(hours=2)

    assert housekeeping(gateway) == 0
    assert CallState.from_dict(row(gateway, "CAended").state).end_reason == "caller hung up"


@pytest.mark.parametrize("status", [TO_STAFF, WITH_STAFF])
def test_a_caller_with_staff_is_left_alone_until_no_call_could_still_last(
    gateway: Runtime, clock: Clock, status: str
) -> None:
    call_in(gateway, "CAstaff")
    gateway.desk.amend("CAstaff", with_staff(status))

    clock.now += timedelta(hours=3)  # a long wait in the queue, a long talk with a person
    assert housekeeping(gateway) == 0
    assert row(gateway, "CAstaff").caller_number == CALLER

    clock.now += timedelta(hours=21, minutes=1)  # a day without a word: Twilio has ended it
    assert (
        end_stale_calls(
            gateway.sessions, gateway.desk, silence=timedelta(minutes=30), clock=clock
        ).ended
        == 1
    )
    assert row(gateway, "CAstaff").caller_number is None


def test_two_sweepers_at_once_end_each_ghost_call_once(
    migrated_url: str, gateway: Runtime, clock: Clock
) -> None:
    sids = [f"CAmany{n:02d}" for n in range(12)]
    for sid in sids:
        call_in(gateway, sid)
    clock.now += timedelta(minutes=45)
    other = Runtime(Settings(database_url=migrated_url, recognizer="twilio"), clock=clock)
    ended: list[int] = []
    start = threading.Barrier(2)

    def sweep(rt: Runtime) -> None:
        start.wait()
        counts = end_stale_calls(rt.sessions, rt.desk, silence=timedelta(minutes=30), clock=clock)
        ended.append(counts.ended)

    try:
        threads = [threading.Thread(target=sweep, args=(rt,)) for rt in (gateway, other)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    finally:
        other.engine.dispose()

    assert sum(ended) == len(sids)
    with gateway.sessions() as session:
        statuses = session.scalars(select(CallRecord.status).where(CallRecord.call_sid.in_(sids)))
        assert set(statuses) == {ABANDONED}
