"""``ivr worker`` processes kept running: a pool that restarts any worker that dies, and kills
the worker holding a given TCP connection with SIGKILL (found through ``/proc``, Linux only)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Mapping
from pathlib import Path


class WorkerPool:
    def __init__(self, size: int, env: Mapping[str, str], log_dir: Path) -> None:
        self.size = size
        self.env = dict(env)
        self.log_dir = log_dir
        self.kills = 0
        self.restarts = 0
        self._workers: list[subprocess.Popen[bytes]] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._watcher = threading.Thread(target=self._watch, daemon=True)
        self._spawned = 0

    def start(self) -> None:
        with self._lock:
            self._workers = [self._spawn() for _ in range(self.size)]
        self._watcher.start()

    def stop(self) -> None:
        self._stop.set()
        self._watcher.join(5)
        with self._lock:
            for worker in self._workers:
                worker.terminate()
            for worker in self._workers:
                try:
                    worker.wait(10)
                except subprocess.TimeoutExpired:
                    worker.kill()
                    worker.wait()

    def kill_client_of(self, port: int) -> bool:
        """SIGKILL the worker whose socket has local ``port``; False if none of ours has it."""
        with self._lock:
            pids = [w.pid for w in self._workers if w.poll() is None]
            pid = pid_holding_port(port, pids)
            if pid is None:
                return False
            os.kill(pid, signal.SIGKILL)
            self.kills += 1
            return True

    def _spawn(self) -> subprocess.Popen[bytes]:
        self._spawned += 1
        log = open(self.log_dir / f"worker-{self._spawned}.log", "wb")  # noqa: SIM115
        return subprocess.Popen(
            [sys.executable, "-m", "ivr", "worker", "--interval", "0.1"],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def _watch(self) -> None:
        while not self._stop.wait(0.1):
            with self._lock:
                for index, worker in enumerate(self._workers):
                    if worker.poll() is not None:
                        self._workers[index] = self._spawn()
                        self.restarts += 1


def pid_holding_port(port: int, pids: list[int]) -> int | None:
    """Which of ``pids`` has a TCP socket whose local port is ``port``."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(f"socket:[{fields[9]}]")
    for pid in pids:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}") in inodes:
                    return pid
            except OSError:
                continue
    return None
