"""Downloading a caller's recording from where Twilio keeps it, and from nowhere else.

A ``RecordingUrl`` arrives in a webhook form: whoever can post a signed webhook names the URL,
and the gateway fetches it with the account's credentials. So a URL is fetched only when its
host is one of Twilio's media hosts (``https://api.twilio.com`` and the regional
``https://api.<edge>.<region>.twilio.com``) or a host named in ``IVR_RECORDING_HOSTS``; a
redirect is followed only to such a host as well. Anything else is refused without a request.

Twilio serves a recording at its URL with ``.wav`` appended, authenticated with HTTP Basic
(account SID, auth token). Until the recording is stored, the URL answers 404: that, a timeout,
a dropped connection or a 5xx raise :class:`RecordingNotReady` (try again shortly). A body
larger than :data:`MAX_BYTES` is not read to the end.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import httpx

from ivr.settings import Settings

MAX_BYTES = 16 * 1024 * 1024  # about 17 minutes of 8 kHz 16-bit mono WAV
MAX_REDIRECTS = 3
_TWILIO_HOST = re.compile(r"^api(\.[a-z0-9-]+)*\.twilio\.com$")
_ACCOUNT = re.compile(r"/Accounts/(AC[0-9a-fA-F]{32})/")
_AUDIO_SUFFIXES = (".wav", ".mp3")


class RecordingError(Exception):
    """The recording cannot be had (refused, forbidden, too large, not audio). The message
    names the reason and never the URL, which identifies the caller's recording."""


class RecordingRefused(RecordingError):
    """The URL is not on an allowed host: nothing was fetched."""


class RecordingNotReady(RecordingError):
    """Not there yet, or the host is briefly unreachable: trying again later may help."""


def allowed_hosts(settings: Settings) -> frozenset[str]:
    """``IVR_RECORDING_HOSTS`` as lower-case ``host`` or ``host:port`` entries."""
    return frozenset(
        entry.strip().lower() for entry in settings.recording_hosts.split(",") if entry.strip()
    )


def is_allowed(url: str, settings: Settings) -> bool:
    """True when ``url`` may be fetched: https on a Twilio media host, or a listed host."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:
        return False
    if parts.scheme not in ("https", "http") or not host or parts.username or parts.password:
        return False
    if parts.scheme == "https" and port in (None, 443) and _TWILIO_HOST.match(host):
        return True
    listed = allowed_hosts(settings)
    netloc = f"{host}:{port}" if port is not None else host
    return netloc in listed or (port is None and host in listed)


def media_url(url: str) -> str:
    """The URL Twilio serves the WAV at: the recording URL with ``.wav`` appended."""
    path = urlsplit(url).path
    return url if path.lower().endswith(_AUDIO_SUFFIXES) else f"{url}.wav"


def credentials(url: str, settings: Settings) -> tuple[str, str] | None:
    """HTTP Basic credentials: the account SID (the configured one, else the one in the URL's
    path, as ``ivr call`` makes a new account per call) and the auth token."""
    if not settings.twilio_auth_token:
        return None
    account = settings.twilio_account_sid
    if not account:
        found = _ACCOUNT.search(urlsplit(url).path)
        account = found.group(1) if found else ""
    return (account, settings.twilio_auth_token) if account else None


def fetch_recording(
    url: str, *, http: httpx.Client, settings: Settings, max_bytes: int = MAX_BYTES
) -> bytes:
    """The recording's audio bytes. Raises :class:`RecordingRefused` for a host not allowed
    (before any request), :class:`RecordingNotReady` for what time may fix, and
    :class:`RecordingError` for the rest."""
    if not is_allowed(url, settings):
        raise RecordingRefused("the recording URL is not on a Twilio media host or a listed host")
    auth = credentials(url, settings)
    target = media_url(url)
    origin = urlsplit(target).netloc
    for _ in range(MAX_REDIRECTS + 1):
        # Credentials go only to the host the recording was announced on.
        same_host = urlsplit(target).netloc == origin
        credentials_here = auth if same_host else None
        location = _get(target, http, credentials_here, settings.twilio_timeout, max_bytes)
        if isinstance(location, bytes):
            return location
        target = urljoin(target, location)
        if not is_allowed(target, settings):
            raise RecordingRefused("the recording host redirected to a host that is not allowed")
    raise RecordingError("too many redirects")


def _get(
    url: str, http: httpx.Client, auth: tuple[str, str] | None, timeout: float, max_bytes: int
) -> bytes | str:
    """The body, or the Location of a redirect."""
    try:
        with http.stream(
            "GET", url, auth=auth, timeout=timeout, follow_redirects=False
        ) as response:
            status = response.status_code
            if status in (301, 302, 303, 307, 308):
                location = response.headers.get("location", "")
                if not location:
                    raise RecordingError(f"redirect {status} without a location")
                return location
            if status == 404:
                raise RecordingNotReady("the recording is not stored yet (404)")
            if status == 429 or status >= 500:
                raise RecordingNotReady(f"the recording host answered {status}")
            if status != 200:
                raise RecordingError(f"the recording host answered {status}")
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise RecordingError("the recording is larger than the gateway accepts")
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > max_bytes:
                    raise RecordingError("the recording is larger than the gateway accepts")
            return bytes(body)
    except httpx.TimeoutException:
        raise RecordingNotReady("the recording host timed out") from None
    except httpx.TransportError as error:
        reason = type(error).__name__
        raise RecordingNotReady(f"the recording host could not be reached ({reason})") from None
