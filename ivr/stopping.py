"""The process is stopping: one event, set when the server is told to stop, that a response
which could last minutes (an open data event stream) checks, so that it ends in a second
instead of holding the process past its graceful stop.

``ivr serve`` sets it in a web process on SIGTERM (:mod:`ivr.serve`); nothing else does.
"""

from __future__ import annotations

import threading

process_stopping = threading.Event()
