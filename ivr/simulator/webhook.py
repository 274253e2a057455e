"""The HTTP side of the simulator: requests made as Twilio makes them, and what came back.

Each request is form-encoded (POST) or carries its parameters in the query (GET), has Twilio's
``User-Agent`` and idempotency token, and is signed with ``X-Twilio-Signature`` over the URL as
Twilio would see it (the public URL), computed by the twilio library's ``RequestValidator``.
A response is TwiML when its type is XML or HTML, a sound to play when it is audio, and words
to say when it is plain text, as Twilio documents; anything else, any HTTP error, a timeout or
unreadable TwiML is an application error with Twilio's error code.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode, urljoin, urlsplit

import httpx
from twilio.request_validator import RequestValidator

from ivr.simulator.twiml_reader import Document, Play, Say, TwimlError, read_twiml

log = logging.getLogger(__name__)

USER_AGENT = "TwilioProxy/1.1"
MAX_HTTP_REDIRECTS = 5


class ApplicationError(Exception):
    """What Twilio reports as an application error: a code from its error dictionary."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass(frozen=True)
class UrlMap:
    """Where a public URL (the one Twilio is configured with) is reached from this machine.

    Twilio only knows public URLs; the simulator signs those and sends the request to the
    address that serves them here. The map is the public and the transport URL of the voice
    webhook with their common path tail removed, so a proxy that strips a path prefix maps too.
    """

    public_prefix: str = ""
    transport_prefix: str = ""

    @classmethod
    def between(cls, public_url: str, transport_url: str) -> UrlMap:
        public, transport = urlsplit(public_url), urlsplit(transport_url)
        public_path, transport_path = public.path, transport.path
        while public_path and transport_path and public_path[-1] == transport_path[-1]:
            public_path, transport_path = public_path[:-1], transport_path[:-1]
        return cls(
            public_prefix=f"{public.scheme}://{public.netloc}{public_path}",
            transport_prefix=f"{transport.scheme}://{transport.netloc}{transport_path}",
        )

    def to_transport(self, url: str) -> str:
        if self.public_prefix and url.startswith(self.public_prefix):
            return self.transport_prefix + url[len(self.public_prefix) :]
        return url

    def to_public(self, url: str) -> str:
        if self.transport_prefix and url.startswith(self.transport_prefix):
            return self.public_prefix + url[len(self.transport_prefix) :]
        return url


@dataclass(frozen=True)
class Exchange:
    """One request the simulator made and how it went."""

    purpose: str  # voice, action, redirect, wait-url, status-callback, recording-status-callback
    method: str
    url: str = field(repr=False)  # as Twilio would see it; a GET's query may carry digits
    params: Mapping[str, str] = field(repr=False)
    status: int | None  # HTTP status, None when no answer came
    error_code: int | None = None


class Webhooks:
    """Sends Twilio's requests through an injected ``httpx.Client`` and records each one."""

    def __init__(
        self,
        client: httpx.Client,
        *,
        auth_token: str,
        url_map: UrlMap | None = None,
        timeout: float = 15.0,
    ) -> None:
        self._client = client
        self._validator = RequestValidator(auth_token) if auth_token else None
        self._map = url_map or UrlMap()
        self._timeout = timeout
        self.exchanges: list[Exchange] = []

    def fetch_twiml(
        self, purpose: str, url: str, method: str, params: Mapping[str, str]
    ) -> Document:
        """Request TwiML; :class:`ApplicationError` when Twilio could not have run it."""
        response = self._send(purpose, url, method, params)
        kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind in ("text/xml", "application/xml", "text/html"):
            try:
                return read_twiml(response.content)
            except TwimlError as error:
                self._mark_error(12100)
                raise ApplicationError(12100, f"Document parse failure: {error}") from None
        if kind.startswith("audio/"):
            return Document(verbs=(Play(url=url),))
        if kind == "text/plain":
            return Document(verbs=(Say(text=" ".join(response.text.split())),))
        self._mark_error(12300)
        raise ApplicationError(12300, f"Invalid Content-Type {kind or '(none)'!r}")

    def notify(self, purpose: str, url: str, method: str, params: Mapping[str, str]) -> str:
        """Send a callback whose answer Twilio ignores; returns a problem, or ""."""
        try:
            self._send(purpose, url, method, params)
        except ApplicationError as error:
            return f"{purpose} failed: {error.code} {error.message}"
        return ""

    def _send(
        self, purpose: str, url: str, method: str, params: Mapping[str, str]
    ) -> httpx.Response:
        for _hop in range(MAX_HTTP_REDIRECTS + 1):
            response = self._send_once(purpose, url, method, params)
            if response.status_code not in (301, 302, 303, 307, 308):
                break
            location = response.headers.get("location", "")
            if not location:
                break
            url = urljoin(url, self._map.to_public(location))
            if response.status_code in (301, 302, 303):
                method, params = "GET", {}
        if response.status_code >= 300:
            self._mark_error(11200)
            raise ApplicationError(11200, f"HTTP retrieval failure: HTTP {response.status_code}")
        return response

    def _send_once(
        self, purpose: str, url: str, method: str, params: Mapping[str, str]
    ) -> httpx.Response:
        if urlsplit(url).scheme not in ("http", "https"):
            self.exchanges.append(Exchange(purpose, method, url, dict(params), None, 11100))
            raise ApplicationError(11100, "Invalid URL format")
        signed_url, body = url, dict(params)
        if method == "GET" and params:
            signed_url = url + ("&" if "?" in url else "?") + urlencode(params)
            body = {}
        headers = {"User-Agent": USER_AGENT, "I-Twilio-Idempotency-Token": str(uuid.uuid4())}
        if self._validator is not None:
            headers["X-Twilio-Signature"] = self._validator.compute_signature(signed_url, body)
        target = self._map.to_transport(signed_url)
        try:
            if method == "GET":
                response = self._client.get(target, headers=headers, timeout=self._timeout)
            else:
                response = self._client.post(
                    target, data=body, headers=headers, timeout=self._timeout
                )
        except httpx.TimeoutException:
            self.exchanges.append(Exchange(purpose, method, url, dict(params), None, 11205))
            raise ApplicationError(
                11205, f"HTTP connection failure: no answer within {self._timeout:g} s"
            ) from None
        except httpx.HTTPError as error:
            self.exchanges.append(Exchange(purpose, method, url, dict(params), None, 11205))
            raise ApplicationError(
                11205, f"HTTP connection failure: {type(error).__name__}"
            ) from None
        log.debug(
            "simulated Twilio request",
            extra={"purpose": purpose, "method": method, "status": response.status_code},
        )
        self.exchanges.append(Exchange(purpose, method, url, dict(params), response.status_code))
        return response

    def _mark_error(self, code: int) -> None:
        last = self.exchanges[-1]
        self.exchanges[-1] = Exchange(
            last.purpose, last.method, last.url, last.params, last.status, code
        )
