"""Simulated calls in progress, by CallSid: where Twilio's REST call update reaches them.

Twilio documents that updating a live call with a ``Url`` makes the call fetch that URL at once
and run the TwiML it returns, leaving whatever verb it was in (a ``<Dial>`` or a queue's bridge
ends; the verb's action is not requested). :meth:`LiveCalls.redirect` is that update: wire it to
a stand-in of Twilio's REST API (``TwilioApi.on_redirect``). A simulated call takes the
redirect before its next verb, or at once while the caller is holding with a person (a
``hold`` step of the script).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field


@dataclass(frozen=True)
class RestRedirect:
    url: str = field(repr=False)
    method: str = "POST"


class LiveLine:
    """One call's line: a redirect waiting for it, and whether the caller is holding."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: RestRedirect | None = None
        self._arrived = threading.Event()
        self.holding = threading.Event()

    def put(self, redirect: RestRedirect) -> None:
        with self._lock:
            self._pending = redirect
        self._arrived.set()

    def take(self) -> RestRedirect | None:
        with self._lock:
            redirect, self._pending = self._pending, None
            self._arrived.clear()
        return redirect

    def hold(self, seconds: float) -> RestRedirect | None:
        """Stay on the line with a person until a redirect comes or ``seconds`` pass."""
        self.holding.set()
        try:
            self._arrived.wait(seconds)
        finally:
            self.holding.clear()
        return self.take()


class LiveCalls:
    """The registry: calls add their line while they run."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._lines: dict[str, LiveLine] = {}
        self._added = threading.Condition(self._lock)

    def open(self, call_sid: str) -> LiveLine:
        with self._lock:
            line = self._lines[call_sid] = LiveLine()
            self._added.notify_all()
        return line

    def close(self, call_sid: str) -> None:
        with self._lock:
            self._lines.pop(call_sid, None)

    def redirect(self, call_sid: str, url: str, method: str = "POST") -> None:
        """Twilio's call update with ``Url``: the call fetches ``url`` next."""
        with self._lock:
            line = self._lines.get(call_sid)
        if line is not None:
            line.put(RestRedirect(url, method.upper()))

    def wait_until_holding(self, call_sid: str, seconds: float) -> bool:
        """Wait (at most ``seconds``) until the caller of ``call_sid`` holds with a person."""
        with self._lock:
            self._added.wait_for(lambda: call_sid in self._lines, seconds)
            line = self._lines.get(call_sid)
        return line is not None and line.holding.wait(seconds)
