"""How the recognition workers ``ivr serve`` starts tell its web processes they are warm.

A recognition worker (:mod:`ivr.jobs.processes`) loads its models for tens of seconds after it
starts; a web process can answer every webhook meanwhile, but a caller's recording would wait.
Readiness therefore waits until at least one recognition worker has loaded its models.

The announcement is a file: ``ivr serve`` makes a private directory and names it in
``VOICE311_RECOGNITION_READY_DIR`` (with the number of workers it starts in a file
``expected``) before it starts any process, so its web workers and recognition workers
inherit it. A recognition worker whose warm-up succeeded writes ``<pid>.warm``; a web process
counts the files whose process is still alive. A file (rather than a row in the database):

- the workers run on the web process's own machine, started by the same ``ivr serve``;
- a worker killed without a word (SIGKILL, a crash in a model) leaves a file whose process is
  gone, which is not counted: no lease or heartbeat to time out, no write every few seconds;
- the directory is new at every start, so nothing of an earlier run counts;
- it needs no table, and readiness stays a read of a few files, not a query.

``ivr worker --recognition`` processes on other machines are not started by ``ivr serve``;
there (``IVR_RECOGNITION_WORKERS=0``) and with Twilio's speech, nothing is awaited.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ivr.stopping import remove_when_this_process_exits

log = logging.getLogger(__name__)

ENVIRONMENT = "VOICE311_RECOGNITION_READY_DIR"
EXPECTED = "expected"
SUFFIX = ".warm"


@dataclass(frozen=True)
class Warmth:
    """How many of the recognition workers ``ivr serve`` started have loaded their models."""

    warm: int
    expected: int

    @property
    def ready(self) -> bool:
        return self.warm >= 1


def expect_workers(count: int) -> Path | None:
    """Called by ``ivr serve`` before it starts any process: make the directory the
    ``count`` recognition workers announce themselves in (removed at exit). None, and nothing
    awaited, when it starts none."""
    os.environ.pop(ENVIRONMENT, None)
    if count <= 0:
        return None
    directory = Path(tempfile.mkdtemp(prefix="voice311-recognition-"))  # mode 0700
    remove_when_this_process_exits(directory)
    (directory / EXPECTED).write_text(str(count), encoding="ascii")
    os.environ[ENVIRONMENT] = str(directory)
    return directory


def awaited_directory() -> Path | None:
    """The directory this process's ``ivr serve`` awaits its recognition workers in."""
    given = os.environ.get(ENVIRONMENT, "")
    return Path(given) if given else None


def warmth(directory: Path) -> Warmth:
    """How many workers have announced themselves warm and are still alive."""
    try:
        expected = int((directory / EXPECTED).read_text(encoding="ascii"))
    except (OSError, ValueError):
        expected = 0
    warm = 0
    for announcement in directory.glob(f"*{SUFFIX}"):
        pid = announcement.name.removesuffix(SUFFIX)
        if pid.isdigit() and _alive(int(pid)):
            warm += 1
    return Warmth(warm, expected)


def announce_warm(directory: Path, details: Mapping[str, Any] | None = None) -> Path:
    """This worker's models are loaded: write ``<pid>.warm`` (whole, by a rename), and remove
    it when the worker exits normally (a worker killed outright is recognised by its pid)."""
    pid = os.getpid()
    final = directory / f"{pid}{SUFFIX}"
    partial = directory / f".{pid}.partial"
    partial.write_text(json.dumps({"pid": pid, **(details or {})}), encoding="utf-8")
    partial.replace(final)
    remove_when_this_process_exits(final)
    log.info("recognition worker warm", extra={"pid": pid})
    return final


def warm_up_and_announce(handlers: Mapping[str, Any]) -> threading.Thread | None:
    """In a recognition worker: ready the recogniser of ``handlers["transcribe"]`` on a thread
    of its own (jobs that come sooner wait for the load, as ever), then announce this worker
    warm if ``ivr serve`` awaits it. A warm-up that failed announces nothing: the gateway is
    not ready, and the log has said why."""
    from ivr.recordings.transcription import Transcriber

    transcriber = handlers.get("transcribe")
    if not isinstance(transcriber, Transcriber):
        return None
    directory = awaited_directory()

    def warm_up() -> None:
        if transcriber.warm_up() and directory is not None:
            announce_warm(directory)

    thread = threading.Thread(target=warm_up, name="voice311-warm-up", daemon=True)
    thread.start()
    return thread


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's (a reused pid): not ours
        return False
    return True
