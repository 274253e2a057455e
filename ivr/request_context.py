"""What a request's log lines are about, and the access log: one line per request.

:class:`RequestContext` wraps the WSGI app. Each request runs, its streamed body included, in
a context of its own (:mod:`contextvars`) where :data:`ivr.logs.request_id` is set: the
client's ``X-Request-Id`` when it sent a sane one (a proxy's id, so that its log and ours
join), else a new one. The id is returned in the response's ``X-Request-Id``. When the body
is closed, one line goes to the ``ivr.access`` logger: method, path (never the query string,
which can carry a caller's number), status, duration, the CPU time the serving thread spent on
it (``cpu_ms``), on Linux the time it was ready to run but waited for a core (``run_queue_ms``:
the machine had more work than cores; the rest of ``duration_ms`` is waiting for the GIL, a
lock, the database or the network) and bytes sent.

:func:`install` puts it in front of a Flask app and adds a ``before_request`` hook that sets
:data:`ivr.logs.call_sid` from a Twilio webhook's ``CallSid``, so every line a webhook logs
says which call it served.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextvars import Context, copy_context
from typing import TYPE_CHECKING, Any

from flask import Flask, request

from ivr.logs import call_sid, request_id

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

access_log = logging.getLogger("ivr.access")
# Linux's scheduler statistics of the calling thread: CPU time, time spent runnable on a run
# queue waiting for a core, and time slices, in that order (Documentation/scheduler/sched-stats).
SCHEDSTAT = "/proc/thread-self/schedstat"
_HAS_SCHEDSTAT = os.path.exists(SCHEDSTAT)
PROBE_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})  # asked by machines, all day

HEADER = "X-Request-Id"
WEBHOOK_PATHS = "/twilio/"  # Twilio's webhooks, whose form names the call (``CallSid``)
_SANE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")
_SID = re.compile(r"CA[0-9a-fA-F]{32}")
_FORM = "application/x-www-form-urlencoded"


def install(app: Flask, *, access: bool = True) -> None:
    """Give ``app`` request ids, call SIDs on its webhooks' lines and (``access``) the
    access log."""
    app.wsgi_app = RequestContext(app.wsgi_app, access=access)  # type: ignore[method-assign]
    app.before_request(note_call)


def note_call() -> None:
    """On a Twilio webhook, the lines logged from here on carry the call's SID. The form is
    read only when it is a plain form (a ``bodySHA256`` request is checked over its raw body,
    which parsing would consume)."""
    if not request.path.startswith(WEBHOOK_PATHS):
        return
    sid = request.args.get("CallSid", "")
    if not sid and request.mimetype == _FORM and "bodySHA256" not in request.args:
        sid = request.form.get("CallSid", "")
    if _SID.fullmatch(sid):
        call_sid.set(sid)


def new_request_id(offered: str | None) -> str:
    """The client's id when it is a short token of safe characters, else a fresh one."""
    if offered and _SANE_ID.fullmatch(offered):
        return offered
    return uuid.uuid4().hex


class RequestContext:
    """WSGI middleware: a request id and a context of its own for every request, and its
    access-log line."""

    def __init__(self, app: WSGIApplication, *, access: bool = True) -> None:
        self.app = app
        self.access = access

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        context = copy_context()
        return context.run(self._serve, context, environ, start_response)

    def _serve(
        self, context: Context, environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterable[bytes]:
        rid = new_request_id(environ.get("HTTP_X_REQUEST_ID"))
        # A call SID set around this call (a job asking the embedded endpoint) stays set.
        request_id.set(rid)
        line = _AccessLine(environ, timed=self.access)

        def respond(status: str, headers: list[tuple[str, str]], *exc_info: Any) -> Any:
            line.status = _status_code(status)
            if not any(name.lower() == HEADER.lower() for name, _ in headers):
                headers.append((HEADER, rid))
            return start_response(status, headers, *exc_info)

        try:
            body = self.app(environ, respond)
        except BaseException:
            line.status = line.status or 500
            self._log(line)
            raise
        return _Body(body, context, line, self._log)

    def _log(self, line: _AccessLine) -> None:
        if self.access:
            line.write()


def run_queue_ns() -> int | None:
    """Nanoseconds the calling thread has spent ready to run but waiting for a core, since it
    started; None where the kernel does not say (not Linux, or no scheduler statistics)."""
    if not _HAS_SCHEDSTAT:
        return None
    try:  # os.open and os.read: half the cost of a file object, twice a request (about 6 µs)
        stats = os.open(SCHEDSTAT, os.O_RDONLY)
        try:
            return int(os.read(stats, 128).split()[1])
        finally:
            os.close(stats)
    except (OSError, ValueError, IndexError):
        return None


class _AccessLine:
    """The facts of one request's access-log line, filled in as the response goes out."""

    def __init__(self, environ: WSGIEnvironment, *, timed: bool = True) -> None:
        self.method = str(environ.get("REQUEST_METHOD", ""))
        self.path = (str(environ.get("SCRIPT_NAME", "")) + str(environ.get("PATH_INFO", "")))[:300]
        self.started = time.monotonic()
        # The serving thread's CPU clock: a server that closes the body on another thread
        # gets no cpu_ms (that thread's clock says nothing about this request).
        self.thread = threading.get_ident()
        self.cpu_started = time.thread_time()
        # read only for a line that will be written (the access log on): two reads of /proc
        self.queued_started = run_queue_ns() if timed else None
        self.status = 0
        self.bytes = 0

    def facts(self) -> dict[str, object]:
        facts: dict[str, object] = {
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "duration_ms": round((time.monotonic() - self.started) * 1000, 1),
        }
        if threading.get_ident() == self.thread:
            facts["cpu_ms"] = round((time.thread_time() - self.cpu_started) * 1000, 1)
            queued = run_queue_ns()
            if queued is not None and self.queued_started is not None:
                facts["run_queue_ms"] = round((queued - self.queued_started) / 1e6, 1)
        facts["bytes"] = self.bytes
        return facts

    def write(self) -> None:
        # A load balancer's /readyz every few seconds and Prometheus's /metrics scrape would
        # be most of a quiet day's lines: answered, they are DEBUG; a failed one stays INFO.
        quiet = self.path in PROBE_PATHS and 0 < self.status < 400
        access_log.log(
            logging.DEBUG if quiet else logging.INFO,
            "%s %s %s",
            self.method,
            self.path,
            self.status,
            extra=self.facts(),
        )


class _Body:
    """The app's response body, each chunk made in the request's context (a streamed body's
    lines carry its request id); the access line is written when the server closes it."""

    def __init__(
        self,
        body: Iterable[bytes],
        context: Context,
        line: _AccessLine,
        done: Callable[[_AccessLine], None],
    ) -> None:
        self._body = body
        self._context = context
        self._line = line
        self._done = done

    def __iter__(self) -> Iterator[bytes]:
        chunks = self._context.run(iter, self._body)
        while True:
            try:
                chunk = self._context.run(next, chunks)
            except StopIteration:
                return
            self._line.bytes += len(chunk)
            yield chunk

    def close(self) -> None:
        try:
            close = getattr(self._body, "close", None)
            if close is not None:
                self._context.run(close)
        finally:
            self._context.run(self._done, self._line)


def _status_code(status: str) -> int:
    head = status.split(" ", 1)[0]
    return int(head) if head.isdecimal() else 0
