"""Twilio's REST API, through the twilio library, for what the gateway asks of Twilio itself:
sending a text message, and redirecting a live call (staff handing a caller into a flow).

``make_twilio_client`` builds the library's ``Client`` with a timeout on every request and with
the API's base URL from ``IVR_TWILIO_API_BASE_URL`` (tests point it at a local server that
answers as Twilio documents). The library's own request logging is held at WARNING: at INFO it
would log request bodies, which hold phone numbers and message text.
"""

from __future__ import annotations

import logging
from typing import Any

from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from ivr.settings import Settings, env_name

TWILIO_API = "https://api.twilio.com"
logging.getLogger("twilio.http_client").setLevel(logging.WARNING)


class TwilioNotConfigured(RuntimeError):
    """The REST API was needed but no account SID and auth token are set."""


class _BasedHttpClient(TwilioHttpClient):
    """The library's HTTP client, sending to ``base_url`` instead of api.twilio.com."""

    def __init__(self, base_url: str, timeout: float) -> None:
        super().__init__(timeout=timeout, logger=logging.getLogger("twilio.http_client"))
        self._base_url = base_url.rstrip("/")

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
        if url.startswith(TWILIO_API) and self._base_url != TWILIO_API:
            url = self._base_url + url[len(TWILIO_API) :]
        return super().request(method, url, *args, **kwargs)


def make_twilio_client(settings: Settings) -> Client:
    """A REST client for the configured account; raises ``TwilioNotConfigured`` without one."""
    if not (settings.twilio_account_sid and settings.twilio_auth_token):
        raise TwilioNotConfigured(
            f"{env_name('twilio_account_sid')} and {env_name('twilio_auth_token')} must be set "
            "to use Twilio's REST API"
        )
    http = _BasedHttpClient(settings.twilio_api_base_url, settings.twilio_timeout)
    return Client(
        settings.twilio_account_sid,
        settings.twilio_auth_token,
        account_sid=settings.twilio_account_sid,
        http_client=http,
    )
