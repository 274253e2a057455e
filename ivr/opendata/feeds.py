"""The live feeds' views: Server-Sent Events and Atom, beside the GeoReport v2 GET side.

The module's ``bp`` is mounted by the app factory at ``/open311/v2``; its views read the store,
the clock, the settings and the per-process cap on streams from the runtime:

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
import re
import time
from collections.abc import Iterator
from datetime import datetime
from urllib.parse import urlsplit

from flask import Blueprint, Response, request, url_for

from ivr.opendata.atom import MIMETYPE as ATOM_MIMETYPE
from ivr.opendata.atom import FeedLinks, atom_feed
from ivr.opendata.changes import Cursor, CursorError, latest_changes
from ivr.opendata.event_stream import StreamTiming, event_stream, tail_cursor, timing_of
from ivr.runtime import current_runtime
from ivr.settings import Settings
from ivr.store.db import transaction

ATOM_DEFAULT_LIMIT = 50
ATOM_MAX_LIMIT = 500
_ID = "__id__"  # stands for a request's id in a URL built once for every entry
# ASCII digits only: ``str.isdigit`` is also true of "²" and "٣", which ``int`` refuses or reads.
_LIMIT = re.compile(r"[0-9]{1,4}")

bp = Blueprint("open_data_feeds", __name__)


@bp.get("/requests/events")
def events() -> Response:
    rt = current_runtime()
    timing = timing_of(rt.settings)
    try:
        after = _start_cursor(rt.clock(), timing)
    except CursorError as error:
        return _error(400, str(error))
    slot = rt.stream_slots.take()
    if slot is None:
        response = _error(503, "too many live streams are open; try again shortly")
        response.headers["Retry-After"] = str(max(1, int(timing.retry)))
        return response

    def body() -> Iterator[bytes]:
        try:
            yield from event_stream(
                rt.sessions, after, timing=timing, clock=rt.clock, sleep=time.sleep
            )
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
    if not _LIMIT.fullmatch(limit_text) or not 1 <= int(limit_text) <= ATOM_MAX_LIMIT:
        return _error(400, f"limit must be a whole number from 1 to {ATOM_MAX_LIMIT}")
    rt = current_runtime()
    with transaction(rt.sessions) as session:
        changes = latest_changes(session, limit=int(limit_text))
    body = atom_feed(changes, _feed_links(rt.settings), now=rt.clock())
    response = Response(body, content_type=ATOM_MIMETYPE)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _start_cursor(now: datetime, timing: StreamTiming) -> Cursor:
    last_event_id = request.headers.get("Last-Event-ID", "").strip()
    if last_event_id:
        return Cursor.parse(last_event_id)
    after = request.args.get("after", "").strip()
    if after:
        return Cursor.parse(after)
    return tail_cursor(now, timing)


def _feed_links(settings: Settings) -> FeedLinks:
    base = settings.public_base_url.rstrip("/") or request.url_root.rstrip("/")
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
