"""The storm stopped by SIGTERM or Ctrl-C: what it started is stopped and its folder removed
(``benchmarks/storm_stopping.py``). Signals sent to this process, with no server started."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest

from benchmarks.storm_stopping import (
    Stopped,
    all_at_once,
    held,
    stopped_by_signals,
    temporary_folder,
)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_removes_the_folder_and_the_handlers_are_put_back(signum: int) -> None:
    before = signal.getsignal(signum)
    made: list[Path] = []
    with pytest.raises(Stopped) as stopped, stopped_by_signals(), temporary_folder("t-") as folder:
        made.append(folder)
        (folder / "serve.log").write_text("a line\n")
        signal.raise_signal(signum)
        pytest.fail("the signal did not stop the body")
    assert stopped.value.signum == signum
    assert not made[0].exists()
    assert signal.getsignal(signum) == before


def test_a_cleanup_under_way_is_finished_before_the_stop_and_a_second_signal_is_ignored() -> None:
    steps: list[str] = []
    with pytest.raises(Stopped), stopped_by_signals():
        try:
            steps.append("storm")
        finally:
            with held():
                signal.raise_signal(signal.SIGTERM)
                steps.append("server stopped")
            steps.append("not reached")
    assert steps == ["storm", "server stopped"]

    unwinding: list[str] = []
    with pytest.raises(Stopped), stopped_by_signals():
        try:
            signal.raise_signal(signal.SIGTERM)
        finally:
            signal.raise_signal(signal.SIGINT)  # a second Ctrl-C while it cleans up
            unwinding.append("folder removed")
    assert unwinding == ["folder removed"]


def test_calls_in_flight_are_not_waited_for() -> None:
    """A paced call may have minutes to go: the stop does not wait for it."""
    release = threading.Event()
    stop = threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGTERM))
    began = time.monotonic()
    try:
        with pytest.raises(Stopped), stopped_by_signals():
            stop.start()
            all_at_once(3, lambda _i: release.wait(30))
    finally:
        release.set()
        stop.cancel()
    assert time.monotonic() - began < 5
