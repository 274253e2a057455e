"""A cap on the event streams one process holds open at once.

Each open stream holds one of the server's threads for as long as the client stays connected
(``ivr serve`` runs gunicorn's gthread workers with 8 threads each), so streams beyond the cap
are refused (503 with ``Retry-After``) before they can starve webhooks of threads. The count is
per process: a server with N worker processes holds at most N × the cap. A process that is
stopping (:data:`ivr.stopping.process_stopping`) opens no new stream.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from ivr.stopping import process_stopping


@dataclass
class StreamSlots:
    """At most ``limit`` slots taken at once; thread-safe."""

    limit: int
    _taken: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self) -> Slot | None:
        """A slot, or None when all are taken or the process is stopping."""
        if process_stopping.is_set():
            return None
        with self._lock:
            if self._taken >= self.limit:
                return None
            self._taken += 1
        return Slot(self)

    @property
    def taken(self) -> int:
        with self._lock:
            return self._taken

    def _give_back(self) -> None:
        with self._lock:
            self._taken -= 1


class Slot:
    """One taken slot; :meth:`release` gives it back once, however often it is called."""

    def __init__(self, slots: StreamSlots) -> None:
        self._slots = slots
        self._released = False
        self._lock = threading.Lock()

    def release(self) -> None:
        with self._lock:
            if self._released:
                return
            self._released = True
        self._slots._give_back()
