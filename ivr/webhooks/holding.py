"""Holding a webhook's answer while its caller's recording is transcribed, within limits.

A caller whose recording is being transcribed would hear "one moment", a second's pause and a
redirect. Instead, the webhook first holds its answer for up to ``IVR_TRANSCRIPT_HOLD``
seconds; when the transcript is in by then, the caller hears the read-back at once.

Waiting must cost nothing scarce:

- **Threads.** A holding webhook takes a web thread, and threads are what every other
  caller's webhook needs. So at most :attr:`HoldSlots.capacity` webhooks of a process hold at
  once (three quarters of ``IVR_WEB_THREADS``); a caller who finds every slot taken is
  answered at once with "one moment" and the redirect, as after a hold that ran out.
- **Database reads and CPU.** The holders do not each poll the call's row: one watcher thread
  of the process asks, every 50 ms, which of the held calls still wait (one query for all of
  them, which reads their pending slots, not their whole state) and wakes the holders whose
  result is in. Twenty callers waiting cost 20 queries a second, not 400. The watcher asks
  only while someone holds.
- **Time.** A job of milliseconds (the duplicate search) is run by this process's own job
  threads, which say so when its result is in (:meth:`HoldSlots.look_now`): the watcher then
  looks at once instead of at its next tick, and so it does when a hold begins (the result may
  be in already). A held caller waits for the job, not for the watcher's 50 ms; the period is
  left for what another process does (a transcript, from a recognition worker). The watcher
  stays for ``IDLE_SECONDS`` after the last hold, so a busy line does not start a thread for
  each.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)

POLL_SECONDS = 0.05  # how often the watcher looks at the held calls' rows
IDLE_SECONDS = 10.0  # how long the watcher outlives the last hold (a storm holds every second)
HOLDING_SHARE = 0.75  # of a process's web threads, the most that may hold at once

StillWaiting = Callable[[frozenset[str]], set[str]]  # of these calls, those still waiting


class HoldSlots:
    """The holds of one process: at most ``capacity`` at once, each up to ``seconds``, woken
    when ``still_waiting`` no longer names their call."""

    def __init__(self, capacity: int, seconds: float, still_waiting: StillWaiting) -> None:
        self.capacity = max(0, capacity)
        self.seconds = seconds
        self._still_waiting = still_waiting
        self._slots = threading.BoundedSemaphore(self.capacity) if self.capacity else None
        self._lock = threading.Lock()
        self._held: dict[str, list[threading.Event]] = {}
        self._watcher: threading.Thread | None = None
        self._look = threading.Event()  # set: the watcher looks now, not at its next tick

    @classmethod
    def for_threads(cls, threads: int, seconds: float, still_waiting: StillWaiting) -> HoldSlots:
        return cls(int(threads * HOLDING_SHARE), seconds, still_waiting)

    def hold(self, call_sid: str) -> bool:
        """True when the call's result came in within the hold; False when it did not, or
        when no slot was free (the caller then hears "one moment" at once)."""
        if self._slots is None or self.seconds <= 0 or not self._slots.acquire(blocking=False):
            return False
        ready = threading.Event()
        try:
            with self._lock:
                self._held.setdefault(call_sid, []).append(ready)
                if self._watcher is None:
                    self._watcher = threading.Thread(
                        target=self._watch, name="voice311-hold-watcher", daemon=True
                    )
                    self._watcher.start()
            self._look.set()  # the result may be in already
            return ready.wait(self.seconds)
        finally:
            with self._lock:
                waiting = self._held.get(call_sid, [])
                if ready in waiting:
                    waiting.remove(ready)
                if not waiting:
                    self._held.pop(call_sid, None)
            self._slots.release()

    def look_now(self) -> None:
        """A result came in (a job of this process ran): the watcher looks at once."""
        self._look.set()

    def _watch(self) -> None:
        held = True  # started by a hold
        while True:
            looked = self._look.wait(POLL_SECONDS if held else IDLE_SECONDS)
            self._look.clear()
            with self._lock:
                calls = frozenset(self._held)
                if not calls and not held and not looked:
                    self._watcher = None  # no hold for IDLE_SECONDS: the next one starts one
                    return
            held = bool(calls)
            if not held:
                continue
            try:
                still = self._still_waiting(calls)
            except Exception:  # the store briefly unreachable: the holds run out, as they may
                log.exception("the held calls could not be looked at")
                continue
            with self._lock:
                for call_sid in calls - still:
                    for ready in self._held.get(call_sid, ()):
                        ready.set()
