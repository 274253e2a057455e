"""The live calls list, one call's page (refreshing its live part by itself), and the call's
recordings streamed to staff. Nested in the ``staff`` blueprint, whose guard runs first."""

from __future__ import annotations

import logging
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, jsonify, render_template

from ivr.dashboard.call_view import CallDetail, call_detail, live_calls, recording_url
from ivr.dashboard.handoff_controls import handoff_targets
from ivr.runtime import current_runtime

log = logging.getLogger(__name__)
AUDIO_TYPES = {".mp3": "audio/mpeg", ".wav": "audio/wav"}

bp = Blueprint("calls", __name__)


@bp.get("/calls")
def index() -> str:
    rt = current_runtime()
    with rt.sessions() as session:
        rows = live_calls(session, rt.clock())
    return render_template("staff/calls.html", calls=rows)


@bp.get("/calls.json")
def index_json() -> Response:
    rt = current_runtime()
    with rt.sessions() as session:
        rows = live_calls(session, rt.clock())
    return jsonify(calls=[row.to_json() for row in rows])


@bp.get("/calls/<call_sid>")
def show(call_sid: str) -> str:
    return render_template(
        "staff/call.html",
        call=_detail(call_sid),
        targets=handoff_targets(),
        tile_url=current_runtime().settings.map_tile_url,
    )


@bp.get("/calls/<call_sid>/live")
def live(call_sid: str) -> str:
    return render_template("staff/_call_live.html", call=_detail(call_sid))


@bp.get("/calls/<call_sid>/recordings/<int:number>")
def recording(call_sid: str, number: int) -> Response:
    rt = current_runtime()
    with rt.sessions() as session:
        url = recording_url(session, call_sid, number)
    if url is None:
        abort(404, "no such recording")
    try:
        from ivr.recordings.download import fetch_recording
    except ImportError:
        abort(503, "recordings cannot be fetched by this gateway")
    try:
        audio = fetch_recording(url, http=rt.staff.http, settings=rt.settings)
    except Exception as error:  # any failure to fetch: the page says so, nothing leaks
        log.warning("recording not fetched", extra={"error_type": type(error).__name__})
        abort(502, "the recording could not be fetched from the carrier")
    suffix = PurePosixPath(urlsplit(url).path).suffix.lower()
    return Response(audio, mimetype=AUDIO_TYPES.get(suffix, "audio/wav"))


def _detail(call_sid: str) -> CallDetail:
    rt = current_runtime()
    with rt.sessions() as session:
        detail = call_detail(session, call_sid, rt.clock())
    if detail is None:
        abort(404, "no such call")
    return detail
