"""Failed log-ins counted per client address, in this process, without locking out bystanders.

The store locks an account after repeated wrong passwords (``accounts.log_in``), in every
process: that bounds guessing one account's password. This bounds an address that tries many
names (one password against every account). Behind a proxy every person comes from the
proxy's address, so refusing the whole address would let anyone lock every agent out; instead,
once an address has had ``max_failures`` failures within ``window``, it is refused only for the
names that have themselves failed from it within the window. A name nobody has got wrong from
there still logs in; a guesser gets at most one try per name per window beyond the bound.

Counted per process: with several processes an address gets that many more tries, which still
bounds guessing. Memory is bounded: the failure times kept per address are at most
``max_failures``, the names per address at most ``MAX_NAMES`` (the oldest forgotten first), and
the addresses at most ``MAX_ADDRESSES`` (a flood of addresses starts the count afresh).
"""

from __future__ import annotations

import threading
from collections import OrderedDict, deque
from collections.abc import Callable
from datetime import datetime, timedelta

MAX_FAILURES = 100
WINDOW = timedelta(minutes=10)
MAX_NAMES = 1_000
NAME_CHARS = 64  # no account name is longer; a longer one is kept only this long
MAX_ADDRESSES = 10_000


class _AddressFailures:
    """The recent failures of one address: their times, and when each name last failed."""

    def __init__(self, max_failures: int) -> None:
        self.times: deque[datetime] = deque(maxlen=max_failures)
        self.names: OrderedDict[str, datetime] = OrderedDict()

    def forget_before(self, oldest: datetime) -> None:
        while self.times and self.times[0] < oldest:
            self.times.popleft()
        while self.names and next(iter(self.names.values())) < oldest:
            self.names.popitem(last=False)


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
        self._failures: dict[str, _AddressFailures] = {}
        self._lock = threading.Lock()

    def allowed(self, address: str, username: str) -> bool:
        """False while ``address`` is over its bound and ``username`` failed from it lately."""
        with self._lock:
            failures = self._recent(address)
            if failures is None or len(failures.times) < self._max:
                return True
            return username[:NAME_CHARS] not in failures.names

    def failed(self, address: str, username: str) -> None:
        with self._lock:
            failures = self._recent(address)
            if failures is None:
                if len(self._failures) >= MAX_ADDRESSES:
                    self._failures.clear()
                failures = self._failures[address] = _AddressFailures(self._max)
            now = self._clock()
            username = username[:NAME_CHARS]
            failures.times.append(now)
            failures.names.pop(username, None)
            failures.names[username] = now  # newest last, so the oldest is forgotten first
            if len(failures.names) > MAX_NAMES:
                failures.names.popitem(last=False)

    def _recent(self, address: str) -> _AddressFailures | None:
        failures = self._failures.get(address)
        if failures is None:
            return None
        failures.forget_before(self._clock() - self._window)
        if not failures.times:
            del self._failures[address]
            return None
        return failures
