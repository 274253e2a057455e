"""A storm stopped by SIGTERM or Ctrl-C (SIGINT) cleans up as a storm that ends does: the
servers it started (``ivr serve``, the bare and floor apps, the media server) are stopped, a
PostgreSQL database it made is dropped, and its temporary folder (``voice311-storm-*``) is
removed.

Python's default for SIGTERM is to die at once, leaving all of that behind; its SIGINT raises
``KeyboardInterrupt`` wherever the main thread is, a cleanup included. Under
:func:`stopped_by_signals` both raise :class:`Stopped` in the main thread instead, so that
every ``with`` and ``finally`` the storm is inside runs; a cleanup the storm runs :func:`held`
is finished before the stop takes effect, and a second signal while the storm unwinds is
ignored.
"""

from __future__ import annotations

import shutil
import signal
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

SIGNALS = (signal.SIGTERM, signal.SIGINT)
T = TypeVar("T")


class Stopped(BaseException):
    """SIGTERM or SIGINT arrived: the storm unwinds (a BaseException, as KeyboardInterrupt is:
    no ``except Exception`` on the way swallows it)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


class _State:
    held = 0  # cleanups under way that a stop must not cut short
    pending: int | None = None  # a signal that came during one
    stopping = False  # Stopped has been raised: the storm is unwinding


_state = _State()


def _on_signal(signum: int, _frame: Any) -> None:
    if _state.stopping:
        return
    if _state.held:
        _state.pending = signum
        return
    _state.stopping = True
    raise Stopped(signum)


@contextmanager
def stopped_by_signals() -> Iterator[None]:
    """SIGTERM and SIGINT raise :class:`Stopped` in the main thread while the body runs; the
    handlers before are put back afterwards."""
    previous = {signum: signal.signal(signum, _on_signal) for signum in SIGNALS}
    _state.held, _state.pending, _state.stopping = 0, None, False
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


@contextmanager
def held() -> Iterator[None]:
    """A cleanup that a stop signal must not cut short (a server being stopped, a folder being
    removed): a signal that comes meanwhile raises :class:`Stopped` once it is done."""
    _state.held += 1
    try:
        yield
    finally:
        _state.held -= 1
        if not _state.held and _state.pending is not None and not _state.stopping:
            _state.stopping = True
            raise Stopped(_state.pending)


@contextmanager
def temporary_folder(prefix: str) -> Iterator[Path]:
    """A new folder in the system's temporary directory, removed afterwards, stopped or not."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield folder
    finally:
        with held():
            shutil.rmtree(folder)


def all_at_once(count: int, work: Callable[[int], T]) -> list[T]:
    """``work(0)`` … ``work(count - 1)``, each on a thread of its own. Stopped, the work in
    flight is not waited for (a paced call may have minutes to go): it ends once the servers
    it talks to are stopped, and the process exits without it (``os._exit``)."""
    pool = ThreadPoolExecutor(max_workers=max(1, count))
    try:
        return list(pool.map(work, range(count)))
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
