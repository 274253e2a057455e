"""A round of leased work that looks for due work at most once per period.

The housekeeping loop idles between passes; a sweep that found nothing need not look again
for a while (a stale call is minutes old, retention is counted in days), but a sweep that did
a batch looks again at once for the next one. The period runs on the monotonic clock of the
process, so a test's fixed clock for the store's times does not stop the sweeps.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from ivr.leases import Round


class Paced:
    """Runs ``round`` when called, unless its last run found nothing less than ``every``
    seconds ago; how much it did (0 when it did not run)."""

    def __init__(
        self,
        round: Round,
        every: float,
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._round = round
        self._every = every
        self._monotonic = monotonic
        self._next = float("-inf")
        self._lock = threading.Lock()

    def __call__(self) -> int:
        with self._lock:
            now = self._monotonic()
            if now < self._next:
                return 0
            self._next = now + self._every  # one thread of the process runs it at a time
        done = self._round()
        if done:
            with self._lock:
                self._next = float("-inf")
        return done
