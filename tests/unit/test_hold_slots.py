"""A webhook holds for a transcript only while a hold slot is free: the others are answered at
once ("one moment"), so waiting callers never take every web thread. One watcher asks about
every held call at once, and wakes each holder whose result is in."""

from __future__ import annotations

import threading

import pytest

from ivr.webhooks import holding
from ivr.webhooks.holding import HoldSlots


class Calls:
    """The store's answer to "which of these calls still wait?", changed by the test."""

    def __init__(self, *waiting: str) -> None:
        self.waiting = set(waiting)
        self.asked: list[frozenset[str]] = []

    def __call__(self, calls: frozenset[str]) -> set[str]:
        self.asked.append(calls)
        return calls & self.waiting


def test_a_hold_ends_when_the_transcript_is_in() -> None:
    calls = Calls()
    assert HoldSlots(2, seconds=5, still_waiting=calls).hold("CA1")
    assert calls.asked and all(asked == {"CA1"} for asked in calls.asked)


def test_a_hold_runs_out_while_the_call_still_waits() -> None:
    assert not HoldSlots(2, seconds=0.2, still_waiting=Calls("CA1")).hold("CA1")


def test_with_every_slot_taken_the_next_caller_is_answered_at_once() -> None:
    calls = Calls("CA1", "CA2")
    slots = HoldSlots(1, seconds=10, still_waiting=calls)
    first = threading.Thread(target=slots.hold, args=("CA1",))
    first.start()
    while not calls.asked:  # the first caller holds
        threading.Event().wait(0.01)
    assert not slots.hold("CA2")  # answered at once: the only slot is taken
    assert all("CA2" not in asked for asked in calls.asked)
    calls.waiting.clear()  # the first caller's transcript comes in
    first.join(5)
    assert not first.is_alive()
    assert slots.hold("CA2")  # the slot is free again


def test_one_question_covers_every_held_call() -> None:
    calls = Calls("CA1", "CA2", "CA3")
    slots = HoldSlots(3, seconds=10, still_waiting=calls)
    holders = [threading.Thread(target=slots.hold, args=(sid,)) for sid in ("CA1", "CA2", "CA3")]
    for holder in holders:
        holder.start()
    while not any(len(asked) == 3 for asked in calls.asked):
        threading.Event().wait(0.01)
    calls.waiting.clear()
    for holder in holders:
        holder.join(5)
        assert not holder.is_alive()
    assert frozenset({"CA1", "CA2", "CA3"}) in calls.asked


def test_a_result_in_before_the_hold_begins_ends_it_at_the_first_look(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The duplicate search may be done before its caller's webhook begins to hold: the
    watcher looks at once, not after its period (here longer than the hold itself)."""
    monkeypatch.setattr(holding, "POLL_SECONDS", 60.0)
    assert HoldSlots(2, seconds=10, still_waiting=Calls()).hold("CA1")


def test_a_job_of_this_process_wakes_its_holder_without_waiting_for_the_watcher(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(holding, "POLL_SECONDS", 60.0)
    calls = Calls("CA1")
    slots = HoldSlots(2, seconds=30, still_waiting=calls)
    held: list[bool] = []
    holder = threading.Thread(target=lambda: held.append(slots.hold("CA1")))
    holder.start()
    while not calls.asked:  # the first look, as the hold began: still waiting
        threading.Event().wait(0.01)
    calls.waiting.clear()  # the job's result is applied to the call ...
    slots.look_now()  # ... and the job thread says so
    holder.join(10)
    assert not holder.is_alive() and held == [True]


def watchers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "voice311-hold-watcher"]


def test_the_watcher_stays_for_the_next_hold_and_ends_when_no_one_holds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A busy line does not start a thread for each hold; a quiet one keeps none."""
    monkeypatch.setattr(holding, "IDLE_SECONDS", 0.5)
    before = set(watchers())
    slots = HoldSlots(2, seconds=5, still_waiting=Calls())
    assert slots.hold("CA1")
    started = set(watchers()) - before
    assert len(started) == 1
    assert slots.hold("CA2")  # the next hold, after the first ended
    assert set(watchers()) - before == started
    (watcher,) = started
    watcher.join(5)
    assert not watcher.is_alive()
    assert slots.hold("CA3")  # a hold after the watcher ended starts another


def test_three_quarters_of_the_threads_may_hold() -> None:
    assert HoldSlots.for_threads(32, 1.5, Calls()).capacity == 24
    assert not HoldSlots.for_threads(1, 1.5, Calls()).hold("CA1")  # no slot: never holds


def test_no_hold_when_the_setting_is_zero() -> None:
    assert not HoldSlots(4, seconds=0, still_waiting=Calls()).hold("CA1")
