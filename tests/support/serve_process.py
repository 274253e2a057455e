"""`ivr serve` as a city runs it, in a subprocess: started in a working folder with the given
environment, waited for until `/healthz` answers, and stopped at the end."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_serve(
    workdir: Path, port: int, env: Mapping[str, str], *, workers: int = 1
) -> Iterator[str]:
    """The base URL of `ivr serve --workers WORKERS` on ``port``; ``env`` is its whole
    environment. The server and its children are stopped together at the end (SIGKILL to the
    process group: a test does not wait out the graceful timeout of streams it left open)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "ivr", "serve", "--workers", str(workers)],
        cwd=workdir,
        env=dict(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if process.poll() is not None:
                output = process.stdout.read().decode() if process.stdout else ""
                pytest.fail(f"ivr serve exited with {process.returncode}:\n{output}")
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            pytest.fail("ivr serve did not answer within 120 s")
        yield base
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
