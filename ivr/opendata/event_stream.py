"""The live feed as Server-Sent Events: a generator of ``text/event-stream`` bytes.

The stream polls the store (no process memory: a stream on one worker sees changes written by
any other worker or machine) and sends each change past its cursor as one event::

    id: 1714564800123456-42
    event: created
    data: {"service_request_id": "42", "status": "open", …}

``id`` is the change's :class:`~ivr.opendata.changes.Cursor`: a client that reconnects with it
as ``Last-Event-ID`` continues with the next change, with none lost and none repeated. ``data``
is the request as ``GET requests.json`` renders it. A comment line is sent when nothing else
has been for ``heartbeat`` seconds, so that proxies keep an idle stream open. A stream ends by
itself after ``lifetime`` seconds (the browser reconnects with ``Last-Event-ID``), which frees
its thread and lets a server restart without cutting anything off. It also ends within one poll
once the process is stopping (:data:`ivr.stopping.process_stopping`), so that a server told to
stop is not held by its streams; the browser reconnects to another process or the next start.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from ivr.open311.render import requests_document
from ivr.opendata.changes import Change, Cursor, changes_after
from ivr.settings import Settings
from ivr.stopping import process_stopping
from ivr.store.db import transaction

log = logging.getLogger(__name__)

BATCH = 100  # changes read per poll; a longer backlog is read without sleeping in between


@dataclass(frozen=True)
class StreamTiming:
    """How a stream polls (all in seconds)."""

    poll: float = 1.0
    settle: float = 2.0
    heartbeat: float = 15.0
    lifetime: float = 600.0
    retry: float = 3.0  # what the client is told to wait before reconnecting


def timing_of(settings: Settings) -> StreamTiming:
    return StreamTiming(poll=settings.feed_poll_seconds, settle=settings.feed_settle_seconds)


def tail_cursor(now: datetime, timing: StreamTiming) -> Cursor:
    """Where a stream without ``Last-Event-ID`` starts: changes from now on (and the few that
    may not have settled yet, which a page loaded a moment ago may already show)."""
    return Cursor.at(now - timedelta(seconds=timing.settle))


def event_stream(
    sessions: sessionmaker[Session],
    after: Cursor,
    *,
    timing: StreamTiming,
    clock: Callable[[], datetime],
    sleep: Callable[[float], None],
    stopping: threading.Event = process_stopping,
) -> Iterator[bytes]:
    """Events for every change past ``after``, until ``timing.lifetime`` has passed or
    ``stopping`` is set."""
    yield f"retry: {int(timing.retry * 1000)}\n: stream open\n\n".encode()
    started = clock()
    quiet_since = started
    cursor = after
    while not stopping.is_set() and _seconds(clock() - started) < timing.lifetime:
        settled_before = clock() - timedelta(seconds=timing.settle)
        try:
            with transaction(sessions) as session:
                changes = changes_after(session, cursor, settled_before=settled_before, limit=BATCH)
        except Exception:
            # The client reconnects with the last id it received: nothing is lost.
            log.exception("the event stream could not read the store; closing it")
            return
        for change in changes:
            yield event_bytes(change)
            cursor = change.cursor
        if changes:
            quiet_since = clock()
        if len(changes) == BATCH:
            continue
        if _seconds(clock() - quiet_since) >= timing.heartbeat:
            yield b": keep-alive\n\n"
            quiet_since = clock()
        sleep(timing.poll)


def event_bytes(change: Change) -> bytes:
    """One change as a Server-Sent Event (JSON on one ``data:`` line: it has no newlines)."""
    data = json.dumps(requests_document([change.request])[0], ensure_ascii=False)
    return f"id: {change.cursor}\nevent: {change.kind}\ndata: {data}\n\n".encode()


def _seconds(delta: timedelta) -> float:
    return delta.total_seconds()
