"""The recognition worker processes ``ivr serve`` starts beside its web process, and keeps.

Decoding is CPU-bound and PocketSphinx's binding holds the GIL while it decodes, so a web
process that decoded would keep its own webhooks waiting. ``ivr serve`` therefore starts
``IVR_RECOGNITION_WORKERS`` processes (one per core by default), each ``ivr worker
--recognition``: one thread that claims recognition jobs from the jobs table, on the same
store and settings (the same environment). A worker that exits is started again after a
back-off that doubles up to a minute, so a model that cannot load does not spin a core; the
log says why it stopped. When ``ivr serve`` stops, its workers are stopped with it (SIGTERM,
then SIGKILL after ten seconds); on Linux a worker also gets SIGTERM if the server dies without
stopping it.

Workers run at a lower scheduling priority (``nice`` 10) than the web process: a webhook is
a caller waiting on a 15 s deadline, a decode is a caller waiting on a read-back, and the
webhooks take a few milliseconds of CPU each.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence

from ivr.metrics.multiprocess import mark_dead

log = logging.getLogger(__name__)

NICENESS = 10
STOP_SECONDS = 10.0
RESTART_SECONDS = (1.0, 60.0)  # the first restart's back-off, and its cap
_PR_SET_PDEATHSIG = 1


def worker_command() -> list[str]:
    """The command of one recognition worker: this interpreter, this package, this process as
    its server."""
    return [
        sys.executable,
        "-m",
        "ivr",
        "worker",
        "--recognition",
        "--server-pid",
        str(os.getpid()),
    ]


class RecognitionWorkers:
    """``count`` copies of ``command``, started, watched and restarted, then stopped."""

    def __init__(self, count: int, command: Sequence[str] | None = None) -> None:
        self.count = count
        self.command = list(command or worker_command())
        self._processes: list[subprocess.Popen[bytes] | None] = [None] * count
        self._stopping = threading.Event()
        self._watcher: threading.Thread | None = None

    def start(self) -> None:
        if self.count <= 0 or self._watcher is not None:
            return
        for slot in range(self.count):
            self._processes[slot] = self._spawn()
        self._watcher = threading.Thread(
            target=self._watch, name="voice311-recognition-workers", daemon=True
        )
        self._watcher.start()
        log.info("recognition workers started", extra={"workers": self.count})

    def pids(self) -> list[int]:
        return [process.pid for process in self._processes if process is not None]

    def stop(self) -> None:
        """Stop every worker: SIGTERM (it finishes the job in hand), SIGKILL if it lingers."""
        self._stopping.set()
        running = [p for p in self._processes if p is not None and p.poll() is None]
        for process in running:
            process.terminate()
        deadline = time.monotonic() + STOP_SECONDS
        for process in running:
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self._watcher is not None:
            self._watcher.join(2.0)
            self._watcher = None

    def _spawn(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen(self.command)

    def _watch(self) -> None:
        backoff = [RESTART_SECONDS[0]] * self.count
        while not self._stopping.wait(0.5):
            for slot, process in enumerate(self._processes):
                if process is None or process.poll() is None:
                    continue
                log.warning(
                    "a recognition worker stopped; starting it again",
                    extra={"exit_code": process.returncode, "after_seconds": backoff[slot]},
                )
                mark_dead(process.pid)  # its metrics' live values no longer count
                if self._stopping.wait(backoff[slot]):
                    return
                backoff[slot] = min(RESTART_SECONDS[1], backoff[slot] * 2)
                self._processes[slot] = self._spawn()


def become_recognition_worker(server_pid: int) -> None:
    """Called first thing in a worker: lower its priority; on Linux, ask for SIGTERM when the
    server that started it (``server_pid``) dies, so no worker outlives a killed server."""
    os.nice(NICENESS)
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:  # not Linux: the server's own stop still stops the worker
        return
    if os.getppid() != server_pid:  # the server died before the request was made
        os.kill(os.getpid(), signal.SIGTERM)
