"""A whole gateway for simulated calls: a migrated store with the Boston gazetteer (or another
city's), the app on a live HTTP server, an outbox worker filing to the embedded endpoint of
that same server, and a phone (the simulator) that calls it with a caller script.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ivr.addresses.address_files import load_neighbourhoods
from ivr.addresses.gazetteer import import_file, neighbourhoods_of
from ivr.app import create_app
from ivr.recordings.transcription import warm_up_in_background
from ivr.runtime import Runtime
from ivr.settings import Settings
from ivr.simulator import CallOptions, MediaServer, place_call
from ivr.simulator.call import CallResult
from ivr.store.call_tables import CallRecord, ReportRecord
from ivr.store.db import make_engine, upgrade
from tests.support.live_server import serve_wsgi
from tests.support.models_folder import models_folder

AUTH_TOKEN = "0123456789abcdef0123456789abcdef"


def prepared_store(
    url: str, *, gazetteer_file: Path | None = None, neighbourhoods_file: Path | None = None
) -> str:
    """Migrate ``url`` and import the address points: the Boston ones shipped with their
    neighbourhoods (about three seconds), or ``gazetteer_file``'s, with the neighbourhoods of
    ``neighbourhoods_file`` (none given: no district, read-backs name the ZIP code)."""
    upgrade(url)
    engine = make_engine(url)
    try:
        if gazetteer_file is None:
            settings = Settings(database_url=url)
            points, neighbourhoods = settings.gazetteer_path, neighbourhoods_of(settings)
        else:
            points, neighbourhoods = gazetteer_file, {}
            if neighbourhoods_file is not None:
                with neighbourhoods_file.open(encoding="utf-8-sig", newline="") as stream:
                    neighbourhoods = load_neighbourhoods(stream)
        import_file(engine, points, neighbourhoods=neighbourhoods)
    finally:
        engine.dispose()
    return url


@dataclass
class Gateway:
    """The live gateway: its base URL, store and an HTTP client; ``call`` places a call."""

    base_url: str
    sessions: sessionmaker[Session]
    http: httpx.Client
    media: MediaServer

    @property
    def voice_url(self) -> str:
        return f"{self.base_url}/twilio/voice"

    def call(
        self, script: list[Any], *, auth_token: str = AUTH_TOKEN, pause_pace: float = 0.05
    ) -> CallResult:
        options = CallOptions(
            voice_url=self.voice_url,
            auth_token=auth_token,
            status_callback=f"{self.base_url}/twilio/voice/status",
            pause_pace=pause_pace,
        )
        return place_call(self.http, options, script, media=self.media)

    def requests_published(self) -> list[dict[str, Any]]:
        """What the city holds: the embedded endpoint's GET requests.json, over HTTP."""
        response = self.http.get(f"{self.base_url}/open311/v2/requests.json")
        response.raise_for_status()
        result: list[dict[str, Any]] = response.json()
        return result

    def call_row(self, call_sid: str) -> CallRecord | None:
        with self.sessions() as session:
            return session.get(CallRecord, call_sid)

    def reports_of(self, call_sid: str) -> list[ReportRecord]:
        with self.sessions() as session:
            query = select(ReportRecord).where(ReportRecord.call_sid == call_sid)
            return list(session.scalars(query))


@contextmanager
def running_gateway(
    url: str, *, media: MediaServer | None = None, **changes: Any
) -> Iterator[Gateway]:
    """The gateway on ``url`` (a prepared store) running its leased work as ``ivr serve`` does:
    the outbox files to the embedded endpoint of the same app, in-process, and jobs transcribe
    recordings fetched from ``media`` (a media server of its own if not given)."""
    with ExitStack() as stack:
        media = media or stack.enter_context(MediaServer())
        settings = Settings(
            database_url=url,
            twilio_auth_token=AUTH_TOKEN,
            geocoder_city="Boston",
            geocoder_region="MA",
            # Scripts speak with Speak(words): Twilio's cloud speech, unless a test says otherwise.
            recognizer="twilio",
            recording_hosts=media.base_url.removeprefix("http://"),
            # Scripts do not answer the offer to join a nearby open report (calls of one module
            # share a store); tests/calls/test_follow_up_calls.py hears it.
            duplicate_radius_metres=0,
            models_dir=models_folder(),  # the street models built for the run, not ./models
        ).replace(**changes)
        app = create_app(settings)
        rt: Runtime = app.extensions["voice311"]
        base_url = stack.enter_context(serve_wsgi(app))
        http = stack.enter_context(httpx.Client(timeout=15))
        warming = warm_up_in_background(rt.job_handlers)
        if warming is not None:  # calls come once the recogniser is ready, as in service
            warming.join(timeout=120)
        stack.callback(rt.engine.dispose)
        rt.work.start(interval=0.2)
        stack.callback(rt.work.stop)
        yield Gateway(base_url, rt.sessions, http, media)


def attributes_received(gateway: Gateway, service_request_id: str) -> dict[str, list[str]]:
    """The attributes the embedded endpoint stored with a request (GET does not show them)."""
    from ivr.store.request_tables import ServiceRequestRecord

    with gateway.sessions() as session:
        query = select(ServiceRequestRecord.attributes).where(
            ServiceRequestRecord.service_request_id == service_request_id
        )
        return dict(session.scalars(query).one())
