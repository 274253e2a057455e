"""Failed log-ins of names that have no account, locked as an account would be.

An account that has had ``FREE_FAILURES`` wrong passwords in a row refuses log-ins for a while
(:func:`ivr.dashboard.accounts.log_in`): its log-in page says "too many failed log-ins" (429).
If a name with no account went on answering "wrong user name or password" (401), a guesser
could tell the names that exist from those that do not by trying each one six times. So the
staff pages keep the same count for names with no account, and lock them on the same schedule
(:func:`ivr.dashboard.accounts.locked_until`): both kinds of name answer alike, try after try.

Kept in this process's memory: nothing is written to the store for a name that does not exist.
With several web processes each keeps its own count, so such a name locks a few tries later
than an account would when its tries are spread over them. At most :data:`MAX_NAMES` names
are kept, the one that failed longest ago forgotten first; a forgotten name starts again from
nothing.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from ivr.dashboard.accounts import locked_until

MAX_NAMES = 10_000
NAME_CHARS = 64  # no account name is longer


@dataclass
class _Failures:
    count: int = 0
    locked_until: datetime | None = None


class UnknownNameLocks:
    def __init__(self) -> None:
        self._names: OrderedDict[str, _Failures] = OrderedDict()
        self._lock = threading.Lock()

    def refuse(self, username: str, now: datetime) -> bool:
        """A failed log-in of ``username``, a name with no account: True while the name is
        locked (the try is refused and not counted, as an account's is); otherwise the failure
        is counted (locking the name from the ``FREE_FAILURES``-th) and False."""
        name = username[:NAME_CHARS]
        with self._lock:
            failures = self._names.pop(name, None) or _Failures()
            self._names[name] = failures  # the latest failure last: the oldest forgotten first
            if len(self._names) > MAX_NAMES:
                self._names.popitem(last=False)
            if failures.locked_until is not None and failures.locked_until > now:
                return True
            failures.count += 1
            failures.locked_until = locked_until(failures.count, now)
            return False
