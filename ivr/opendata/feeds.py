"""The live feeds' views: Server-Sent Events and Atom, beside the GeoReport v2 GET side.

Mounted by :func:`ivr.app.create_app` at ``/open311/v2``:

- ``GET requests/events``: the event stream (:mod:`ivr.opendata.event_stream`). It starts after
  ``Last-Event-ID`` (sent by a reconnecting browser), else after the ``after`` query parameter
  (a cursor a page was rendered with), else at the present. At most ``IVR_FEED_MAX_STREAMS``
  streams per process; beyond that, 503 with ``Retry-After``.
- ``GET requests.atom``: the Atom feed of the ``limit`` (default 50, at most 500) most recently
  changed requests.

Errors are answered in the GeoReport v2 JSON error format, without a stack trace.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from flask import Blueprint, Response, request, url_for

from ivr.opendata.atom import MIMETYPE as ATOM_MIMETYPE
from ivr.opendata.atom import FeedLinks, atom_feed
from ivr.opendata.changes import Cursor, CursorError, latest_changes
from ivr.opendata.event_stream import StreamTiming, event_stream, tail_cursor, timing_of
from ivr.opendata.stream_slots import StreamSlots
from ivr.store.db import transaction

if TYPE_CHECKING:
    from ivr.app import Runtime

ATOM_DEFAULT_LIMIT = 50
ATOM_MAX_LIMIT = 500
_ID = "__id__"  # stands for a request's id in a URL built once for every entry


def utc_now() -> datetime:
    return datetime.now(UTC)


def make_feeds_blueprint(
    rt: Runtime,
    *,
    timing: StreamTiming | None = None,
    clock: Callable[[], datetime] = utc_now,
    sleep: Callable[[float], None] = time.sleep,
) -> Blueprint:
    timing = timing or timing_of(rt.settings)
    slots = StreamSlots(rt.settings.feed_max_streams)
    bp = Blueprint("open_data_feeds", __name__)

    @bp.get("/requests/events")
    def events() -> Response:
        try:
            after = _start_cursor(clock(), timing)
        except CursorError as error:
            return _error(400, str(error))
        slot = slots.take()
        if slot is None:
            response = _error(503, "too many live streams are open; try again shortly")
            response.headers["Retry-After"] = str(max(1, int(timing.retry)))
            return response

        def body() -> Iterator[bytes]:
            try:
                yield from event_stream(rt.sessions, after, timing=timing, clock=clock, sleep=sleep)
            finally:
                slot.release()

        response = Response(body(), mimetype="text/event-stream")
        response.call_on_close(slot.release)
        response.headers["Cache-Control"] = "no-cache"
        response.headers["X-Accel-Buffering"] = "no"  # nginx: pass each event on at once
        response.headers["Access-Control-Allow-Origin"] = "*"
        return response

    @bp.get("/requests.atom")
    def atom() -> Response:
        limit_text = request.args.get("limit", str(ATOM_DEFAULT_LIMIT))
        if not limit_text.isdigit() or not 1 <= int(limit_text) <= ATOM_MAX_LIMIT:
            return _error(400, f"limit must be a whole number from 1 to {ATOM_MAX_LIMIT}")
        with transaction(rt.sessions) as session:
            changes = latest_changes(session, limit=int(limit_text))
        body = atom_feed(changes, _feed_links(rt), now=clock())
        response = Response(body, content_type=ATOM_MIMETYPE)
        response.headers["Access-Control-Allow-Origin"] = "*"
        return response

    return bp


def _start_cursor(now: datetime, timing: StreamTiming) -> Cursor:
    last_event_id = request.headers.get("Last-Event-ID", "").strip()
    if last_event_id:
        return Cursor.parse(last_event_id)
    after = request.args.get("after", "").strip()
    if after:
        return Cursor.parse(after)
    return tail_cursor(now, timing)


def _feed_links(rt: Runtime) -> FeedLinks:
    base = rt.settings.public_base_url.rstrip("/") or request.url_root.rstrip("/")
    api = base + request.path.rsplit("/", 1)[0]
    page = base + url_for("open_data_pages.request_page", service_request_id=_ID)
    return FeedLinks(
        authority=urlsplit(base).hostname or "localhost",
        self_url=base + request.full_path.rstrip("?"),
        map_url=base + url_for("open_data_pages.public_map"),
        request_page_url="{id}".join(page.rsplit(_ID, 1)),
        request_api_url=api + "/requests/{id}.json",
    )


def _error(code: int, description: str) -> Response:
    body = json.dumps([{"code": code, "description": description}])
    return Response(body, status=code, content_type="application/json; charset=utf-8")
