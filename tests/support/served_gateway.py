"""`ivr serve` in a subprocess whose output the test reads and which the test stops as Docker
does (SIGTERM to the master alone); :func:`tests.support.serve_process.running_serve` is the
same for a test that needs only the URL.

The output (standard error and standard output, which `ivr serve` leaves empty) goes to a file,
so a test reads every line written so far without racing the server for a pipe.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest


@dataclass
class ServedGateway:
    base: str
    process: subprocess.Popen[bytes]
    output: Path

    def lines(self) -> list[str]:
        """The whole lines written so far (a line being written is left for the next read)."""
        return self.output.read_text(encoding="utf-8").split("\n")[:-1]

    def entries(self) -> list[dict[str, Any]]:
        """Every line of output, read as JSON (a line that is not JSON fails the test)."""
        return [json.loads(line) for line in self.lines()]

    def wait_for_line(self, test: Any, seconds: float = 10) -> dict[str, Any]:
        """The first JSON line ``test`` accepts, waiting up to ``seconds`` for it."""
        deadline = time.monotonic() + seconds
        while True:
            for entry in self.entries():
                if test(entry):
                    return entry
            if time.monotonic() > deadline:
                pytest.fail("the expected log line did not come")
            time.sleep(0.1)

    def processes_left(self) -> bool:
        """Whether any process of the server's process group (the master, its web processes,
        its recognition workers) still runs."""
        try:
            os.killpg(self.process.pid, 0)
        except ProcessLookupError:
            return False
        return True


def gateway_env(port: int, **settings: str) -> dict[str, str]:
    """This environment without its ``IVR_`` settings, serving on ``port`` with ``settings``
    (``recognition_workers="0"`` → ``IVR_RECOGNITION_WORKERS=0``)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("IVR_")}
    env["IVR_MODELS_DIR"] = os.environ.get("IVR_MODELS_DIR", "")
    env["IVR_PORT"] = str(port)
    env |= {f"IVR_{name.upper()}": value for name, value in settings.items()}
    return {k: v for k, v in env.items() if v != ""}


@contextmanager
def served(
    workdir: Path, port: int, env: Mapping[str, str], args: Sequence[str] = ()
) -> Iterator[ServedGateway]:
    """`ivr serve` on ``port``, once `/healthz` answers; SIGKILL to its whole process group at
    the end (whatever the test did before). Its temporary files (the metrics shared by its
    processes, its workers' warm-up notes) go under ``workdir`` unless ``env`` names a
    ``TMPDIR``: a process killed outright removes none of them, and pytest removes
    ``workdir`` with its other old temporary folders, so no test run leaves them in /tmp."""
    output = workdir / f"serve-{port}.log"
    temporary = workdir / f"serve-{port}-tmp"
    temporary.mkdir(exist_ok=True)
    with output.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "ivr", "serve", *args],
            cwd=workdir,
            env={"TMPDIR": str(temporary), **env},
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    gateway = ServedGateway(f"http://127.0.0.1:{port}", process, output)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"ivr serve exited with {process.returncode}:\n{output.read_text()}")
            try:
                if httpx.get(f"{gateway.base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            pytest.fail("ivr serve did not answer within 120 s")
        yield gateway
    finally:
        if gateway.processes_left():
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
