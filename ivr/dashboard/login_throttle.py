"""Failed log-ins counted per client address, in this process.

The store locks an account after repeated wrong passwords (``accounts.log_in``); this counts
failures from one address across any user names, so that trying many names is slowed down
too. It is per process: with several processes an address gets that many more tries, which
still bounds guessing.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from datetime import datetime, timedelta

MAX_FAILURES = 20
WINDOW = timedelta(minutes=10)
MAX_ADDRESSES = 10_000


class AddressThrottle:
    def __init__(
        self,
        clock: Callable[[], datetime],
        *,
        max_failures: int = MAX_FAILURES,
        window: timedelta = WINDOW,
    ) -> None:
        self._clock = clock
        self._max = max_failures
        self._window = window
        self._failures: dict[str, deque[datetime]] = {}
        self._lock = threading.Lock()

    def allowed(self, address: str) -> bool:
        """False while ``address`` has had too many failures within the window."""
        with self._lock:
            recent = self._recent(address)
            return len(recent) < self._max

    def failed(self, address: str) -> None:
        with self._lock:
            if address not in self._failures and len(self._failures) >= MAX_ADDRESSES:
                self._failures.clear()  # a flood of addresses: start counting afresh
            self._recent(address).append(self._clock())

    def _recent(self, address: str) -> deque[datetime]:
        times = self._failures.setdefault(address, deque())
        oldest = self._clock() - self._window
        while times and times[0] < oldest:
            times.popleft()
        return times
