"""Holding a webhook's answer while its caller's recording is transcribed, within limits.

A caller whose recording is being transcribed would hear "one moment", a second's pause and a
redirect. Instead, the webhook first holds its answer for up to ``IVR_TRANSCRIPT_HOLD``
seconds, looking at the call's row every 50 ms; when the transcript is in by then, the caller
hears the read-back at once.

A holding webhook takes a web thread, and threads are what every other caller's webhook
needs. So at most :attr:`HoldSlots.capacity` webhooks of a process hold at once (three
quarters of ``IVR_WEB_THREADS``); a caller who finds every slot taken is answered at once
with "one moment" and the redirect, as after a hold that ran out. Waiting therefore never
leaves a process without a thread to answer a webhook.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

POLL_SECONDS = 0.05  # how often a holding webhook looks at the call's row
HOLDING_SHARE = 0.75  # of a process's web threads, the most that may hold at once


class HoldSlots:
    """The holds of one process: at most ``capacity`` at once, each up to ``seconds``."""

    def __init__(self, capacity: int, seconds: float) -> None:
        self.capacity = max(0, capacity)
        self.seconds = seconds
        self._slots = threading.BoundedSemaphore(self.capacity) if self.capacity else None

    @classmethod
    def for_threads(cls, threads: int, seconds: float) -> HoldSlots:
        return cls(int(threads * HOLDING_SHARE), seconds)

    def hold_until(self, ready: Callable[[], bool]) -> bool:
        """True when ``ready()`` came true within the hold; False when it did not, or when no
        slot was free (the caller then hears "one moment" at once)."""
        if self._slots is None or self.seconds <= 0 or not self._slots.acquire(blocking=False):
            return False
        try:
            deadline = time.monotonic() + self.seconds
            while time.monotonic() < deadline:
                time.sleep(POLL_SECONDS)
                if ready():
                    return True
            return False
        finally:
            self._slots.release()
