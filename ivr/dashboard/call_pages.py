"""The live calls list, one call's page (refreshing its live part by itself), and the call's
recordings streamed to staff."""

from __future__ import annotations

import logging
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, jsonify, render_template

from ivr.dashboard.call_view import call_detail, live_calls, recording_url
from ivr.dashboard.context import Dashboard
from ivr.dashboard.handoff_controls import handoff_targets

log = logging.getLogger(__name__)
AUDIO_TYPES = {".mp3": "audio/mpeg", ".wav": "audio/wav"}


def add_call_pages(bp: Blueprint, dash: Dashboard) -> None:
    @bp.get("/calls")
    def calls() -> str:
        with dash.rt.sessions() as session:
            rows = live_calls(session, dash.clock())
        return render_template("staff/calls.html", calls=rows)

    @bp.get("/calls.json")
    def calls_json() -> Response:
        with dash.rt.sessions() as session:
            rows = live_calls(session, dash.clock())
        return jsonify(calls=[row.to_json() for row in rows])

    @bp.get("/calls/<call_sid>")
    def call(call_sid: str) -> str:
        with dash.rt.sessions() as session:
            detail = call_detail(session, call_sid, dash.clock())
        if detail is None:
            abort(404, "no such call")
        return render_template(
            "staff/call.html",
            call=detail,
            targets=handoff_targets(),
            tile_url=dash.rt.settings.map_tile_url,
        )

    @bp.get("/calls/<call_sid>/live")
    def call_live(call_sid: str) -> str:
        with dash.rt.sessions() as session:
            detail = call_detail(session, call_sid, dash.clock())
        if detail is None:
            abort(404, "no such call")
        return render_template("staff/_call_live.html", call=detail)

    @bp.get("/calls/<call_sid>/recordings/<int:number>")
    def recording(call_sid: str, number: int) -> Response:
        with dash.rt.sessions() as session:
            url = recording_url(session, call_sid, number)
        if url is None:
            abort(404, "no such recording")
        try:
            from ivr.recordings.download import fetch_recording
        except ImportError:
            abort(503, "recordings cannot be fetched by this gateway")
        try:
            audio = fetch_recording(url, http=dash.http, settings=dash.rt.settings)
        except Exception as error:  # any failure to fetch: the page says so, nothing leaks
            log.warning("recording not fetched", extra={"error_type": type(error).__name__})
            abort(502, "the recording could not be fetched from the carrier")
        suffix = PurePosixPath(urlsplit(url).path).suffix.lower()
        return Response(audio, mimetype=AUDIO_TYPES.get(suffix, "audio/wav"))
