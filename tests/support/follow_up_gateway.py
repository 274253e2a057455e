"""A whole gateway with everything the follow-up features need: the app on a live HTTP server,
its leased work running as ``ivr serve`` runs it: the outbox filing to that server's embedded
endpoint and sending the text messages callers agreed to (through a local stand-in of Twilio's
REST API), and jobs that ask the embedded endpoint about requests (status by phone, the
duplicate check).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from ivr.app import create_app
from ivr.followup.handlers import follow_up_handlers
from ivr.open311.client import Open311Client
from ivr.open311.models import NewRequest
from ivr.open311.request_store import update_status
from ivr.runtime import Runtime
from ivr.settings import Settings
from ivr.simulator import CallOptions, MediaServer, place_call
from ivr.simulator.call import CallResult
from tests.calls.phone import AUTH_TOKEN, Gateway
from tests.support.live_server import serve_wsgi
from tests.support.models_folder import models_folder
from tests.support.twilio_api import TwilioApi

ACCOUNT_SID = "AC" + "0" * 32
SMS_FROM = "+16175550311"


@dataclass
class FollowUpGateway(Gateway):
    """The live gateway, its Twilio stand-in, and a client of its own embedded endpoint."""

    twilio: TwilioApi | None = None
    city: Open311Client | None = None

    def call_from(self, number: str, script: list[Any]) -> CallResult:
        """A call from ``number`` (the caller ID Twilio sends as ``From``)."""
        options = CallOptions(
            voice_url=self.voice_url,
            auth_token=AUTH_TOKEN,
            status_callback=f"{self.base_url}/twilio/voice/status",
            pause_pace=0.05,
            from_number=number,
        )
        return place_call(self.http, options, script, media=self.media)

    def file_directly(self, service_code: str, lat: float, long: float, address: str) -> str:
        """A request filed with the embedded endpoint by someone else (not by a call)."""
        assert self.city is not None
        request = NewRequest(
            service_code=service_code,
            lat=lat,
            long=long,
            address_string=address,
            description="reported on the web",
            attributes=(("defect_type", ("pothole",)), ("width_feet", ("2",))),
        )
        result = self.city.submit(request)
        assert result.service_request_id is not None
        return result.service_request_id

    def set_status(self, service_request_id: str, status: str, notes: str) -> None:
        """City staff change a request's status (as the dashboard would)."""
        with self.sessions() as session, session.begin():
            now = datetime.now(UTC)
            assert update_status(
                session, service_request_id, status=status, now=now, status_notes=notes
            )


@contextmanager
def follow_up_gateway(
    url: str, *, texts: bool = True, handlers_city: str = "", **changes: Any
) -> Iterator[FollowUpGateway]:
    """The gateway on ``url`` (a prepared store); with ``texts``, it offers text messages and
    sends them to a Twilio stand-in. ``handlers_city``: where the jobs ask the city (default:
    the gateway's own embedded endpoint)."""
    twilio = TwilioApi(account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN)
    with serve_wsgi(twilio.app) as twilio_url:
        settings = Settings(
            recognizer="twilio",  # the caller script speaks words, not audio
            database_url=url,
            twilio_auth_token=AUTH_TOKEN,
            twilio_account_sid=ACCOUNT_SID,
            twilio_api_base_url=twilio_url,
            sms_from=SMS_FROM if texts else "",
            public_base_url="",
            status_link="https://311.example.gov/requests/{id}",
            geocoder_city="Boston",
            geocoder_region="MA",
            models_dir=models_folder(),  # the street models built for the run, not ./models
        ).replace(**changes)
        app = create_app(settings)
        rt: Runtime = app.extensions["voice311"]
        with (
            serve_wsgi(app) as base_url,
            httpx.Client(timeout=15) as http,
            MediaServer() as media,
        ):
            # Someone else filing with the embedded endpoint comes over HTTP, as from outside.
            city = Open311Client(http, f"{base_url}/open311/v2")
            if handlers_city:
                asked = Open311Client(http, handlers_city)
                rt.job_handlers = follow_up_handlers(settings, asked, rt.sessions, rt.catalogues)
            rt.work.start(interval=0.2)
            try:
                yield FollowUpGateway(base_url, rt.sessions, http, media, twilio, city)
            finally:
                rt.work.stop()
                rt.engine.dispose()
