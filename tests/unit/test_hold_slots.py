"""A webhook holds for a transcript only while a hold slot is free: the others are answered at
once ("one moment"), so waiting callers never take every web thread."""

from __future__ import annotations

import threading

from ivr.webhooks.holding import HoldSlots


def test_a_hold_ends_when_the_transcript_is_in() -> None:
    answers = iter([False, False, True])
    assert HoldSlots(2, seconds=5).hold_until(lambda: next(answers))


def test_with_every_slot_taken_the_next_caller_is_answered_at_once() -> None:
    slots = HoldSlots(1, seconds=5)
    release, holding = threading.Event(), threading.Event()

    def first_caller() -> bool:
        holding.set()
        return release.is_set()

    holder = threading.Thread(target=slots.hold_until, args=(first_caller,))
    holder.start()
    assert holding.wait(5)
    asked: list[bool] = []
    assert not slots.hold_until(lambda: asked.append(True) or True)
    assert asked == []  # not held at all: answered at once
    release.set()
    holder.join(5)
    assert slots.hold_until(lambda: True)  # the slot is free again


def test_three_quarters_of_the_threads_may_hold() -> None:
    assert HoldSlots.for_threads(32, 1.5).capacity == 24
    assert not HoldSlots.for_threads(1, 1.5).hold_until(lambda: True)  # no slot: never holds


def test_no_hold_when_the_setting_is_zero() -> None:
    assert not HoldSlots(4, seconds=0).hold_until(lambda: True)
