"""The process is stopping: one event, set when the server is told to stop, that a response
which could last minutes (an open data event stream) checks, so that it ends in a second
instead of holding the process past its graceful stop.

``ivr serve`` sets it in a web process on SIGTERM (:mod:`ivr.serve`); nothing else does. Files a
process leaves for its own lifetime are removed at its exit by
:func:`remove_when_this_process_exits`.
"""

from __future__ import annotations

import atexit
import os
import shutil
import threading
from pathlib import Path

process_stopping = threading.Event()


def remove_when_this_process_exits(path: Path) -> None:
    """Remove ``path`` (a directory tree or a file) when the process calling this exits.

    gunicorn forks its web workers from the process that called this, and a forked worker runs
    the atexit handlers it inherited when it exits: an unguarded handler would delete the
    server's shared directory whenever a worker was restarted. The handler acts only in the
    process that registered it."""
    owner = os.getpid()

    def remove() -> None:
        if os.getpid() != owner:
            return
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)

    atexit.register(remove)
